import type { Request, Response } from 'express';

/**
 * What every answer tells the browser: no framing by other pages (clickjacking), no guessing of
 * content types, no referrer sent elsewhere, and for the web app a Content-Security-Policy that
 * lets only its own scripts run and talk only to this host. The API documentation (/docs, Swagger
 * UI) keeps the framing and type rules but not the policy: its page sets inline styles.
 */
export function securityHeaders(req: Request, res: Response, next: () => void): void {
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  if (!req.path.startsWith('/docs'))
    res.setHeader(
      'Content-Security-Policy',
      [
        "default-src 'self'",
        "script-src 'self'",
        // echarts and the pages set element styles from script; no stylesheet comes from elsewhere.
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
      ].join('; '),
    );
  next();
}
