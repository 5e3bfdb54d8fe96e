// The test server itself, without a browser: the browser tests are only as
// good as the page and files it serves.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startTestServer, distDir } from './scenario-server.js';

describe('test server', () => {
  let server;
  before(async () => { server = await startTestServer(); });
  after(() => server.close());

  test('GET / is a blank UTF-8 HTML page', async () => {
    const res = await fetch(`${server.origin}/`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.match(await res.text(), /<meta charset="utf-8">/);
  });

  // instantiateStreaming rejects a .wasm served as anything but application/wasm,
  // and module scripts need a JavaScript MIME type.
  test('dist files are served with their content types', { skip: !fs.existsSync(distDir) && 'no dist/ yet' }, async () => {
    const files = fs.readdirSync(distDir);
    for (const [ext, type] of [['.wasm', /^application\/wasm$/], ['.js', /^text\/javascript(;|$)/]]) {
      for (const name of files.filter((f) => f.endsWith(ext))) {
        const res = await fetch(`${server.origin}/dist/${name}`);
        assert.equal(res.status, 200, name);
        assert.match(res.headers.get('content-type'), type, name);
        assert.equal(Buffer.compare(Buffer.from(await res.arrayBuffer()), fs.readFileSync(path.join(distDir, name))), 0, name);
      }
    }
  });

  test('nothing outside dist/ is reachable through /dist/', async () => {
    for (const p of ['/dist/../package.json', '/dist/%2e%2e/package.json', '/dist/..%2fpackage.json', '/nope']) {
      const res = await fetch(`${server.origin}${p}`);
      assert.ok(res.status === 403 || res.status === 404, `${p} -> ${res.status}`);
    }
  });
});
