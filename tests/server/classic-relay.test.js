// tests/fixtures/classic-relay.js: the plain server the wasmchat client must
// survive (echoes the offered subprotocol, relays as binary, sends no welcome).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startClassicRelay } from '../fixtures/classic-relay.js';
import { Client } from './helpers.js';

test('classic relay: echoes the first offered subprotocol and relays every message to all as binary', async () => {
  const relay = await startClassicRelay();
  try {
    assert.match(relay.url, /^ws:\/\/127\.0\.0\.1:\d+\/$/);
    const a = await Client.open(relay.url, { protocols: ['wasmchat.v1'] });
    const b = await Client.open(relay.url, { protocols: ['chat', 'wasmchat.v1'] });
    const c = await Client.open(relay.url);
    assert.equal(a.ws.protocol, 'wasmchat.v1');
    assert.equal(b.ws.protocol, 'chat');
    assert.equal(c.ws.protocol, '');

    a.send(JSON.stringify({ type: 'say', id: 'x', text: 'hi' }));
    for (const client of [a, b, c]) {
      const frame = await client.next(); // the first frame: no welcome
      assert.equal(frame.isBinary, true);
      assert.equal(frame.text, '{"type":"say","id":"x","text":"hi"}');
    }
    c.send(Buffer.from([0xff, 0x00]), { binary: true });
    for (const client of [a, b, c]) assert.deepEqual([...(await client.next()).data], [0xff, 0x00]);
  } finally {
    await relay.close();
  }
});
