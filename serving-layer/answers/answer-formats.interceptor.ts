import {
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
  StreamableFile,
} from '@nestjs/common';
import type { Request } from 'express';
import { mergeMap, type Observable } from 'rxjs';
import type { RouteAccess } from '../auth/access-matrix';
import { batchOf, schemaOf } from './arrow-batches';
import { answerTable } from './answer-table';
import { encodedStream, formatOf, mediaTypeOf } from './answer-formats';

/**
 * Every analytics route (those the matrix marks as querying the engines) answers an Accept of
 * Arrow or Parquet with its answer's table in that format (answer-table.ts); other routes, and
 * answers already streamed (SQL), are left as they are.
 */
@Injectable()
export class AnswerFormatsInterceptor implements NestInterceptor {
  intercept(ctx: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = ctx.switchToHttp().getRequest<Request & { access?: RouteAccess }>();
    const format = formatOf(req.headers.accept);
    if (format === 'json' || !req.access?.heavy) return next.handle();
    return next.handle().pipe(
      mergeMap(async (value: unknown) => {
        if (
          typeof value !== 'object' ||
          value === null ||
          value instanceof StreamableFile ||
          Array.isArray(value)
        )
          return value;
        const { columns, rows, metadata } = answerTable(value as Record<string, unknown>);
        const schema = schemaOf(columns, metadata);
        const stream = await encodedStream(
          format,
          schema,
          (async function* () {
            if (rows.length > 0) yield batchOf(schema, rows);
          })(),
        );
        return new StreamableFile(stream, { type: mediaTypeOf(format) });
      }),
    );
  }
}
