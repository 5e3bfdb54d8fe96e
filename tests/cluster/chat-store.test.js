// The ChatStore contract (server/chat-store.js), run the same against both
// stores through real `ws` clients of real chat servers; then what only a
// cluster has: instances on one Redis (real redis-server, loopback, no
// persistence) as one chat, a killed instance, Redis lost and restarted empty.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { Client, startChat, withDeadline, refusedStatus } from '../server/helpers.js';
import { mintToken, tokenAuthenticator } from '../../server/token.js';
import { createMemoryStore } from '../../server/chat-store.js';
import { createRedisStore } from '../../server/redis-store.js';
import { startRedisServer } from '../fixtures/redis-server-process.js';
import { startChatServerProcess } from '../fixtures/chat-server-process.js';

const DEADLINE_MS = 10_000;
let redis;
before(async () => { redis = await startRedisServer(); });
after(async () => { await redis?.stop(); });

let prefixes = 0;
// Every test its own key prefix: its own chat on the shared Redis.
const stores = {
  memory: () => () => createMemoryStore(),
  redis: () => {
    const keyPrefix = `t${++prefixes}:`;
    return () => createRedisStore({ url: redis.url, keyPrefix, historySize: 5, presenceIntervalMs: 200, presenceTtlMs: 800 });
  },
};

/** Chat servers (instances) on stores made by `makeStore`, closed after the test. */
async function instances(t, makeStore, count, options = {}) {
  const list = [];
  for (let i = 0; i < count; i++) {
    const server = await startChat({ historySize: 5, messagesPerSecond: 1000, ...options, store: makeStore() });
    await server.chat.start();
    list.push(server);
  }
  t.after(() => Promise.all(list.map((s) => s.close())));
  return list;
}

async function v1(t, url) {
  const client = await Client.v1(url);
  t.after(() => client.ws.terminate());
  return client;
}

async function messages(client, count) {
  const got = [];
  while (got.length < count) got.push(await client.expect('message', DEADLINE_MS));
  return got;
}

for (const [kind, makeFactory] of Object.entries(stores)) {
  describe(`ChatStore contract: ${kind}`, () => {
    test('a say is broadcast to everyone in seq order and acked to its sender after its own broadcast', async (t) => {
      const [server] = await instances(t, makeFactory(), 1);
      const alice = await v1(t, server.url);
      const bob = await v1(t, server.url);
      await alice.expect('presence');
      for (let i = 1; i <= 3; i++) alice.send({ type: 'say', id: `a${i}`, text: `hello ${i}` });
      const seen = [];
      while (seen.length < 6) {
        const e = await alice.envelope(DEADLINE_MS);
        if (e.type !== 'presence') seen.push(`${e.type} ${e.id} ${e.seq}`);
      }
      // Each ack after its own broadcast; both in seq order.
      for (let i = 1; i <= 3; i++) assert.ok(seen.indexOf(`message a${i} ${i}`) < seen.indexOf(`ack a${i} ${i}`), seen.join());
      assert.deepEqual(seen.filter((e) => e.startsWith('message')), ['message a1 1', 'message a2 2', 'message a3 3']);
      assert.deepEqual(seen.filter((e) => e.startsWith('ack')), ['ack a1 1', 'ack a2 2', 'ack a3 3']);
      assert.deepEqual((await messages(bob, 3)).map((m) => [m.seq, m.text]), [[1, 'hello 1'], [2, 'hello 2'], [3, 'hello 3']]);
    });

    test('a repeated id is acked with its first seq, not broadcast again; the same id with another text is refused', async (t) => {
      const [server] = await instances(t, makeFactory(), 1);
      const alice = await v1(t, server.url);
      alice.send({ type: 'say', id: 'x', text: 'once' });
      assert.equal((await alice.expect('ack', DEADLINE_MS)).seq, 1);
      alice.send({ type: 'say', id: 'x', text: 'once' });
      assert.deepEqual(await alice.expect('ack', DEADLINE_MS), { type: 'ack', id: 'x', seq: 1 });
      alice.send({ type: 'say', id: 'x', text: 'other' });
      assert.equal((await alice.expect('error', DEADLINE_MS)).code, 'bad_envelope');
      alice.send({ type: 'say', id: 'y', text: 'next' });
      assert.equal((await alice.expect('ack', DEADLINE_MS)).seq, 2);
      assert.deepEqual(alice.skipped.filter((e) => e.type === 'message').map((e) => e.seq), [1, 2]);
    });

    test('a newcomer gets the last historySize messages and the same session', async (t) => {
      const [server] = await instances(t, makeFactory(), 1);
      const alice = await v1(t, server.url);
      for (let i = 1; i <= 7; i++) {
        alice.send({ type: 'say', id: `h${i}`, text: `m${i}` });
        await alice.expect('ack', DEADLINE_MS);
      }
      const bob = await v1(t, server.url);
      assert.deepEqual(bob.welcome.history.map((m) => m.seq), [3, 4, 5, 6, 7]);
      assert.equal(bob.welcome.session, alice.welcome.session);
      assert.equal(bob.welcome.online, 2);
    });

    test('a client that does not read is closed with 1013 once its unsent data passes maxBufferedBytes', async (t) => {
      const [server] = await instances(t, makeFactory(), 1,
        { maxBufferedBytes: 512 * 1024, maxCodePoints: 1000, messagesPerSecond: 100_000, historySize: 5 });
      const slow = await v1(t, server.url);
      slow.ws._socket.pause(); // reads nothing more: the kernel buffers fill, then the server's
      const sender = await v1(t, server.url);
      // 12 MB: more than loopback's socket buffers hold, far more than the
      // bound; in batches of 50 KB, which a client that reads takes in its stride.
      const text = 'x'.repeat(1000);
      const sent = 12_000;
      for (let n = 0; n < sent;) {
        const items = Array.from({ length: 50 }, () => ({ type: 'say', id: `s${++n}`, text }));
        sender.send({ type: 'batch', items });
        for (;;) if ((await sender.expect('ack', DEADLINE_MS)).id === `s${n}`) break;
        sender.skipped.length = 0;
      }
      // The server's side is CLOSING: the slow client leaves the count only
      // when its socket ends, so look at what it receives once it reads.
      slow.ws._socket.resume();
      const close = await slow.waitClose(DEADLINE_MS);
      assert.deepEqual(close, { code: 1013, reason: 'slow consumer' });
      // It got a prefix of the stream, in order, without duplicates.
      const seqs = slow.frames.map((f) => JSON.parse(f.text)).filter((e) => e.type === 'message').map((e) => e.seq);
      assert.ok(seqs.length < sent, `${seqs.length} of ${sent} messages reached the slow client`);
      assert.deepEqual(seqs, Array.from({ length: seqs.length }, (_, i) => i + 1));
    });
  });
}

describe('Redis: instances are one chat', () => {
  test('a message through one instance reaches the clients of the others once, in one order; history and session are shared', async (t) => {
    const servers = await instances(t, stores.redis(), 3);
    const clients = [];
    for (const server of servers) clients.push(await v1(t, server.url));
    assert.equal(new Set(clients.map((c) => c.welcome.session)).size, 1, 'one session on every instance');
    // Two senders on two instances, interleaved.
    for (let i = 1; i <= 20; i++) {
      clients[0].send({ type: 'say', id: `a${i}`, text: `a${i}` });
      clients[1].send({ type: 'say', id: `b${i}`, text: `b${i}` });
    }
    const orders = await Promise.all(clients.map(async (c) => (await messages(c, 40)).map((m) => `${m.seq}:${m.id}`)));
    assert.deepEqual(orders[1], orders[0]);
    assert.deepEqual(orders[2], orders[0]);
    assert.deepEqual(orders[0].map((o) => Number(o.split(':')[0])), Array.from({ length: 40 }, (_, i) => i + 1));
    const newcomer = await v1(t, servers[2].url);
    assert.deepEqual(newcomer.welcome.history.map((m) => `${m.seq}:${m.id}`), orders[0].slice(-5));
    assert.equal(newcomer.welcome.session, clients[0].welcome.session);
  });

  test('`WASMCHAT_REDIS_URL=... npm start` (server/index.js) joins the cluster', async (t) => {
    const env = { WASMCHAT_REDIS_URL: redis.url };
    const servers = [await startChatServerProcess({ env }), await startChatServerProcess({ env })];
    t.after(() => Promise.all(servers.map((s) => s.stop())));
    const [a, b] = [await v1(t, `ws://127.0.0.1:${servers[0].port}/ws`), await v1(t, `ws://127.0.0.1:${servers[1].port}/ws`)];
    assert.equal(a.welcome.session, b.welcome.session);
    a.send({ type: 'say', id: 'env-1', text: 'across' });
    assert.deepEqual((await messages(b, 1)).map((m) => m.text), ['across']);
    assert.match(servers[0].output(), /joining the cluster on Redis at 127\.0\.0\.1:\d+/);
  });

  test('an id re-sent to another instance is acked with its seq and not broadcast twice', async (t) => {
    const [a, b] = await instances(t, stores.redis(), 2);
    const first = await v1(t, a.url);
    const watcher = await v1(t, b.url);
    first.send({ type: 'say', id: 'retry-me', text: 'only once' });
    const { seq } = await first.expect('ack', DEADLINE_MS);
    first.ws.terminate();
    const again = await v1(t, b.url);
    again.send({ type: 'say', id: 'retry-me', text: 'only once' });
    assert.deepEqual(await again.expect('ack', DEADLINE_MS), { type: 'ack', id: 'retry-me', seq });
    again.send({ type: 'say', id: 'after', text: 'after' });
    await again.expect('ack', DEADLINE_MS);
    const seen = (await messages(watcher, 2)).map((m) => m.id);
    assert.deepEqual(seen, ['retry-me', 'after']);
  });

  test('presence counts every instance; a SIGKILLed instance\'s clients leave the count within presenceTtlMs', async (t) => {
    const [a] = await instances(t, stores.redis(), 1);
    const keyPrefix = `t${prefixes}:`;
    const other = await startChatServerProcess({
      chatOptions: { redisUrl: redis.url, redisOptions: { keyPrefix, presenceIntervalMs: 200, presenceTtlMs: 800 } },
    });
    t.after(() => other.kill());
    const watcher = await v1(t, a.url);
    const remote = [await v1(t, `ws://127.0.0.1:${other.port}/ws`), await v1(t, `ws://127.0.0.1:${other.port}/ws`)];
    assert.equal(remote[1].welcome.session, watcher.welcome.session);
    const until = async (n) => { for (;;) { const p = await watcher.expect('presence', DEADLINE_MS); if (p.online === n) return; } };
    await until(3);
    await other.kill();
    await until(1);
  });

  test('Redis away: says are refused as unavailable (never acked), then work again; Redis restarted empty is a new session', async (t) => {
    const [a, b] = await instances(t, stores.redis(), 2);
    const alice = await v1(t, a.url);
    const bob = await v1(t, b.url);
    alice.send({ type: 'say', id: 'before', text: 'before' });
    await alice.expect('ack', DEADLINE_MS);
    await messages(bob, 1);

    await redis.kill();
    alice.send({ type: 'say', id: 'during', text: 'during' });
    const refused = await alice.expect('error', DEADLINE_MS);
    assert.deepEqual([refused.code, refused.id], ['unavailable', 'during']);
    assert.deepEqual(alice.skipped.filter((e) => e.type === 'ack'), []);

    await redis.start(); // empty: a new epoch
    const closes = await Promise.all([alice.waitClose(DEADLINE_MS), bob.waitClose(DEADLINE_MS)]);
    assert.deepEqual(closes.map((c) => c.code), [1012, 1012]);
    const alice2 = await v1(t, a.url);
    const bob2 = await v1(t, b.url);
    assert.notEqual(alice2.welcome.session, alice.welcome.session);
    assert.equal(bob2.welcome.session, alice2.welcome.session);
    assert.deepEqual(alice2.welcome.history, []);
    alice2.send({ type: 'say', id: 'during', text: 'during' });
    assert.deepEqual(await alice2.expect('ack', DEADLINE_MS), { type: 'ack', id: 'during', seq: 1 });
    assert.deepEqual((await messages(bob2, 1)).map((m) => [m.seq, m.id]), [[1, 'during']]);
  });
});

// Identity names (claimName/nameOwner): an authenticated user's name is
// theirs on every instance, also after they left.
const SECRET = 'cluster-test-secret-0123456789-abcdefgh';
const authenticated = (url, name, sub = name) =>
  `${url}?token=${mintToken({ sub, name, ttlSeconds: 60 }, SECRET)}`;

for (const [kind, makeFactory] of Object.entries(stores)) {
  describe(`ChatStore contract, identity names: ${kind}`, () => {
    test('claimName: the first user holds a name; nameOwner tells it; another user cannot take it over', async () => {
      const store = makeFactory()();
      await store.start();
      try {
        assert.equal(await store.nameOwner('ana'), null);
        assert.equal(await store.claimName('ana', 'u1'), 'u1');
        assert.equal(await store.claimName('ana', 'u2'), 'u1');
        assert.equal(await store.claimName('ana', 'u1'), 'u1');
        assert.equal(await store.nameOwner('ana'), 'u1');
        assert.equal(await store.nameOwner('bob'), null);
      } finally {
        await store.close();
      }
    });

    test('nick cannot take another authenticated user\'s name, on any instance, also once they left', async (t) => {
      const count = kind === 'redis' ? 2 : 1;
      const list = await instances(t, makeFactory(), count, { authenticate: tokenAuthenticator(SECRET) });
      const [a, b] = [list[0], list[count - 1]];
      const ana = await v1(t, authenticated(a.url, 'ana', 'u-ana'));
      assert.equal(ana.welcome.name, 'ana');
      const bob = await v1(t, authenticated(b.url, 'bob', 'u-bob'));
      for (const name of ['ana', 'ANA']) {
        bob.send({ type: 'nick', name });
        assert.equal((await bob.expect('error', DEADLINE_MS)).code, 'name_taken', name);
      }
      ana.send({ type: 'nick', name: 'Bob' });
      assert.equal((await ana.expect('error', DEADLINE_MS)).code, 'name_taken');
      await ana.close();
      bob.send({ type: 'nick', name: 'ana' });
      assert.equal((await bob.expect('error', DEADLINE_MS)).code, 'name_taken');
      bob.send({ type: 'nick', name: 'robert' });
      assert.deepEqual(await bob.expect('name', DEADLINE_MS), { type: 'name', name: 'robert' });
    });
  });
}

test('Redis away: an authenticated upgrade is refused with 503 (its name cannot be recorded), then admitted again', async (t) => {
  const [a] = await instances(t, stores.redis(), 1, { authenticate: tokenAuthenticator(SECRET) });
  await redis.kill();
  assert.equal(await refusedStatus(authenticated(a.url, 'ana')), 503);
  await redis.start();
  // Redis restarted empty: the instance re-syncs its epoch; the next attempts get in.
  const ana = await withDeadline((async () => {
    for (;;) {
      try {
        return await Client.v1(authenticated(a.url, 'ana'));
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  })(), 'a welcome after Redis came back', DEADLINE_MS);
  t.after(() => ana.ws.terminate());
  assert.equal(ana.welcome.name, 'ana');
});
