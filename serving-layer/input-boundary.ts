import type { Request, Response } from 'express';
import { jsonProblem } from '../core/values/json-shape';

/** How deep an API body may nest: far above any definition's (a segment condition at its deepest, 6 levels of and/or, is about 15). */
export const MAX_BODY_DEPTH = 32;

const refuse = (res: Response, message: string) =>
  res.status(400).json({ statusCode: 400, message, error: 'Bad Request' });

/**
 * The input boundary every API route shares, after the JSON parser and before any route: a URL
 * that does not decode, a NUL character anywhere (PostgreSQL refuses it in text, so it would
 * surface as a 500), or a body nested deeper than any definition (a stack overflow in the schema
 * check) is a 400 that names where, before a store or a recursive check sees it.
 */
export function inputBoundary(req: Request, res: Response, next: () => void): void {
  let url: string;
  try {
    url = decodeURIComponent(req.originalUrl.replaceAll('+', ' '));
  } catch {
    refuse(res, 'the URL has a malformed percent-encoding (a % not followed by two hex digits)');
    return;
  }
  if (url.includes('\u0000')) {
    refuse(res, 'the URL holds a NUL character (%00): remove it');
    return;
  }
  const problem =
    req.body === undefined
      ? undefined
      : jsonProblem(req.body, { root: 'body', maxDepth: MAX_BODY_DEPTH, noNul: true });
  if (problem) {
    refuse(res, problem.problem);
    return;
  }
  next();
}
