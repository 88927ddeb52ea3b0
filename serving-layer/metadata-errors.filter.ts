import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { MetadataUnavailableError } from '../core/metadata/store';

/** PostgreSQL down: 503 saying to retry (a 500 would read as a bug; nothing was lost). */
@Catch(MetadataUnavailableError)
export class MetadataErrorsFilter implements ExceptionFilter {
  catch(e: MetadataUnavailableError, host: ArgumentsHost): void {
    host
      .switchToHttp()
      .getResponse<Response>()
      .status(503)
      .set('retry-after', '5')
      .json({ statusCode: 503, message: e.message, error: 'Service Unavailable' });
  }
}
