// The wasmchat.v1 dialect of server/chat-server.js, against docs/protocol.md.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client, startChat, PROTOCOL } from './helpers.js';

const ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Runs `body` with a fresh chat server, closing server and clients after. */
async function withChat(options, body) {
  const server = await startChat(options);
  const clients = [];
  const connect = async (opts) => {
    const client = await Client.v1(server.url, opts);
    clients.push(client);
    return client;
  };
  try {
    await body({ server, connect });
  } finally {
    await server.close();
  }
}

function assertMessage(envelope, fields) {
  assert.equal(envelope.type, 'message');
  assert.ok(Number.isSafeInteger(envelope.seq) && envelope.seq >= 1, `seq ${envelope.seq}`);
  assert.match(envelope.id, ID);
  assert.equal(typeof envelope.from, 'string');
  assert.equal(typeof envelope.text, 'string');
  assert.ok(Number.isSafeInteger(envelope.time) && envelope.time >= 0);
  for (const [key, value] of Object.entries(fields)) assert.equal(envelope[key], value, key);
}

describe('wasmchat.v1', () => {
  test('selects wasmchat.v1 and sends welcome first, with the documented shape', async () => {
    await withChat({ historySize: 7, maxCodePoints: 30, maxFrameBytes: 4096, messagesPerSecond: 9 }, async ({ server }) => {
      const client = await Client.open(server.url, { protocols: ['other', PROTOCOL] });
      assert.equal(client.ws.protocol, PROTOCOL);
      const welcome = await client.envelope(); // the very first frame
      assert.equal(welcome.type, 'welcome');
      assert.equal(typeof welcome.session, 'string');
      assert.ok(welcome.session.length > 0);
      assert.match(welcome.name, /^guest-\d+$/);
      assert.equal(welcome.online, 1);
      assert.deepEqual(welcome.history, []);
      assert.deepEqual(welcome.limits, { maxCodePoints: 30, maxFrameBytes: 4096, messagesPerSecond: 9 });
      assert.deepEqual(welcome.features, ['batch', 'coalesce']);
      assert.equal(server.chat.clientCount(), 1);
    });
  });

  test('each connection gets its own guest name; each server instance its own session', async () => {
    let firstSession;
    await withChat({}, async ({ connect }) => {
      const a = await connect();
      const b = await connect();
      assert.notEqual(a.welcome.name, b.welcome.name);
      assert.equal(a.welcome.session, b.welcome.session);
      firstSession = a.welcome.session;
    });
    await withChat({}, async ({ connect }) => {
      const c = await connect();
      assert.notEqual(c.welcome.session, firstSession);
    });
  });

  test('say: message broadcast to every client, then ack to the sender only; seq increments', async () => {
    let t = 1_700_000_000_000;
    await withChat({ now: () => t }, async ({ connect }) => {
      const alice = await connect();
      const bob = await connect();
      alice.send({ type: 'say', id: 'm-1', text: 'hello' });
      const toAlice = await alice.expect('message');
      const toBob = await bob.expect('message');
      assertMessage(toAlice, { seq: 1, id: 'm-1', from: alice.welcome.name, text: 'hello', time: t });
      assert.deepEqual(toBob, toAlice);
      assert.deepEqual(await alice.envelope(), { type: 'ack', id: 'm-1', seq: 1 });

      t += 5;
      bob.send({ type: 'say', id: 'm-1', text: 'hi' }); // ids are per client: a new text is a new message
      // ...but the server only knows ids; see the collision test below.
      assert.equal((await bob.expect('error')).id, 'm-1');
      bob.send({ type: 'say', id: 'b-1', text: 'hi', extra: { ignored: true } });
      assertMessage(await alice.expect('message'), { seq: 2, id: 'b-1', from: bob.welcome.name, text: 'hi', time: t });
      assertMessage(await bob.expect('message'), { seq: 2 });
      assert.deepEqual(await bob.expect('ack'), { type: 'ack', id: 'b-1', seq: 2 });
      // Bob's ack never reached Alice.
      assert.deepEqual((await alice.sync()).filter((e) => e.type === 'ack'), []);
    });
  });

  test('a repeated id gets an ack with the original seq and is not broadcast again', async () => {
    await withChat({}, async ({ connect }) => {
      const alice = await connect();
      const bob = await connect();
      alice.send({ type: 'say', id: 'again', text: 'once' });
      await alice.expect('message');
      assert.deepEqual(await alice.expect('ack'), { type: 'ack', id: 'again', seq: 1 });
      await bob.expect('message');

      // A reconnected client re-sends with the same id.
      const alice2 = await connect();
      alice2.send({ type: 'say', id: 'again', text: 'once' });
      assert.deepEqual(await alice2.envelope(), { type: 'ack', id: 'again', seq: 1 });
      assert.deepEqual((await bob.sync()).filter((e) => e.type === 'message'), []);
      assert.deepEqual((await alice2.sync()).filter((e) => e.type === 'message'), []);

      // The next message still gets seq 2.
      alice2.send({ type: 'say', id: 'next', text: 'twice' });
      assert.equal((await bob.expect('message')).seq, 2);
    });
  });

  test('a batch is handled as its says in order: each broadcast and acked, a repeated id only acked', async () => {
    await withChat({}, async ({ connect }) => {
      const alice = await connect();
      const bob = await connect();
      alice.send({ type: 'say', id: 'b1', text: 'first' });
      await bob.expect('message');
      alice.send({ type: 'batch', items: ['b1', 'b2', 'b3'].map((id) => ({ type: 'say', id, text: id === 'b1' ? 'first' : id })) });
      const seen = (await bob.sync()).filter((e) => e.type === 'message').map((e) => [e.id, e.seq]);
      assert.deepEqual(seen, [['b2', 2], ['b3', 3]]);
      const acks = (await alice.sync()).filter((e) => e.type === 'ack').map((e) => [e.id, e.seq]);
      assert.deepEqual(acks, [['b1', 1], ['b1', 1], ['b2', 2], ['b3', 3]]);
    });
  });

  test('an invalid batch is refused whole with bad_envelope, and counts per message against the rate', async () => {
    await withChat({ messagesPerSecond: 100 }, async ({ connect }) => {
      const alice = await connect();
      for (const items of [[], 'x', [{ type: 'say', id: 'ok', text: 'fine' }, { type: 'say', id: 'bad id', text: 'x' }],
        [{ type: 'nick', name: 'x' }], Array.from({ length: 257 }, (_, i) => ({ type: 'say', id: `i${i}`, text: 'x' }))]) {
        alice.send({ type: 'batch', items });
        assert.equal((await alice.expect('error')).code, 'bad_envelope');
      }
    });
    await withChat({ messagesPerSecond: 2 }, async ({ connect }) => {
      const alice = await connect();
      alice.send({ type: 'batch', items: ['r1', 'r2', 'r3'].map((id) => ({ type: 'say', id, text: id })) });
      // Not sync(): its ping would find the bucket empty too.
      const replies = [];
      while (replies.length < 3) {
        const envelope = await alice.envelope();
        if (envelope.type === 'ack' || envelope.type === 'error') replies.push(envelope);
      }
      assert.deepEqual(replies.map((e) => [e.type, e.id, e.code]),
        [['ack', 'r1', undefined], ['ack', 'r2', undefined], ['error', 'r3', 'rate_limited']]);
    });
  });

  test('the same id with another text is refused with an error naming the id (not acked, not broadcast)', async () => {
    await withChat({}, async ({ connect }) => {
      const alice = await connect();
      const bob = await connect();
      alice.send({ type: 'say', id: '1', text: 'from alice' });
      await alice.expect('ack');
      bob.send({ type: 'say', id: '1', text: 'from bob' });
      const error = await bob.expect('error');
      assert.equal(error.code, 'bad_envelope');
      assert.equal(error.id, '1');
      assert.deepEqual((await alice.sync()).filter((e) => e.type === 'message'), []);
    });
  });

  test('ids are remembered for the last idMemory broadcasts only', async () => {
    await withChat({ idMemory: 2 }, async ({ connect }) => {
      const alice = await connect();
      for (const id of ['a', 'b', 'c']) {
        alice.send({ type: 'say', id, text: id });
        await alice.expect('ack');
      }
      alice.send({ type: 'say', id: 'c', text: 'c' });
      assert.deepEqual(await alice.envelope(), { type: 'ack', id: 'c', seq: 3 });
      alice.send({ type: 'say', id: 'a', text: 'a' }); // forgotten: broadcast anew
      assert.equal((await alice.expect('message')).seq, 4);
      assert.deepEqual(await alice.envelope(), { type: 'ack', id: 'a', seq: 4 });
    });
  });

  test('a newcomer gets the last historySize messages, oldest first', async () => {
    await withChat({ historySize: 3 }, async ({ connect }) => {
      const alice = await connect();
      const early = await connect();
      for (let i = 1; i <= 5; i++) {
        alice.send({ type: 'say', id: `h${i}`, text: `message ${i}` });
        await alice.expect('ack');
      }
      assert.deepEqual(early.welcome.history, []);
      const late = await connect();
      assert.deepEqual(late.welcome.history.map((m) => [m.seq, m.id, m.text]),
        [[3, 'h3', 'message 3'], [4, 'h4', 'message 4'], [5, 'h5', 'message 5']]);
      for (const m of late.welcome.history) assertMessage(m, { from: alice.welcome.name });
    });
  });

  test('historySize 0 replays nothing', async () => {
    await withChat({ historySize: 0 }, async ({ connect }) => {
      const alice = await connect();
      alice.send({ type: 'say', id: 'x', text: 'gone' });
      await alice.expect('ack');
      assert.deepEqual((await connect()).welcome.history, []);
    });
  });

  test('presence goes to everyone on join and leave', async () => {
    await withChat({}, async ({ connect, server }) => {
      const alice = await connect();
      assert.deepEqual(alice.joined, { type: 'presence', online: 1 });
      const bob = await connect();
      assert.equal(bob.welcome.online, 2);
      assert.deepEqual(bob.joined, { type: 'presence', online: 2 });
      assert.deepEqual(await alice.envelope(), { type: 'presence', online: 2 });
      await bob.close();
      assert.deepEqual(await alice.expect('presence'), { type: 'presence', online: 1 });
      assert.equal(server.chat.clientCount(), 1);
    });
  });

  test('ping is answered with pong carrying the same nonce', async () => {
    await withChat({}, async ({ connect }) => {
      const alice = await connect();
      for (const nonce of [0, 1, 2 ** 53 - 1]) {
        alice.send({ type: 'ping', nonce });
        assert.deepEqual(await alice.expect('pong'), { type: 'pong', nonce });
      }
    });
  });

  test('nick: a valid name is confirmed and used as `from`', async () => {
    await withChat({ messagesPerSecond: 1000 }, async ({ connect }) => {
      const alice = await connect();
      const bob = await connect();
      for (const name of ['Alice', 'Administrator', 'systematic', 'servers', 'a', '😀'.repeat(24), '中文名字', 'guest 7']) {
        alice.send({ type: 'nick', name });
        assert.deepEqual(await alice.expect('name'), { type: 'name', name });
      }
      alice.send({ type: 'nick', name: 'Alice' });
      await alice.expect('name');
      alice.send({ type: 'say', id: 'n1', text: 'it is me' });
      assert.equal((await bob.expect('message')).from, 'Alice');
    });
  });

  test('nick: invalid and reserved names get bad_name and change nothing', async () => {
    await withChat({ messagesPerSecond: 1000 }, async ({ connect }) => {
      const alice = await connect();
      const bad = [
        '', 'x'.repeat(25), '😀'.repeat(25), 'tab\there', 'nul\u0000', 'del\u007f', 'new\nline',
        'system', 'SYSTEM', 'Server', 'admin', 'WasmChat', 'System:', '[server]', 'admin 2', 'admin_',
        '*** system', 'server!', 'ｓｙｓｔｅｍ', 'sys\u200btem', 'ſystem',
      ];
      for (const name of bad) {
        alice.send({ type: 'nick', name });
        const error = await alice.expect('error');
        assert.equal(error.code, 'bad_name', JSON.stringify(name));
        assert.equal(typeof error.message, 'string');
        assert.equal(error.id, undefined);
      }
      alice.send({ type: 'say', id: 's', text: 'still a guest' });
      assert.equal((await alice.expect('message')).from, alice.welcome.name);
    });
  });

  test('too_long counts code points: emoji and Chinese at exactly the limit pass, one more fails', async () => {
    await withChat({ maxCodePoints: 50 }, async ({ connect }) => {
      const alice = await connect();
      const fits = ['😀'.repeat(50), '中'.repeat(50), 'a'.repeat(50), '👩‍👩‍👧'.repeat(10)]; // the family is 5 code points
      for (const [i, text] of fits.entries()) {
        alice.send({ type: 'say', id: `ok${i}`, text });
        assert.equal((await alice.expect('message')).text, text);
        await alice.expect('ack');
      }
      for (const [i, text] of ['😀'.repeat(51), '中'.repeat(51), 'a'.repeat(51)].entries()) {
        alice.send({ type: 'say', id: `long${i}`, text });
        const error = await alice.envelope();
        assert.equal(error.type, 'error');
        assert.equal(error.code, 'too_long');
        assert.equal(error.id, `long${i}`);
      }
      assert.deepEqual((await alice.sync()).filter((e) => e.type === 'message'), []);
    });
  });

  test('bad_envelope: every malformed request gets an error and the connection stays usable', async () => {
    await withChat({ messagesPerSecond: 1000 }, async ({ connect }) => {
      const alice = await connect();
      const cases = [
        ['invalid JSON', 'not json', undefined],
        ['truncated JSON', '{"type":"say"', undefined],
        ['array', '[]', undefined],
        ['array of an envelope', JSON.stringify([{ type: 'ping', nonce: 1 }]), undefined],
        ['null', 'null', undefined],
        ['number', '42', undefined],
        ['string', '"ping"', undefined],
        ['no type', {}, undefined],
        ['type not a string', { type: 7 }, undefined],
        ['unknown type', { type: 'shout', text: 'x' }, undefined],
        ['unknown type with id', { type: 'shout', id: 'u1' }, 'u1'],
        ['type in the wrong case', { type: 'SAY', id: 'u2', text: 'x' }, 'u2'],
        ['say without id', { type: 'say', text: 'x' }, undefined],
        ['say with id not a string', { type: 'say', id: 5, text: 'x' }, undefined],
        ['say with an empty id', { type: 'say', id: '', text: 'x' }, undefined],
        ['say with a bad id character', { type: 'say', id: 'a b', text: 'x' }, undefined],
        ['say with a 65-character id', { type: 'say', id: 'x'.repeat(65), text: 'x' }, undefined],
        ['say without text', { type: 'say', id: 't1' }, 't1'],
        ['say with text not a string', { type: 'say', id: 't2', text: 5 }, 't2'],
        ['say with null text', { type: 'say', id: 't3', text: null }, 't3'],
        ['say with empty text', { type: 'say', id: 't4', text: '' }, 't4'],
        ['say with a lone surrogate', '{"type":"say","id":"t5","text":"\\ud800"}', 't5'],
        ['nick without name', { type: 'nick' }, undefined],
        ['nick with name not a string', { type: 'nick', name: ['a'] }, undefined],
        ['ping without nonce', { type: 'ping' }, undefined],
        ['ping with negative nonce', { type: 'ping', nonce: -1 }, undefined],
        ['ping with fractional nonce', { type: 'ping', nonce: 1.5 }, undefined],
        ['ping with string nonce', { type: 'ping', nonce: '1' }, undefined],
        ['ping with nonce 2^53', { type: 'ping', nonce: 2 ** 53 }, undefined],
      ];
      for (const [what, request, id] of cases) {
        alice.send(request);
        const error = await alice.envelope();
        assert.equal(error.type, 'error', what);
        assert.equal(error.code, 'bad_envelope', what);
        assert.equal(typeof error.message, 'string', what);
        assert.equal(error.id, id, what);
      }
      alice.send(Buffer.from(JSON.stringify({ type: 'ping', nonce: 1 })), { binary: true });
      assert.equal((await alice.envelope()).code, 'bad_envelope', 'binary frame');

      assert.deepEqual(await alice.sync(), []);
      alice.send({ type: 'say', id: 'after', text: 'still here', unknownField: 1 });
      assert.equal((await alice.expect('message')).seq, 1); // nothing above was broadcast
    });
  });

  test('an exception in a handler closes that connection with 1011, not the process', async (t) => {
    const logged = t.mock.method(console, 'error', () => {});
    let explode = false;
    await withChat({ now: () => { if (explode) throw new Error('clock broke'); return Date.now(); } }, async ({ connect, server }) => {
      const alice = await connect();
      const bob = await connect();
      explode = true;
      alice.send({ type: 'ping', nonce: 1 });
      assert.deepEqual(await alice.waitClose(), { code: 1011, reason: 'internal error' });
      assert.ok(logged.mock.callCount() >= 1);
      explode = false;
      bob.send({ type: 'say', id: 'ok', text: 'server still up' });
      assert.equal((await bob.expect('message')).seq, 1); // no seq was used up
      const carol = await connect();
      assert.equal(carol.welcome.online, 2);
      assert.equal(server.chat.clientCount(), 2);
    });
  });
});

describe('createChatServer options', () => {
  test('unknown or invalid options throw', async () => {
    const { createChatServer } = await import('../../server/chat-server.js');
    assert.throws(() => createChatServer({ historysize: 5 }), TypeError);
    assert.throws(() => createChatServer({ maxCodePoints: 0 }), TypeError);
    assert.throws(() => createChatServer({ allowedOrigins: 'http://a' }), TypeError);
  });
});
