// server/app.js (the real server, in-process on port 0) and server/index.js
// (as `npm start` runs it: a child process, stopped with SIGTERM).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { startServer } from '../../server/app.js';
import { Client, refusedStatus, withDeadline, rawExchange, UPGRADE_HEADERS, PROTOCOL } from './helpers.js';

const indexJs = fileURLToPath(new URL('../../server/index.js', import.meta.url));

describe('startServer', () => {
  let app;
  let ws;
  before(async () => {
    app = await startServer({ port: 0, historySize: 2 });
    ws = app.url.replace(/^http/, 'ws');
  });
  after(() => app.close());

  test('listens on 127.0.0.1 by default and serves the page', async () => {
    assert.match(app.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.equal(app.url, `http://127.0.0.1:${app.port}/`);
    const page = await fetch(app.url);
    assert.equal(page.status, 200);
    assert.equal(page.headers.get('content-type'), 'text/html; charset=utf-8');
    await page.arrayBuffer();
    assert.equal((await fetch(`${app.url}nope`)).status, 404);
  });

  test('/ws is the chat, with the options given to startServer', async () => {
    const client = await Client.v1(`${ws}ws`);
    assert.equal(client.ws.protocol, PROTOCOL);
    assert.equal(app.chat.clientCount(), 1);
    for (let i = 0; i < 3; i++) {
      client.send({ type: 'say', id: `a${i}`, text: `t${i}` });
      await client.expect('ack');
    }
    const late = await Client.v1(`${ws}ws?room=ignored`);
    assert.deepEqual(late.welcome.history.map((m) => m.text), ['t1', 't2']);
    await client.close();
    await late.close();
  });

  test('/hello greets and closes with 1000', async () => {
    const client = await Client.open(`${ws}hello?closeAfterMs=10`);
    assert.equal((await client.next()).text, 'Hello from server!');
    assert.deepEqual(await client.waitClose(), { code: 1000, reason: 'bye' });
  });

  test('/echo echoes with the same frame type', async () => {
    const client = await Client.open(`${ws}echo`);
    client.send('text');
    client.send(Buffer.from([1, 2]), { binary: true });
    assert.deepEqual(await client.next().then((f) => [f.isBinary, f.text]), [false, 'text']);
    assert.deepEqual(await client.next().then((f) => [f.isBinary, [...f.data]]), [true, [1, 2]]);
    await client.close();
  });

  test('any other upgrade path is refused with 404', async () => {
    for (const path of ['', 'chat', 'ws/', 'dist/ws']) assert.equal(await refusedStatus(`${ws}${path}`), 404, path);
  });
});

test('startServer().close() says 1001 on every endpoint and stops listening', async () => {
  const app = await startServer({ port: 0 });
  const ws = app.url.replace(/^http/, 'ws');
  const clients = [await Client.v1(`${ws}ws`), await Client.open(`${ws}ws`), await Client.open(`${ws}hello`), await Client.open(`${ws}echo`)];
  await withDeadline(app.close(), 'app.close()');
  for (const client of clients) assert.equal((await client.waitClose()).code, 1001);
  await assert.rejects(fetch(app.url));
});

describe('server/index.js', () => {
  /** Starts index.js on a free port; resolves with the child and its URL. */
  async function launch(args = [], env = {}) {
    const child = spawn(process.execPath, [indexJs, '--port', '0', ...args], {
      env: { ...process.env, PORT: '', HOST: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stderr.on('data', (chunk) => { output += chunk; });
    const url = await withDeadline(new Promise((resolve, reject) => {
      child.stdout.on('data', (chunk) => {
        output += chunk;
        const match = /(http:\/\/\S+\/)/.exec(output);
        if (match) resolve(match[1]);
      });
      child.once('exit', (code) => reject(new Error(`index.js exited ${code}: ${output}`)));
    }), 'index.js to listen', 5000);
    return { child, url, ws: url.replace(/^http/, 'ws'), output: () => output };
  }

  test('env options reach the chat; SIGTERM closes clients with 1001 and exits 0', async () => {
    const { child, ws, output } = await launch([], {
      WASMCHAT_HISTORY: '1',
      WASMCHAT_ALLOWED_ORIGINS: 'https://a.example, https://b.example',
    });
    try {
      assert.equal(await refusedStatus(`${ws}ws`, { origin: 'https://c.example' }), 403);
      const alice = await Client.v1(`${ws}ws`, { origin: 'https://b.example' });
      for (const id of ['one', 'two']) {
        alice.send({ type: 'say', id, text: id });
        await alice.expect('ack');
      }
      const bob = await Client.v1(`${ws}ws`, { origin: 'https://a.example' });
      assert.deepEqual(bob.welcome.history.map((m) => m.id), ['two']);

      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      assert.deepEqual(await alice.waitClose(), { code: 1001, reason: 'server shutting down' });
      assert.equal((await bob.waitClose()).code, 1001);
      const [code, signal] = await withDeadline(exited, 'index.js to exit', 5000);
      assert.deepEqual([code, signal], [0, null], output());
    } finally {
      child.kill('SIGKILL');
    }
  });

  test('a bad WASMCHAT_HISTORY is refused at start', async () => {
    const child = spawn(process.execPath, [indexJs, '--port', '0'], { env: { ...process.env, WASMCHAT_HISTORY: 'lots' }, stdio: 'pipe' });
    let stderr = '';
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    const [code] = await withDeadline(once(child, 'exit'), 'index.js to exit', 5000);
    assert.notEqual(code, 0);
    assert.match(stderr, /WASMCHAT_HISTORY/);
  });
});

test('request targets that are no URL or bad percent-encoding get 404, on HTTP and upgrade, and the server goes on', async () => {
  const app = await startServer({ port: 0 });
  try {
    const ask = async (head) => (await rawExchange(app.port, head)).split('\r\n')[0];
    for (const target of ['//', '/%', '/dist/%zz', '/%E0%A4%A']) {
      assert.equal(await ask(`GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`), 'HTTP/1.1 404 Not Found', target);
      assert.equal(await ask(`GET ${target} HTTP/1.1\r\nHost: x\r\n${UPGRADE_HEADERS}\r\n`), 'HTTP/1.1 404 Not Found', `upgrade ${target}`);
    }
    assert.equal((await fetch(app.url)).status, 200);
  } finally {
    await app.close();
  }
});
