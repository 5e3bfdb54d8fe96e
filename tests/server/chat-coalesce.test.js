// Coalescing (docs/protocol.md, `batch` from the server): a client that
// announced `coalesce` gets what waits for it as one `batch` frame with a
// cumulative ack; every other client, and the plain relay, one frame per
// envelope as before. Order and exactly-once hold either way.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { Client, startChat } from './helpers.js';
import { createChatServer } from '../../server/chat-server.js';

async function withChat(options, body) {
  const server = await startChat(options);
  try {
    await body(server);
  } finally {
    await server.close();
  }
}

/** Flattens what a client received into its envelopes: batch items, then its ack. */
function flatten(envelopes) {
  const out = [];
  for (const e of envelopes) {
    if (e.type !== 'batch') { out.push(e); continue; }
    out.push(...e.messages);
    if (e.ack) out.push({ type: 'ack', ...e.ack, cumulative: true });
  }
  return out;
}

/** Envelopes up to a pong (Client.sync), as sent, and flattened. */
async function received(client) {
  const frames = await client.sync();
  return { frames, flat: flatten(frames) };
}

describe('coalescing', () => {
  test('the welcome offers it; a client that asks gets one batch per turn with a cumulative ack', async () => {
    await withChat({ messagesPerSecond: 1000 }, async (server) => {
      const alice = await Client.v1(server.url);
      assert.deepEqual(alice.welcome.features, ['batch', 'coalesce']);
      alice.send({ type: 'features', features: ['coalesce'] });
      // 30 says in one frame: the server handles them in one turn.
      const ids = Array.from({ length: 30 }, (_, i) => `a${i}`);
      alice.send({ type: 'batch', items: ids.map((id) => ({ type: 'say', id, text: id })) });
      const { frames, flat } = await received(alice);
      const batches = frames.filter((e) => e.type === 'batch');
      assert.ok(batches.length >= 1, `a batch among ${frames.map((e) => e.type).join(',')}`);
      assert.ok(frames.length < 30, `${frames.length} frames for 30 messages and 30 acks`);
      // Every message exactly once, in seq order, and each before its ack.
      const messages = flat.filter((e) => e.type === 'message');
      assert.deepEqual(messages.map((m) => m.id), ids);
      assert.deepEqual(messages.map((m) => m.seq), ids.map((_, i) => i + 1));
      const acks = flat.filter((e) => e.type === 'ack');
      assert.equal(acks.at(-1).id, 'a29');
      assert.equal(acks.at(-1).seq, 30);
      const position = (type, id) => flat.findIndex((e) => e.type === type && e.id === id);
      for (const ack of acks) assert.ok(position('message', ack.id) < position('ack', ack.id), `message ${ack.id} before its ack`);
      // Cumulative: the acks seen cover every id, and come in request order.
      const covered = acks.map((a) => ids.indexOf(a.id));
      assert.deepEqual(covered, [...covered].sort((a, b) => a - b));
      assert.equal(Math.max(...covered), 29);
      alice.close();
    });
  });

  test('several broadcasts in one turn reach a coalescing reader as one batch, an old client one frame each', async () => {
    await withChat({ messagesPerSecond: 1000 }, async (server) => {
      const sender = await Client.v1(server.url);
      const reader = await Client.v1(server.url);
      const old = await Client.v1(server.url);
      reader.send({ type: 'features', features: ['coalesce'] });
      await reader.sync(1); // the announcement is in before the burst
      await sender.sync(1); // and the presence of the others is behind us
      await old.sync(1);
      const ids = Array.from({ length: 20 }, (_, i) => `s${i}`);
      sender.send({ type: 'batch', items: ids.map((id) => ({ type: 'say', id, text: `t ${id}` })) });
      // The old client: one message envelope per frame, never a batch.
      const oldFrames = [];
      while (oldFrames.length < ids.length) oldFrames.push(await old.envelope());
      assert.deepEqual(oldFrames.map((e) => e.type), ids.map(() => 'message'));
      assert.deepEqual(oldFrames.map((e) => e.id), ids);
      const { frames, flat } = await received(reader);
      assert.ok(frames.some((e) => e.type === 'batch'), frames.map((e) => e.type).join(','));
      assert.ok(frames.length < ids.length);
      assert.deepEqual(flat.filter((e) => e.type === 'message').map((e) => e.id), ids);
      // Nothing of the sender's own acks leaks to a reader.
      assert.equal(flat.filter((e) => e.type === 'ack').length, 0);
      for (const c of [sender, reader, old]) c.close();
    });
  });

  test('a batch goes out once its messages reach maxBatchBytes: a burst reaches a reader as several frames', async () => {
    assert.throws(() => createChatServer({ maxBatchBytes: 0 }), /maxBatchBytes must be an integer >= 1/);
    await withChat({ messagesPerSecond: 1000, maxBatchBytes: 1024 }, async (server) => {
      const sender = await Client.v1(server.url);
      const reader = await Client.v1(server.url);
      reader.send({ type: 'features', features: ['coalesce'] });
      await reader.sync(1);
      await sender.sync(1);
      const ids = Array.from({ length: 100 }, (_, i) => `m${i}`);
      sender.send({ type: 'batch', items: ids.map((id) => ({ type: 'say', id, text: `text of ${id}` })) });
      const { frames, flat } = await received(reader);
      assert.deepEqual(flat.filter((e) => e.type === 'message').map((e) => e.id), ids);
      const batches = frames.filter((e) => e.type === 'batch');
      // Each envelope is about 100 bytes: 10 per batch, the last one over the bound.
      assert.ok(batches.length >= 8, `${batches.length} batches for 100 messages`);
      for (const batch of batches) {
        const bytes = batch.messages.map((m) => JSON.stringify(m).length);
        const sum = bytes.reduce((a, b) => a + b, 0);
        assert.ok(sum - bytes.at(-1) < 1024, `a batch of ${batch.messages.length} messages, ${sum} bytes`);
      }
      for (const c of [sender, reader]) c.close();
    });
  });

  test('an error between acks goes out in its place: the batch before it is sent first', async () => {
    await withChat({ messagesPerSecond: 1000, maxCodePoints: 5 }, async (server) => {
      const alice = await Client.v1(server.url);
      alice.send({ type: 'features', features: ['coalesce'] });
      alice.send({ type: 'batch', items: [
        { type: 'say', id: 'k1', text: 'ok' },
        { type: 'say', id: 'k2', text: 'ok' },
        { type: 'say', id: 'k3', text: 'much too long' },
        { type: 'say', id: 'k4', text: 'ok' },
      ] });
      const { flat } = await received(alice);
      const answers = flat.filter((e) => e.type === 'ack' || e.type === 'error').map((e) => `${e.type}:${e.id}`);
      // The ack covering k1..k2 (k1 may be acked on its own) precedes the error; k4 comes after it.
      const error = answers.indexOf('error:k3');
      assert.ok(error > 0, answers.join(','));
      assert.equal(answers[error - 1], 'ack:k2');
      assert.equal(answers.at(-1), 'ack:k4');
      alice.close();
    });
  });

  // The ack contract (chat-server.js, above deliverMessage()): a SIGKILL
  // between two writes must never leave a sender with the ack of a message
  // that a reader's socket was not yet given. Seen from the server's side:
  // every ws.send() in order, to whom, and what it carried.
  for (const { name, senderCoalesces, withPing } of [
    { name: 'a coalescing sender', senderCoalesces: true, withPing: false },
    { name: 'a coalescing sender whose ping sends its ack out of turn', senderCoalesces: true, withPing: true },
    { name: 'a sender that does not coalesce', senderCoalesces: false, withPing: false },
  ]) {
    test(`${name}: its ack is written only after every reader was given the messages it covers`, async () => {
      await withChat({ messagesPerSecond: 1000 }, async (server) => {
        const writes = []; // { to, text } in the order the server called send()
        const owner = new Map(); // server-side socket -> the name of its welcome
        const originalSend = WebSocket.prototype.send;
        WebSocket.prototype.send = function recordedSend(data, ...rest) {
          const text = String(data);
          if (text.startsWith('{"type":"welcome"')) owner.set(this, JSON.parse(text).name);
          if (owner.has(this)) writes.push({ to: owner.get(this), text });
          return originalSend.call(this, data, ...rest);
        };
        try {
          const alice = await Client.v1(server.url);
          const bob = await Client.v1(server.url);
          const carol = await Client.v1(server.url);
          if (senderCoalesces) alice.send({ type: 'features', features: ['coalesce'] });
          bob.send({ type: 'features', features: ['coalesce'] });
          carol.send({ type: 'features', features: ['coalesce'] });
          for (const c of [alice, bob, carol]) await c.sync(1);
          const ids = Array.from({ length: 6 }, (_, i) => `m${i}`);
          // One TCP write: the server reads both frames in one turn.
          alice.ws._socket.cork();
          alice.send({ type: 'batch', items: ids.map((id) => ({ type: 'say', id, text: id })) });
          if (withPing) alice.send({ type: 'ping', nonce: 7 });
          alice.ws._socket.uncork();
          const readers = [bob, carol];
          for (const reader of readers) {
            const got = flatten(await reader.sync(2)).filter((e) => e.type === 'message').map((e) => e.id);
            assert.deepEqual(got, ids);
          }
          const aliceAcks = flatten(await alice.sync(3)).filter((e) => e.type === 'ack');
          assert.equal(aliceAcks.at(-1).id, 'm5');

          const aliceName = alice.welcome.name;
          const seqsIn = (text) => {
            const e = JSON.parse(text);
            if (e.type === 'message') return [e.seq];
            return e.type === 'batch' ? (e.messages ?? []).map((m) => m.seq) : [];
          };
          const ackIn = (text) => {
            const e = JSON.parse(text);
            return e.type === 'ack' ? e.seq : e.type === 'batch' ? e.ack?.seq : undefined;
          };
          let ackWrites = 0;
          writes.forEach(({ to, text }, at) => {
            const seq = to === aliceName ? ackIn(text) : undefined;
            if (seq === undefined) return;
            ackWrites++;
            for (const reader of readers) {
              const given = new Set(writes.slice(0, at).filter((w) => w.to === reader.welcome.name).flatMap((w) => seqsIn(w.text)));
              for (let s = 1; s <= seq; s++) {
                assert.ok(given.has(s), `ack of seq ${seq} (write ${at}) before ${reader.welcome.name} was given seq ${s}:\n` +
                  writes.map((w, i) => `${i} ${w.to} ${w.text.slice(0, 90)}`).join('\n'));
              }
            }
          });
          assert.ok(ackWrites > 0, 'the sender was acked');
          for (const c of [alice, bob, carol]) c.close();
        } finally {
          WebSocket.prototype.send = originalSend;
        }
      });
    });
  }

  test('coalesce: false offers only client batches, and a client that asks anyway gets one frame per envelope', async () => {
    await withChat({ messagesPerSecond: 1000, coalesce: false }, async (server) => {
      const alice = await Client.v1(server.url);
      assert.deepEqual(alice.welcome.features, ['batch']);
      alice.send({ type: 'features', features: ['coalesce'] });
      const ids = Array.from({ length: 10 }, (_, i) => `c${i}`);
      alice.send({ type: 'batch', items: ids.map((id) => ({ type: 'say', id, text: id })) });
      const { frames } = await received(alice);
      assert.deepEqual(frames.filter((e) => e.type === 'message').map((e) => e.id), ids);
      assert.deepEqual(frames.filter((e) => e.type === 'ack').map((e) => e.id), ids, 'one ack per message, none cumulative');
      assert.equal(frames.length, 2 * ids.length, frames.map((e) => e.type).join(','));
      alice.close();
    });
    await assert.rejects(startChat({ coalesce: 'yes' }), /coalesce must be a boolean/);
  });

  test('a features envelope that is not an array of strings is a bad_envelope', async () => {
    await withChat({}, async (server) => {
      const alice = await Client.v1(server.url);
      alice.send({ type: 'features', features: 'coalesce' });
      const error = await alice.expect('error');
      assert.equal(error.code, 'bad_envelope');
      alice.close();
    });
  });
});
