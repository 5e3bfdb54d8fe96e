// Plain (classic) clients of server/chat-server.js: no subprotocol, every
// frame a message, every broadcast a text frame "<from>: <text>".
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, startChat } from './helpers.js';

async function nextText(client) {
  const frame = await client.next('a text frame');
  assert.equal(frame.isBinary, false, 'plain clients get TEXT frames');
  return frame.text;
}

describe('plain mode', () => {
  test('no subprotocol offered: no welcome, no envelopes, just "<from>: <text>" lines', async () => {
    const server = await startChat();
    try {
      const plain = await Client.open(server.url);
      assert.equal(plain.ws.protocol, '');
      plain.send('hello, plain world');
      const line = await nextText(plain); // the first frame is its own relayed message
      assert.match(line, /^guest-\d+: hello, plain world$/);
    } finally {
      await server.close();
    }
  });

  test('plain and v1 clients see each other in one seq stream', async () => {
    const server = await startChat();
    try {
      const v1 = await Client.v1(server.url);
      const plain = await Client.open(server.url);
      await v1.expect('presence'); // the plain client joined
      v1.send({ type: 'nick', name: 'Vera' });
      await v1.expect('name');

      plain.send('from plain');
      const fromPlain = await v1.expect('message');
      assert.equal(fromPlain.seq, 1);
      assert.equal(fromPlain.text, 'from plain');
      assert.match(fromPlain.from, /^guest-\d+$/);
      assert.match(fromPlain.id, /^[A-Za-z0-9_-]{1,64}$/);
      assert.equal(await nextText(plain), `${fromPlain.from}: from plain`);

      v1.send({ type: 'say', id: 'v-1', text: 'from v1 😀' });
      assert.equal((await v1.expect('message')).seq, 2);
      assert.deepEqual(await v1.expect('ack'), { type: 'ack', id: 'v-1', seq: 2 });
      assert.equal(await nextText(plain), 'Vera: from v1 😀');

      // A binary frame is a message too, decoded as UTF-8 with U+FFFD for
      // ill-formed bytes; a leading BOM is kept, nothing is dropped.
      plain.send(Buffer.from([0xef, 0xbb, 0xbf, 0x68, 0xff, 0x69, 0xe4, 0xb8]), { binary: true });
      const decoded = await v1.expect('message');
      assert.equal(decoded.text, '\uFEFFh\uFFFDi\uFFFD');
      assert.equal(decoded.seq, 3);
      assert.equal(await nextText(plain), `${fromPlain.from}: \uFEFFh\uFFFDi\uFFFD`);

      // Plain messages are history for v1 newcomers.
      const late = await Client.v1(server.url);
      assert.deepEqual(late.welcome.history.map((m) => m.text), ['from plain', 'from v1 😀', '\uFEFFh\uFFFDi\uFFFD']);
      assert.equal(new Set(late.welcome.history.map((m) => m.id)).size, 3);
    } finally {
      await server.close();
    }
  });

  test('too long, empty or too fast: an "[error] ..." line to the sender only', async () => {
    let t = 0;
    const server = await startChat({ maxCodePoints: 5, messagesPerSecond: 3, now: () => t });
    try {
      const plain = await Client.open(server.url);
      const v1 = await Client.v1(server.url);
      plain.send('😀😀😀😀😀😀');
      assert.match(await nextText(plain), /^\[error\] too_long: /);
      plain.send('😀😀😀😀😀');
      assert.match(await nextText(plain), /^guest-\d+: 😀😀😀😀😀$/);
      plain.send('');
      assert.match(await nextText(plain), /^\[error\] bad_envelope: /);
      plain.send('x');
      assert.match(await nextText(plain), /^\[error\] rate_limited: /);
      t += 1000;
      plain.send('y');
      assert.match(await nextText(plain), /: y$/);
      // The v1 client saw the two relayed messages and nothing else.
      const seen = (await v1.sync()).filter((e) => e.type === 'message').map((m) => m.text);
      assert.deepEqual(seen, ['😀😀😀😀😀', 'y']);
    } finally {
      await server.close();
    }
  });
});
