// Load generator: many real `ws` clients speaking wasmchat.v1 against the
// chat server (docs/protocol.md). Each client offers 'wasmchat.v1', waits for
// its `welcome`, sends `say` envelopes with unique ids at a fixed rate, and
// counts every `message` envelope it receives by seq (one counter per client
// per seq, so a duplicate or a gap is seen exactly), while the generator keeps
// the seq -> id map of everything that was broadcast.
//
// Used two ways:
//   * as a module: createGenerator({ url, connections, ... }) in-process;
//   * as a child process (node load/generator.js, with an IPC channel), driven
//     by load/run.js so that the 500 clients' parsing runs on another core
//     than the server: commands { cmd: 'connect' | 'start' | 'finish' | 'close' }.
import { fork } from 'node:child_process';
import { createHistogram } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { WebSocket } from 'ws';

const PROTOCOL = 'wasmchat.v1';

/**
 * Opens one wasmchat.v1 connection and resolves once its welcome arrived.
 * `onEnvelope(text)` gets every later frame as a string.
 */
export function connectClient(url, { timeoutMs = 10_000, onFrame = () => {}, onClose = () => {} } = {}) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, [PROTOCOL], { perMessageDeflate: false, handshakeTimeout: timeoutMs });
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`no welcome within ${timeoutMs} ms`));
    }, timeoutMs);
    ws.on('error', () => {}); // the close that follows says what happened
    ws.once('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`closed (${code}) before the welcome`));
    });
    ws.once('message', (data) => {
      clearTimeout(timer);
      let welcome;
      try {
        welcome = JSON.parse(String(data));
      } catch {
        welcome = null;
      }
      if (ws.protocol !== PROTOCOL || welcome?.type !== 'welcome') {
        ws.terminate();
        reject(new Error(`expected a wasmchat.v1 welcome, got ${String(data).slice(0, 80)}`));
        return;
      }
      ws.removeAllListeners('close');
      ws.on('close', onClose);
      ws.on('message', (frame) => onFrame(String(frame)));
      resolve({ ws, welcome });
    });
  });
}

/**
 * @param {object} options
 * @param {string | string[]} options.url    ws://host:port/ws (several: round robin)
 * @param {number} options.connections       concurrent clients
 * @param {number} options.ratePerConnection say envelopes per second per client
 * @param {string} [options.idPrefix]        ids are `${idPrefix}${client}-${n}`
 * @param {number} [options.connectBatch]    handshakes in flight at once
 * @param {number} [options.timeoutMs]       deadline of each handshake
 */
export function createGenerator({
  url, connections, ratePerConnection, idPrefix = 'g', connectBatch = 50, timeoutMs = 15_000,
}) {
  if (!(connections >= 1)) throw new TypeError('connections must be >= 1');
  if (!(ratePerConnection > 0)) throw new TypeError('ratePerConnection must be > 0');
  const clients = [];
  const seqToId = []; // seq -> id of every message envelope seen by any client
  const idConflicts = []; // the same seq with two ids, or the same id at two seqs
  const idToSeq = new Map();
  const errors = new Map(); // error code -> count
  let acked = 0;
  let unexpectedCloses = 0;
  let closing = false;
  let sending = null;
  const ackLatency = createHistogram(); // microseconds from `say` to its `ack`

  // The server writes `{"type":"message","seq":N,"id":"...",...}` (and ids
  // are [A-Za-z0-9_-], never escaped): read those two fields without parsing
  // the whole frame, since every client sees every message. Anything else
  // goes through JSON.parse, so a change of layout costs speed, not truth.
  const MESSAGE_HEAD = '{"type":"message","seq":';
  const ID_HEAD = ',"id":"';
  function fastMessage(text) {
    if (!text.startsWith(MESSAGE_HEAD)) return null;
    const idAt = text.indexOf(ID_HEAD, MESSAGE_HEAD.length);
    if (idAt < 0) return null;
    const seq = Number(text.slice(MESSAGE_HEAD.length, idAt));
    const idEnd = text.indexOf('"', idAt + ID_HEAD.length);
    if (!Number.isSafeInteger(seq) || idEnd < 0) return null;
    return { type: 'message', seq, id: text.slice(idAt + ID_HEAD.length, idEnd) };
  }

  function noteMessage(client, text) {
    if (text.startsWith('{"type":"presence"')) return; // one per (dis)connection, to everyone: not counted
    const m = fastMessage(text) ?? JSON.parse(text);
    switch (m.type) {
      case 'message': {
        const { seq, id } = m;
        if (seq >= client.counts.length) {
          const grown = new Uint8Array(Math.max(seq + 1, client.counts.length * 2));
          grown.set(client.counts);
          client.counts = grown;
        }
        if (client.counts[seq] < 255) client.counts[seq]++;
        if (seq > client.maxSeq) client.maxSeq = seq;
        client.received++;
        const known = seqToId[seq];
        if (known === undefined) {
          seqToId[seq] = id;
          const other = idToSeq.get(id);
          if (other !== undefined) idConflicts.push({ id, seqs: [other, seq] });
          else idToSeq.set(id, seq);
        } else if (known !== id) {
          idConflicts.push({ seq, ids: [known, id] });
        }
        break;
      }
      case 'ack': {
        client.acked++;
        acked++;
        // The server handles a connection's frames in order: acks come back in send order.
        const sentAt = client.sentAt[client.ackIndex];
        client.sentAt[client.ackIndex++] = undefined;
        if (sentAt !== undefined) ackLatency.record(Math.max(1, Math.round((performance.now() - sentAt) * 1000)));
        break;
      }
      case 'error':
        errors.set(m.code, (errors.get(m.code) ?? 0) + 1);
        break;
      default: // presence, pong, name: not counted
    }
  }

  async function connect() {
    for (let first = 0; first < connections; first += connectBatch) {
      const batch = [];
      for (let i = first; i < Math.min(connections, first + connectBatch); i++) {
        const client = {
          index: i, ws: null, sent: 0, acked: 0, received: 0, maxSeq: 0, counts: new Uint8Array(1024), sentAt: [], ackIndex: 0,
        };
        clients.push(client);
        // Several urls (instances of a cluster): the clients round-robin over them.
        batch.push(connectClient(Array.isArray(url) ? url[i % url.length] : url, {
          timeoutMs,
          onFrame: (text) => noteMessage(client, text),
          onClose: () => { if (!closing) unexpectedCloses++; },
        }).then(({ ws, welcome }) => {
          client.ws = ws;
          if (welcome.limits.messagesPerSecond < ratePerConnection) {
            throw new Error(`the server allows ${welcome.limits.messagesPerSecond} messages/s per connection, ` +
              `below the generator's ${ratePerConnection}`);
          }
        }));
      }
      const results = await Promise.allSettled(batch);
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) throw new Error(`client connection failed: ${failed.reason.message}`);
    }
    return { connected: clients.length };
  }

  /**
   * Sends at the fixed rate for `durationMs`: client i sends its n-th message
   * at start + (i / connections + n) / ratePerConnection, so the load is
   * spread evenly over each period. Resolves with the sent count.
   */
  function start(durationMs) {
    if (sending) throw new Error('already started');
    const period = 1000 / ratePerConnection;
    const started = performance.now();
    sending = new Promise((resolve) => {
      const tick = () => {
        const elapsed = Math.min(performance.now() - started, durationMs);
        for (const client of clients) {
          const phase = (client.index / connections) * period;
          // Sends at phase, phase + period, ... while < durationMs.
          const due = elapsed < phase ? 0 : Math.min(Math.floor((elapsed - phase) / period) + 1,
            Math.ceil((durationMs - phase) / period));
          while (client.sent < due && client.ws.readyState === WebSocket.OPEN) {
            client.ws.send(`{"type":"say","id":"${idPrefix}${client.index}-${client.sent}","text":"load ${client.index} ${client.sent}"}`);
            client.sentAt.push(performance.now());
            client.sent++;
          }
        }
        if (performance.now() - started >= durationMs) {
          clearInterval(timer);
          resolve();
        }
      };
      const timer = setInterval(tick, 10);
    });
    return sending;
  }

  const totalSent = () => clients.reduce((sum, c) => sum + c.sent, 0);

  /** Waits (with a deadline) until every sent message was acknowledged. */
  async function waitAcked(deadlineMs = 60_000) {
    const deadline = Date.now() + deadlineMs;
    while (acked + errorCount() < totalSent()) {
      if (Date.now() > deadline) throw new Error(`${acked} of ${totalSent()} acks after ${deadlineMs} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  const errorCount = () => [...errors.values()].reduce((a, b) => a + b, 0);

  /** Waits (with a deadline) until every client has seen seq `lastSeq`. */
  async function waitReceived(lastSeq, deadlineMs = 60_000) {
    const deadline = Date.now() + deadlineMs;
    while (clients.some((c) => c.maxSeq < lastSeq)) {
      if (Date.now() > deadline) break; // reported as missing, not thrown: the numbers matter
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /**
   * Exact counts over seqs 1..lastSeq: for every client, seqs seen twice or
   * more (duplicates) and never (missing).
   */
  function report(lastSeq = seqToId.length - 1) {
    let duplicates = 0;
    let missing = 0;
    let minReceived = Infinity;
    let maxReceived = 0;
    let clientsWithProblems = 0;
    for (const c of clients) {
      let dup = 0;
      let miss = 0;
      for (let s = 1; s <= lastSeq; s++) {
        const n = s < c.counts.length ? c.counts[s] : 0;
        if (n === 0) miss++;
        else if (n > 1) dup += n - 1;
      }
      // Anything beyond lastSeq is unexpected too.
      for (let s = lastSeq + 1; s < c.counts.length; s++) dup += c.counts[s];
      duplicates += dup;
      missing += miss;
      if (dup || miss) clientsWithProblems++;
      minReceived = Math.min(minReceived, c.received);
      maxReceived = Math.max(maxReceived, c.received);
    }
    return {
      connections: clients.length,
      open: clients.filter((c) => c.ws?.readyState === WebSocket.OPEN).length,
      unexpectedCloses,
      sent: totalSent(),
      acked,
      errors: Object.fromEntries(errors),
      lastSeq,
      received: { min: minReceived, max: maxReceived, total: clients.reduce((sum, c) => sum + c.received, 0) },
      duplicates,
      missing,
      clientsWithProblems,
      idConflicts: idConflicts.slice(0, 10),
      cpuSeconds: (({ user, system }) => (user + system) / 1e6)(process.cpuUsage()),
      ackLatencyMs: ackLatency.count ? {
        p50: ackLatency.percentile(50) / 1000, p99: ackLatency.percentile(99) / 1000, max: ackLatency.max / 1000,
      } : null,
    };
  }

  /** Every id this generator sent, in client order. */
  function sentIds() {
    const ids = [];
    for (const c of clients) for (let n = 0; n < c.sent; n++) ids.push(`${idPrefix}${c.index}-${n}`);
    return ids;
  }

  /** The ids broadcast, by seq (index 0 unused). */
  const published = () => seqToId.slice(1);

  async function close() {
    closing = true;
    await Promise.all(clients.map((c) => new Promise((resolve) => {
      if (!c.ws || c.ws.readyState === WebSocket.CLOSED) return resolve();
      const timer = setTimeout(() => { c.ws.terminate(); resolve(); }, 3000);
      c.ws.once('close', () => { clearTimeout(timer); resolve(); });
      c.ws.close(1000);
    })));
  }

  return { connect, start, waitAcked, waitReceived, report, sentIds, published, close, totalSent };
}

// ---------------------------------------------------------------------------
// Child-process mode: driven over IPC by load/run.js.

/**
 * Forks this file as a child process holding one generator; returns the same
 * steps as async calls, each with a deadline. `kill()` ends the child.
 */
export function spawnGenerator(options) {
  const child = fork(fileURLToPath(import.meta.url), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let nextId = 0;
  const waiting = new Map();
  let exited = null;
  child.on('message', ({ id, ok, value, error }) => {
    const call = waiting.get(id);
    if (!call) return;
    waiting.delete(id);
    clearTimeout(call.timer);
    if (ok) call.resolve(value); else call.reject(new Error(`generator: ${error}`));
  });
  child.on('exit', (code, signal) => {
    exited = `exited (${signal ?? code})`;
    for (const call of waiting.values()) {
      clearTimeout(call.timer);
      call.reject(new Error(`generator ${exited} during ${call.cmd}`));
    }
    waiting.clear();
  });
  function call(cmd, args, deadlineMs) {
    if (exited) return Promise.reject(new Error(`generator ${exited}`));
    return new Promise((resolve, reject) => {
      const id = ++nextId;
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error(`generator: '${cmd}' did not answer within ${deadlineMs} ms`));
      }, deadlineMs);
      waiting.set(id, { resolve, reject, timer, cmd });
      child.send({ id, cmd, args });
    });
  }
  return {
    pid: child.pid,
    connect: (deadlineMs = 60_000) => call('connect', options, deadlineMs),
    /** Sends for durationMs, then waits for every ack; resolves with { sent, sentIds }. */
    start: (durationMs, ackDeadlineMs = 60_000) =>
      call('start', { durationMs, ackDeadlineMs }, durationMs + ackDeadlineMs + 10_000),
    /** Waits until every client saw seq lastSeq (or the deadline), then the report and the published ids. */
    finish: (lastSeq, deadlineMs = 60_000) => call('finish', { lastSeq, deadlineMs }, deadlineMs + 30_000),
    async close() {
      if (exited) return;
      const gone = new Promise((resolve) => child.once('exit', resolve));
      await call('close', {}, 10_000).catch(() => {});
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(timer);
    },
    kill() { if (!exited) child.kill('SIGKILL'); },
  };
}

if (process.send && process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  let generator = null;
  const reply = (id, body) => process.send({ id, ...body });
  process.on('disconnect', () => process.exit(0)); // the parent went away
  process.on('message', async ({ id, cmd, args = {} }) => {
    try {
      switch (cmd) {
        case 'connect':
          generator = createGenerator(args);
          return reply(id, { ok: true, value: await generator.connect() });
        case 'start':
          await generator.start(args.durationMs);
          await generator.waitAcked(args.ackDeadlineMs);
          return reply(id, { ok: true, value: { sent: generator.totalSent(), sentIds: generator.sentIds() } });
        case 'finish':
          await generator.waitReceived(args.lastSeq, args.deadlineMs);
          return reply(id, { ok: true, value: { ...generator.report(args.lastSeq), published: generator.published() } });
        case 'close':
          await generator?.close();
          reply(id, { ok: true });
          return process.disconnect();
        default:
          throw new Error(`unknown command ${cmd}`);
      }
    } catch (error) {
      return reply(id, { ok: false, error: error.stack ?? String(error) });
    }
  });
}
