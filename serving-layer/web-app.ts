import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { build } from 'esbuild';
import type { Express, NextFunction, Request, Response } from 'express';
import { localFiles } from '../core/files/local-files';

const WEB = join(__dirname, '..', 'web');
/** Paths the app's pages answer at (one bundle routes between them). */
export const PAGES = [
  '/',
  '/explore',
  '/insights',
  '/paths',
  '/events',
  '/dashboards',
  '/experiments',
  '/segments',
  '/person',
  '/people',
  '/sql',
];
/** Every path of the web app (pages and assets): not API routes, so not in the OpenAPI document. */
export const WEB_APP_PATHS = [...PAGES, '/app.js', '/app.css'];

let bundle: Promise<string> | undefined;

/**
 * The web app's script: web/ (TypeScript, ECharts) bundled by esbuild on its first request and
 * kept, so a serving process that nobody opens a page of pays nothing, and nothing is fetched from
 * a CDN. A failed build is tried again on the next request.
 */
function webBundle(): Promise<string> {
  bundle ??= build({
    entryPoints: [join(WEB, 'app.ts')],
    bundle: true,
    write: false,
    format: 'esm',
    target: 'es2022',
    minify: true,
    legalComments: 'none',
    logLevel: 'silent',
  }).then((r) => r.outputFiles[0]?.text ?? '');
  bundle.catch(() => (bundle = undefined));
  return bundle;
}

/** Serves the web app's pages, script and style beside the API. */
export function mountWebApp(app: INestApplication): void {
  const http = app.getHttpAdapter().getInstance() as Express;
  const html = localFiles.readText(join(WEB, 'index.html'));
  const css = localFiles.readText(join(WEB, 'app.css'));
  for (const page of PAGES)
    http.get(page, (_req: Request, res: Response) => {
      res.type('html').set('cache-control', 'no-store').send(html);
    });
  http.get('/app.css', (_req: Request, res: Response) => {
    res.type('css').send(css);
  });
  http.get('/app.js', (_req: Request, res: Response, next: NextFunction) => {
    webBundle().then((js) => res.type('js').send(js), next);
  });
}
