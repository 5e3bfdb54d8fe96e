// Serves files from a few mounted directories, read-only, with the content
// types a page with ES modules and wasm needs.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { requestUrl } from './request-url.js';

const contentTypes = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
  '.ts': 'text/plain; charset=utf-8',
};

/**
 * Returns a request handler for `mounts`, an object mapping a URL prefix
 * ('/dist/') to a directory. '/' maps to `index.html` in the '/' mount.
 * Paths escaping their directory get 404. Calls `next` for anything else.
 */
export function staticFiles(mounts) {
  const entries = Object.entries(mounts).sort(([a], [b]) => b.length - a.length);
  return async (request, response, next) => {
    // Never a throw from here (an async handler's rejection would end the
    // process): a target that is no URL or no valid percent-encoding is `next`.
    const pathname = requestUrl(request)?.pathname ?? '';
    const mount = entries.find(([prefix]) => pathname.startsWith(prefix));
    if (!mount || (request.method !== 'GET' && request.method !== 'HEAD')) return next();
    const [prefix, directory] = mount;
    let relative;
    try {
      relative = decodeURIComponent(pathname.slice(prefix.length)) || 'index.html';
    } catch {
      return next();
    }
    const file = path.resolve(directory, relative);
    if (!file.startsWith(path.resolve(directory) + path.sep)) return next();
    try {
      const info = await stat(file);
      if (!info.isFile()) return next();
      response.writeHead(200, {
        'content-type': contentTypes[path.extname(file)] ?? 'application/octet-stream',
        'content-length': info.size,
        'cache-control': 'no-cache',
      });
      if (request.method === 'HEAD') return response.end();
      createReadStream(file).pipe(response);
    } catch {
      next();
    }
  };
}
