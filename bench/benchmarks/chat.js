// Benchmarks 3, 4 and 7: chat end to end, rendering a burst, and the wasm heap
// over a long stream. Each run gets a fresh chat server (startServer, rate
// limit off; coalescing as the variant says) so that no history or seq
// carries over; pages run in plain Chromium processes.
import { startServer } from '../../server/app.js';
import { withPage, withSenderAndReceiver } from '../lib/run-page.js';
import { connectInjector } from '../lib/injector.js';
import { summary, ratio } from '../lib/stats.js';
import { round } from './transport.js';

export const CHAT_IMPLS = ['plain', 'wasm'];  // baseline first, as everywhere

async function withChatServer(body, serverOptions = {}) {
  const chat = await startServer({ host: '127.0.0.1', port: 0, messagesPerSecond: 1e9, ...serverOptions });
  try {
    return await body(`ws://127.0.0.1:${chat.port}/ws`, chat);
  } finally {
    await chat.close();
  }
}


// --- 3. End to end ------------------------------------------------------------

export async function e2eRun(server, impl, n, timeoutMs, clientOptions = null, serverOptions = {}) {
  return withChatServer(async (wsUrl) => {
    const query = { impl, server: wsUrl, n, timeoutMs, ...(clientOptions && { clientOptions: JSON.stringify(clientOptions) }) };
    // Both Chromiums start at once; the sender waits for the harness's go.
    return withSenderAndReceiver(server, { path: '/bench/pages/chat-e2e.html', query }, async ({ receiver, sender, abort }) => {
      const received = await receiver.mailbox.waitFor((m) => m.type === 'received', timeoutMs + 10_000, `the receiver to get ${n} messages`, { abort });
      const sent = await sender.mailbox.waitFor((m) => m.type === 'sent', 10_000, 'the sender to report', { abort });
      if (!received.lastOk) throw new Error('the last message received was not the last one sent');
      const ms = received.lastAt - sent.startAt;
      return { n, ms, msgsPerSec: n / (ms / 1000), sendMs: round(sent.sendMs, 1), receiveMs: round(received.receiveMs, 1), senderWaits: sent.waits };
    });
  }, serverOptions);
}

export async function runChatE2e({ server, options, log }) {
  const { n, runTimeoutMs } = options.chat;
  log(`  chat end to end: ${n} messages, sender page -> chat server -> receiver page`);
  // plainAgain is the A/A control (the baseline measured again as if it were
  // ours: its ratio shows the noise floor). wasm runs against a server that
  // does not coalesce (one frame per envelope, as the plain client gets),
  // wasmCoalesce against one that does (batch frames, cumulative acks; the
  // plain client never asks for them, so its runs are the same either way).
  // wasmLargeOutbox is a diagnostic: an outbox large enough never to be full,
  // to show what the default outbox bound costs.
  const variants = {
    plain: { impl: 'plain' },
    plainAgain: { impl: 'plain' },
    wasm: { impl: 'wasm', serverOptions: { coalesce: false } },
    wasmCoalesce: { impl: 'wasm', serverOptions: { coalesce: true } },
    wasmLargeOutbox: { impl: 'wasm', serverOptions: { coalesce: true }, clientOptions: { maxOutboxMessages: Math.max(1000, n), maxOutboxBytes: 64 * 1024 * 1024 } },
  };
  const runs = Object.fromEntries(Object.keys(variants).map((key) => [key, []]));
  const errors = [];
  for (let rep = 0; rep < options.reps; rep++) {
    for (const [key, { impl, clientOptions, serverOptions }] of Object.entries(variants)) {
      try {
        runs[key].push(await e2eRun(server, impl, n, runTimeoutMs, clientOptions, serverOptions));
      } catch (error) {
        errors.push(`chat e2e ${key} rep ${rep + 1}: ${error.message}`);
        runs[key].push(null);
      }
    }
  }
  const rates = Object.fromEntries(Object.keys(variants).map((key) => [key, runs[key].map((r) => r?.msgsPerSec ?? NaN)]));
  const stats = Object.fromEntries(Object.keys(variants).map((key) => [key, { msgsPerSec: summary(rates[key]), vsPlain: ratio(rates[key], rates.plain) }]));
  return { n, variants, runs, stats, errors };
}

// --- 4. Rendering a burst ---------------------------------------------------------

export const burstText = (i) => `burst message ${String(i).padStart(7, '0')}`;

async function renderRun(server, impl, n, timeoutMs) {
  return withChatServer(async (wsUrl) => {
    const path = impl === 'wasm' ? '/' : '/bench/pages/classic.html';
    const query = { server: wsUrl, n, last: burstText(n - 1), timeoutMs };
    return withPage(server, { path, query }, async ({ mailbox, abort }) => {
      await mailbox.waitFor((m) => m.type === 'ready', 30_000, 'the page to be open', { abort });
      const injector = await connectInjector(wsUrl);
      try {
        const startAt = Date.now();
        const sending = injector.send(n, burstText, { prefix: 'r', timeoutMs });
        let serverDoneAt = null;
        const acked = sending.then(() => injector.waitAcked(n, timeoutMs)).then(() => { serverDoneAt = Date.now(); });
        acked.catch(() => {});
        const result = await mailbox.waitFor((m) => m.type === 'result', timeoutMs + 10_000, `all ${n} messages to be shown`, { abort });
        await acked;
        if (injector.errors) throw new Error(`the server refused ${injector.errors} messages: ${injector.lastError}`);
        return {
          n,
          ms: result.lastShownAt - startAt,
          serverDoneMs: serverDoneAt - startAt,
          shownMs: round(result.shownMs, 1),
          firstShownMs: result.firstShownAt - startAt,
          loafOver50: result.loafSupported ? result.loafOver50 : null,
          loafMaxMs: result.loafSupported ? round(result.loafMaxMs, 1) : null,
          loafTotalMs: result.loafSupported ? round(result.loafTotalMs, 1) : null,
          loafCause: result.loafSupported ? result.loafCause : null,
          rafOver50: result.rafOver50,
          rafMaxMs: round(result.rafMaxMs, 1),
          frames: result.frames,
          lines: result.lines,
          nodes: result.nodes,
        };
      } finally {
        injector.close();
      }
    });
  // No slow-consumer bound (1 MiB unsent closes with 1013): the classic page
  // has no reconnection, and with the bound it sometimes never showed the
  // last line (about one repetition in three timed out); this measures
  // rendering, not the server's protection.
  }, { maxBufferedBytes: 1 << 30 });
}

export async function runRender({ server, options, log }) {
  const { n, runTimeoutMs } = options.render;
  log(`  rendering: a burst of ${n} messages into the chat page vs the classic page`);
  const runs = { plain: [], wasm: [] };
  const errors = [];
  for (let rep = 0; rep < options.reps; rep++) {
    for (const impl of CHAT_IMPLS) {
      try {
        runs[impl].push(await renderRun(server, impl, n, runTimeoutMs));
      } catch (error) {
        errors.push(`render ${impl} rep ${rep + 1}: ${error.message}`);
        runs[impl].push(null);
      }
    }
  }
  const stats = {};
  for (const impl of CHAT_IMPLS) {
    stats[impl] = {};
    for (const key of ['ms', 'serverDoneMs', 'loafOver50', 'rafOver50', 'rafMaxMs', 'nodes']) {
      const values = runs[impl].map((r) => r?.[key] ?? NaN);
      stats[impl][key] = { ...summary(values), vsPlain: ratio(values, runs.plain.map((r) => r?.[key] ?? NaN)) };
    }
  }
  return { n, runs, stats, errors };
}

// --- 7. The wasm heap over a long stream -----------------------------------------

export async function runHeap({ server, options, log }) {
  const { checkpoints, runTimeoutMs } = options.heap;
  const total = Math.max(...checkpoints);
  const progressEvery = Math.max(1000, Math.min(10_000, Math.floor(total / 20)));
  log(`  heap: one chat client receiving ${total} messages (checkpoints ${checkpoints.join(', ')})`);
  return withChatServer(async (wsUrl) => {
    const query = { server: wsUrl, checkpoints: checkpoints.join(','), progressEvery, timeoutMs: runTimeoutMs };
    return withPage(server, { path: '/bench/pages/heap.html', query }, async ({ mailbox, abort }) => {
      const ready = await mailbox.waitFor((m) => m.type === 'ready', 30_000, 'the page to be open', { abort });
      let pageCount = 0;
      mailbox.on((m) => { if (m.type === 'progress' || m.type === 'checkpoint') pageCount = Math.max(pageCount, m.count); });
      const injector = await connectInjector(wsUrl);
      try {
        const startAt = Date.now();
        // Paced: the page is never more than 5 progress steps behind the server.
        const sending = injector.send(total, (i) => `heap message ${i}`, {
          prefix: 'h', maxUnacked: 5000, mayRunAhead: (i) => i - pageCount < 5 * progressEvery, timeoutMs: runTimeoutMs,
        });
        sending.catch(() => {});
        const done = await mailbox.waitFor((m) => m.type === 'done', runTimeoutMs + 10_000, `the page to receive ${total} messages`,
          { abort, idleMs: 60_000 });
        await sending;
        const elapsedMs = Date.now() - startAt;
        const results = [];
        for (const count of checkpoints) {
          const m = await mailbox.waitFor((x) => x.type === 'checkpoint' && x.count === count, 10_000, `checkpoint ${count}`);
          results.push({ messages: count, heapBytes: m.heap, jsHeapBytes: m.jsHeap });
        }
        return {
          initial: { heapBytes: ready.heap, jsHeapBytes: ready.jsHeap },
          checkpoints: results,
          final: { messages: done.count, heapBytes: done.heap, state: done.state },
          elapsedMs,
          msgsPerSec: total / (elapsedMs / 1000),
          errors: [],
        };
      } finally {
        injector.close();
      }
    });
  });
}
