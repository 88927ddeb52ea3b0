import type { NextFunction, Request, Response } from 'express';

const size = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : `${n} bytes`);

/**
 * Refuses an answer bigger than `maxBytes` before any of it is sent: a question that would send
 * gigabytes gets a 400 saying to narrow it, and the process does not hold two copies of it for
 * long. JSON answers pass through res.send as one string, which is where they are measured.
 */
export function answerSizeLimit(maxBytes: number) {
  return (_req: Request, res: Response, next: NextFunction): void => {
    const send = res.send.bind(res);
    res.send = (body?: unknown) => {
      const bytes =
        typeof body === 'string' ? Buffer.byteLength(body) : Buffer.isBuffer(body) ? body.length : 0;
      if (bytes > maxBytes && res.statusCode < 300) {
        res.status(400).type('application/json');
        return send(
          JSON.stringify({
            statusCode: 400,
            message: `the answer would be ${size(bytes)}, over the ${size(maxBytes)} limit (API_MAX_ANSWER_BYTES): ask for a shorter range, a coarser granularity or fewer groups`,
            error: 'Bad Request',
          }),
        );
      }
      return send(body);
    };
    next();
  };
}
