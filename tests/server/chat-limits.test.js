// Limits and lifecycle of server/chat-server.js: rate limit, frame size,
// Origin allowlist, subprotocol choice and shutdown.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { createMemoryStore } from '../../server/chat-store.js';
import { Client, startChat, refusedStatus, withDeadline, PROTOCOL } from './helpers.js';

describe('rate limit (token bucket per connection)', () => {
  test('over the burst: rate_limited errors with the id, never a silent drop; refills with time', async () => {
    let t = 1_000_000;
    const server = await startChat({ messagesPerSecond: 5, now: () => t });
    try {
      const alice = await Client.v1(server.url);
      const bob = await Client.v1(server.url); // another connection has its own bucket
      await alice.expect('presence');
      for (let i = 0; i < 8; i++) alice.send({ type: 'say', id: `r${i}`, text: `n${i}` });
      const answers = [];
      while (answers.length < 8) {
        const envelope = await alice.envelope();
        if (envelope.type === 'ack' || envelope.type === 'error') answers.push(envelope);
      }
      assert.deepEqual(answers.map((a) => a.type === 'ack' ? `ack ${a.id}` : `${a.code} ${a.id}`),
        ['ack r0', 'ack r1', 'ack r2', 'ack r3', 'ack r4', 'rate_limited r5', 'rate_limited r6', 'rate_limited r7']);

      // Every kind of request costs a token, so pings are refused too.
      alice.send({ type: 'ping', nonce: 9 });
      assert.equal((await alice.envelope()).code, 'rate_limited');
      bob.send({ type: 'ping', nonce: 9 });
      assert.deepEqual(await bob.expect('pong'), { type: 'pong', nonce: 9 });

      t += 200; // 5 per second: one token back
      alice.send({ type: 'say', id: 'r5', text: 'n5' });
      alice.send({ type: 'say', id: 'r6', text: 'n6' });
      assert.equal((await alice.expect('ack')).id, 'r5');
      const refused = await alice.envelope();
      assert.deepEqual([refused.type, refused.code, refused.id], ['error', 'rate_limited', 'r6']);

      t += 60_000; // a long pause refills up to the burst, no further
      for (let i = 0; i < 6; i++) alice.send({ type: 'ping', nonce: i });
      const kinds = [];
      for (let i = 0; i < 6; i++) kinds.push((await alice.envelope()).type);
      assert.deepEqual(kinds, ['pong', 'pong', 'pong', 'pong', 'pong', 'error']);
    } finally {
      await server.close();
    }
  });

  test('a refused say is not overtaken: later ones wait for it to come again, then all are stored in the order sent', async () => {
    let t = 1_000_000;
    const server = await startChat({ messagesPerSecond: 2, resendWaitMs: 5000, now: () => t });
    try {
      const alice = await Client.v1(server.url);
      const bob = await Client.v1(server.url);
      await alice.expect('presence');
      const answer = async () => {
        for (;;) {
          const envelope = await alice.envelope();
          if (envelope.type === 'ack') return `ack ${envelope.id}`;
          if (envelope.type === 'error') return `${envelope.code} ${envelope.id}`;
        }
      };
      for (const id of ['o1', 'o2', 'o3']) alice.send({ type: 'say', id, text: id });
      assert.deepEqual([await answer(), await answer(), await answer()], ['ack o1', 'ack o2', 'rate_limited o3']);
      t += 1000; // the bucket is full again, but o4 was sent after o3
      alice.send({ type: 'batch', items: [{ type: 'say', id: 'o4', text: 'o4' }] });
      alice.send({ type: 'say', id: 'o5', text: 'o5' });
      const held = [await answer(), await answer()];
      assert.deepEqual(held, ['rate_limited o4', 'rate_limited o5'], 'held back without taking tokens');
      // The client re-sends from the refused one, in order.
      alice.send({ type: 'batch', items: ['o3', 'o4'].map((id) => ({ type: 'say', id, text: id })) });
      assert.deepEqual([await answer(), await answer()], ['ack o3', 'ack o4']);
      // Another refusal; a client that never re-sends it is held back for resendWaitMs only.
      alice.send({ type: 'say', id: 'o5', text: 'o5' });
      assert.equal(await answer(), 'rate_limited o5');
      t += 1000;
      alice.send({ type: 'say', id: 'o6', text: 'o6' });
      assert.equal(await answer(), 'rate_limited o6');
      t += 5000;
      alice.send({ type: 'say', id: 'o6', text: 'o6' });
      assert.equal(await answer(), 'ack o6');
      const order = [];
      while (order.length < 5) order.push((await bob.expect('message')).id);
      assert.deepEqual(order, ['o1', 'o2', 'o3', 'o4', 'o6']);
    } finally {
      await server.close();
    }
  });

  test('with the real clock: a flood is answered frame for frame and the bucket refills', async () => {
    const server = await startChat({ messagesPerSecond: 20 });
    try {
      const alice = await Client.v1(server.url);
      for (let i = 0; i < 40; i++) alice.send({ type: 'ping', nonce: i });
      let pongs = 0;
      let limited = 0;
      for (let i = 0; i < 40; i++) {
        const envelope = await alice.envelope();
        if (envelope.type === 'pong') pongs++;
        else if (envelope.type === 'error' && envelope.code === 'rate_limited') limited++;
        else assert.fail(JSON.stringify(envelope));
      }
      assert.equal(pongs + limited, 40);
      assert.ok(pongs >= 20 && limited >= 1, `${pongs} pongs, ${limited} refused`);

      // No event announces a refill: retry until a ping passes, with a deadline.
      const started = Date.now();
      await withDeadline((async () => {
        for (let nonce = 100; ; nonce++) {
          alice.send({ type: 'ping', nonce });
          if ((await alice.envelope()).type === 'pong') return;
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      })(), 'a token after the flood', 1000);
      assert.ok(Date.now() - started < 1000);
    } finally {
      await server.close();
    }
  });
});

describe('frame size', () => {
  test('a frame of maxFrameBytes is read; one byte more closes the connection with 1009', async () => {
    const server = await startChat({ maxFrameBytes: 1024 });
    try {
      const alice = await Client.v1(server.url);
      const empty = JSON.stringify({ type: 'ping', nonce: 1, pad: '' });
      const exact = JSON.stringify({ type: 'ping', nonce: 1, pad: 'x'.repeat(1024 - empty.length) });
      assert.equal(Buffer.byteLength(exact), 1024);
      alice.send(exact);
      assert.deepEqual(await alice.envelope(), { type: 'pong', nonce: 1 });
      alice.send('x'.repeat(1025));
      const { code } = await alice.waitClose();
      assert.equal(code, 1009);
      const plain = await Client.open(server.url);
      plain.send(Buffer.alloc(1025), { binary: true });
      assert.equal((await plain.waitClose()).code, 1009);
    } finally {
      await server.close();
    }
  });
});

describe('Origin allowlist', () => {
  test('a listed Origin connects; another or none is refused with 403 before the handshake', async () => {
    const server = await startChat({ allowedOrigins: ['https://chat.example', 'http://localhost:8080'] });
    try {
      assert.equal(await refusedStatus(server.url, { origin: 'https://evil.example' }), 403);
      assert.equal(await refusedStatus(server.url, { origin: 'https://chat.example.evil.example' }), 403);
      assert.equal(await refusedStatus(server.url, { origin: 'null' }), 403);
      assert.equal(await refusedStatus(server.url), 403);
      assert.equal(server.chat.clientCount(), 0);
      const ok = await Client.v1(server.url, { origin: 'https://chat.example' });
      assert.equal(ok.welcome.online, 1);
      await Client.v1(server.url, { origin: 'http://localhost:8080' });
    } finally {
      await server.close();
    }
  });

  test('without an allowlist every Origin is accepted', async () => {
    const server = await startChat();
    try {
      await Client.v1(server.url, { origin: 'https://anywhere.example' });
      await Client.v1(server.url);
    } finally {
      await server.close();
    }
  });
});

describe('subprotocol choice', () => {
  test('offering only other protocols selects none, which the client itself refuses', async () => {
    const server = await startChat();
    try {
      // The server does not pretend to speak 'chat'; ws (like browsers)
      // fails a handshake where it offered protocols and got none.
      await assert.rejects(Client.open(server.url, { protocols: ['chat', 'wasmchat.v2'] }), /Server sent no subprotocol/);
      // Offering wasmchat.v1 anywhere in the list selects it.
      const v1 = await Client.open(server.url, { protocols: ['chat', PROTOCOL] });
      assert.equal(v1.ws.protocol, PROTOCOL);
      assert.equal((await v1.envelope()).type, 'welcome');
    } finally {
      await server.close();
    }
  });
});

describe('shutdown', () => {
  test('close() closes every client, v1 and plain, with 1001 and resolves', async () => {
    const server = await startChat();
    const clients = [await Client.v1(server.url), await Client.v1(server.url), await Client.open(server.url)];
    await withDeadline(server.close(), 'server.close()');
    for (const client of clients) {
      assert.deepEqual(await client.waitClose(), { code: 1001, reason: 'server shutting down' });
    }
    assert.equal(server.chat.clientCount(), 0);
  });

  test('close() terminates a client that never answers the close frame, after closeTimeoutMs', async () => {
    const server = await startChat({ closeTimeoutMs: 100 });
    const raw = net.connect(server.port, '127.0.0.1');
    raw.on('error', () => {});
    let received = '';
    raw.on('data', (chunk) => { received += chunk.toString('latin1'); });
    raw.write(['GET / HTTP/1.1', 'Host: 127.0.0.1', 'Upgrade: websocket', 'Connection: Upgrade',
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version: 13', '', ''].join('\r\n'));
    await withDeadline((async () => {
      while (server.chat.clientCount() === 0) await new Promise((resolve) => raw.once('data', resolve));
    })(), 'the raw handshake');
    const ended = new Promise((resolve) => raw.once('close', resolve));
    const started = Date.now();
    await withDeadline(server.close(), 'close() with a silent client', 1500);
    await withDeadline(ended, 'the raw socket to be closed');
    assert.ok(Date.now() - started >= 90, 'waited for the close handshake first');
    assert.match(received, /^HTTP\/1\.1 101 /);
    // The close frame was sent: opcode 0x88, code 1001 (0x03e9).
    assert.ok(received.includes('\x88'), 'close frame sent');
  });

  test('once it has closed a connection, nothing more from it is handled (its client re-sends what was not acknowledged)', async () => {
    const memory = createMemoryStore();
    const published = [];
    const store = { ...memory, publish: (message) => { published.push(message.id); return memory.publish(message); } };
    const server = await startChat({ store });
    const alice = await Client.v1(server.url);
    alice.send({ type: 'say', id: 'before', text: 'before the close' });
    assert.equal((await alice.expect('ack')).id, 'before');
    const closing = server.close();
    // On its way while the server's Close frame is on its way to alice.
    alice.send({ type: 'say', id: 'after', text: 'after the close' });
    alice.send({ type: 'ping', nonce: 1 });
    await withDeadline(closing, 'server.close()');
    assert.deepEqual(await alice.waitClose(), { code: 1001, reason: 'server shutting down' });
    assert.deepEqual(published, ['before']);
    const answered = alice.frames.map((f) => JSON.parse(f.text)).filter((e) => e.type !== 'presence');
    assert.deepEqual(answered, [], 'no answer to what came after the close');
  });

  test('after close() new connections are refused with 503', async () => {
    const server = await startChat();
    await server.chat.close();
    assert.equal(await refusedStatus(server.url), 503);
    await server.close();
  });
});
