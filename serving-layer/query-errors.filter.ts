import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { BadQueryError, NotAnswerableError } from './query/errors';
import { QueryBudgetExceeded } from '../core/lake/query-budget';

/** The query core's errors as HTTP answers, in the shape NestJS gives its own exceptions. */
@Catch(BadQueryError, NotAnswerableError, QueryBudgetExceeded)
export class QueryErrorsFilter implements ExceptionFilter {
  catch(e: BadQueryError | NotAnswerableError | QueryBudgetExceeded, host: ArgumentsHost): void {
    const [statusCode, error] =
      e instanceof BadQueryError ? [400, 'Bad Request'] : [503, 'Service Unavailable'];
    host
      .switchToHttp()
      .getResponse<Response>()
      .status(statusCode)
      .json({ statusCode, message: e.message, error });
  }
}
