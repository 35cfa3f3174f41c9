// The web UI's built files (dist/ui: index.html, app.js, app.css), read once when the server
// starts and served from memory; nothing outside that folder can be named by a request.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { packageRoot } from '../package-root.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml', '.map': 'application/json',
};

export interface StaticFile {
  body: Buffer;
  type: string;
}

export function defaultUiDir(): string {
  return join(packageRoot(), 'dist', 'ui');
}

/** The files of `dir` by URL path ('/' for index.html); empty when the UI is not built. */
export function loadStaticFiles(dir: string): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  if (!existsSync(dir)) return files;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const type = TYPES[extname(e.name)];
    if (!e.isFile() || !type) continue;
    const file = { body: readFileSync(join(dir, e.name)), type };
    files.set(`/${e.name}`, file);
    if (e.name === 'index.html') files.set('/', file);
  }
  return files;
}
