// server/hello.js: greets, then closes with 1000 'bye' after closeAfterMs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createHelloServer, HELLO_TEXT } from '../../server/hello.js';
import { Client } from './helpers.js';

async function startHello(options) {
  const hello = createHelloServer(options);
  const server = http.createServer();
  server.on('upgrade', (request, socket, head) => hello.handleUpgrade(request, socket, head));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    hello,
    url: `ws://127.0.0.1:${server.address().port}/hello`,
    async close() {
      await hello.close();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

test('hello: sends the greeting first, then closes with 1000 bye after closeAfterMs', async () => {
  const server = await startHello({ closeAfterMs: 60 });
  try {
    const started = Date.now();
    const client = await Client.open(server.url);
    const frame = await client.next();
    assert.equal(HELLO_TEXT, 'Hello from server!');
    assert.deepEqual([frame.isBinary, frame.text], [false, HELLO_TEXT]);
    assert.deepEqual(await client.waitClose(), { code: 1000, reason: 'bye' });
    assert.ok(Date.now() - started >= 55, `closed after ${Date.now() - started} ms`);
  } finally {
    await server.close();
  }
});

test('hello: ?closeAfterMs= overrides the delay per connection; close() says 1001 to the rest', async () => {
  const server = await startHello({ closeAfterMs: 60000 });
  try {
    const quick = await Client.open(`${server.url}?closeAfterMs=20`);
    const slow = await Client.open(`${server.url}?closeAfterMs=999999`); // capped at 60 s
    const junk = await Client.open(`${server.url}?closeAfterMs=soon`); // ignored: the default
    assert.equal((await quick.next()).text, HELLO_TEXT);
    assert.equal((await quick.waitClose()).code, 1000);
    assert.equal(slow.ws.readyState, slow.ws.OPEN);
    assert.equal(junk.ws.readyState, junk.ws.OPEN);
    await server.hello.close();
    assert.deepEqual(await slow.waitClose(), { code: 1001, reason: 'server shutting down' });
    assert.equal((await junk.waitClose()).code, 1001);
  } finally {
    await server.close();
  }
});
