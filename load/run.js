// `npm run load`: many concurrent wasmchat.v1 connections plus two Chromium
// pages chatting through the wasm client, with every message counted exactly.
//
//   node load/run.js [--connections 500] [--rate 0.2] [--duration 60]
//                    [--page-rate 2] [--max-messages 200] [--instances 0]
//
// --instances N: the chat runs in N child processes of server/app.js
// instead, so that their CPU (from /proc) is the server's alone. N = 1: one
// instance in memory; N >= 2: a cluster, a redis-server (loopback, no
// persistence) and N instances on it. The generator's clients round-robin
// over the instances, the two pages are on the first two. Counted the same
// way, exactly; memory is then the largest instance's RSS.
//
// The chat server runs in this process (startServer on 127.0.0.1, port 0, its
// per-connection rate limit set above every sender's rate). The generator's
// clients (load/generator.js) run in a child process, so that their parsing
// does not compete with the server's event loop. Two pages open the chat page
// (`/`) and send at their own fixed rate through `window.chat`. At the end,
// every message sent (by the generator's clients and by the pages) must have
// reached each page exactly once, counted by id from the pages' `message`
// events (the DOM keeps only maxMessages lines): another's message as a
// `message` event with own: false, a page's own message as its one `delivered`
// state. The generator's clients are checked the same way, by seq.
//
// Rates: every message is broadcast to every client, so 500 clients at r
// messages/s each make the server write 500 * r * 502 frames/s, one ws.send
// (one write syscall) each. The default r = 0.1 (50 messages/s in all plus
// the pages' 2 x 2, ~27,000 frames/s out of the server and as many into the
// generator's clients) keeps up on a 2-core machine that also runs Chromium
// and other work; at 0.25 the server's loop saturates there and the say->ack
// latency climbs to seconds (still counted exactly, just late), and 1 message/s
// per connection (~250,000 frames/s) is out of reach.
import { pathToFileURL } from 'node:url';
import { startServer } from '../server/app.js';
import { launchBrowser } from '../tests/browser/harness.js';
import { openChat, waitReady } from '../tests/browser/chat-page.js';
import { spawnGenerator } from './generator.js';
import { until, sleep, withDeadline, mib, numericArgs, memorySampler } from './common.js';
import fs from 'node:fs';
import { startChatServerProcess } from '../tests/fixtures/chat-server-process.js';
import { startRedisServer } from '../tests/fixtures/redis-server-process.js';
import { connectClient } from './generator.js';

export const LOAD_DEFAULTS = Object.freeze({
  connections: 500, // generator clients
  rate: 0.1, // messages/s per generator client
  duration: 60, // seconds of sending
  pageRate: 2, // messages/s per page
  maxMessages: 200, // lines the pages keep in the DOM
  drainDeadline: 120, // seconds allowed for everything to arrive after the sending stops
  instances: 0, // 0: the server in this process; N: N instances on a Redis (child processes)
});

/** CPU seconds (user + system) and RSS bytes of a process, from /proc. */
function procUsage(pid) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime, in clock ticks (100 Hz on Linux)
  return { cpuSeconds: ticks / 100, rss: Number(fields[21]) * 4096 };
}

/**
 * The chat under test: in this process, or a cluster of child processes on
 * a Redis. Same shape either way.
 */
async function startChat(o, messagesPerSecond) {
  const chatOptions = { messagesPerSecond, historySize: 1000 };
  if (!o.instances) {
    const server = await startServer({ host: '127.0.0.1', port: 0, ...chatOptions });
    const memory = memorySampler();
    return {
      pageUrls: [server.url, server.url],
      wsUrl: `ws://127.0.0.1:${server.port}/ws`,
      clientCount: async () => server.chat.clientCount(),
      cpuSeconds: () => { const c = process.cpuUsage(); return (c.user + c.system) / 1e6; },
      memory: () => memory.stop(),
      close: async () => { memory.stop(); await server.close(); },
    };
  }
  const redis = o.instances > 1 ? await startRedisServer() : null;
  const instances = [];
  try {
    for (let i = 0; i < o.instances; i++) {
      instances.push(await startChatServerProcess({ chatOptions: redis ? { ...chatOptions, redisUrl: redis.url } : chatOptions }));
    }
  } catch (error) {
    for (const instance of instances) await instance.kill();
    await redis?.kill();
    throw error;
  }
  const peaks = new Map();
  const sampler = setInterval(() => {
    for (const instance of instances) {
      const { rss } = procUsage(instance.pid());
      peaks.set(instance, Math.max(peaks.get(instance) ?? 0, rss));
    }
  }, 250);
  return {
    pageUrls: [instances[0].url, instances[1 % instances.length].url],
    wsUrl: instances.map((instance) => `ws://127.0.0.1:${instance.port}/ws`),
    // The cluster's own count: a welcome's `online` on any instance, less itself.
    async clientCount() {
      const { ws, welcome } = await connectClient(`ws://127.0.0.1:${instances[0].port}/ws`);
      ws.terminate();
      return welcome.online - 1;
    },
    cpuSeconds: () => instances.reduce((sum, instance) => sum + procUsage(instance.pid()).cpuSeconds, 0),
    memory: () => {
      const rss = instances.map((instance) => peaks.get(instance) ?? 0);
      return { peakRss: Math.max(...rss), peakHeapUsed: null, finalRss: Math.max(...instances.map((i) => procUsage(i.pid()).rss)), finalHeapUsed: null };
    },
    async close() {
      clearInterval(sampler);
      for (const instance of instances) await instance.stop();
      await redis?.stop();
    },
  };
}

// Page side: counts by id, installed before anything is sent.
function installCounters() {
  const L = {
    received: new Map(), // id -> message events with own: false
    latencies: [], // ms from the server's `time` to the event, per message from others
    delivered: new Map(), // own id -> `delivered` state changes
    failed: [],
    sent: [],
    rejected: [],
    errors: [],
    closes: [],
    done: null,
  };
  window.__load = L;
  window.chat.addEventListener('message', ({ detail }) => {
    if (!detail.own) {
      L.received.set(detail.id, (L.received.get(detail.id) ?? 0) + 1);
      L.latencies.push(Date.now() - detail.time);
    }
    else if (detail.state === 'delivered') L.delivered.set(detail.id, (L.delivered.get(detail.id) ?? 0) + 1);
    else if (detail.state === 'failed') L.failed.push({ id: detail.id, reason: detail.reason });
  });
  window.chat.addEventListener('error', ({ detail }) => L.errors.push(`${detail.code}: ${detail.message}`));
  window.chat.addEventListener('close', ({ detail }) => L.closes.push(detail));
  return document.visibilityState;
}

// Page side: sends `${label} n` at `rate` per second for `durationMs`.
function startSending({ rate, durationMs, label }) {
  const L = window.__load;
  const period = 1000 / rate;
  const total = Math.ceil(durationMs / period);
  const started = performance.now();
  let n = 0;
  L.done = new Promise((resolve) => {
    const tick = () => {
      const due = Math.min(Math.floor((performance.now() - started) / period) + 1, total);
      while (n < due) {
        const result = window.chat.send(`${label} ${n++}`);
        if (result.ok) L.sent.push(result.id);
        else L.rejected.push(result.reason);
      }
      if (n >= total) {
        clearInterval(timer);
        resolve();
      }
    };
    const timer = setInterval(tick, 20);
    tick();
  });
}

function pageProgress() {
  const L = window.__load;
  return {
    received: L.received.size,
    delivered: L.delivered.size,
    settled: L.delivered.size + L.failed.length,
    sent: L.sent.length,
    queued: window.chat.queued,
  };
}

async function pageResult() {
  const L = window.__load;
  const { memoryStats } = await import('/dist/index.js');
  const sorted = L.latencies.slice().sort((a, b) => a - b);
  const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? null;
  return {
    latencyMs: { p50: at(0.5), p99: at(0.99), max: sorted.at(-1) ?? null },
    received: [...L.received],
    delivered: [...L.delivered],
    sent: L.sent,
    failed: L.failed,
    rejected: L.rejected,
    errors: L.errors,
    closes: L.closes,
    domLines: document.querySelectorAll('#messages > .message').length,
    state: window.chat.state,
    wasmHeapBytes: memoryStats().wasmHeapBytes,
    jsHeapBytes: performance.memory?.usedJSHeapSize ?? null,
  };
}

/** Exact counts of one page against the expected ids. */
export function countPage(label, page, expectedIds) {
  const own = new Set(page.sent);
  const received = new Map(page.received);
  const delivered = new Map(page.delivered);
  let once = 0;
  let duplicates = 0;
  let missing = 0;
  const missingIds = [];
  for (const id of expectedIds) {
    // Own messages arrive as their `delivered` state; a broadcast of one's
    // own message must not show as someone else's as well.
    const n = own.has(id) ? (delivered.get(id) ?? 0) + (received.get(id) ?? 0) : (received.get(id) ?? 0);
    if (n === 1) once++;
    else if (n === 0) { missing++; if (missingIds.length < 5) missingIds.push(id); } else duplicates += n - 1;
  }
  const expected = new Set(expectedIds);
  const unexpected = [...received.keys(), ...delivered.keys()].filter((id) => !expected.has(id));
  return {
    label,
    expected: expectedIds.length,
    received: [...received.values()].reduce((a, b) => a + b, 0) + [...delivered.values()].reduce((a, b) => a + b, 0),
    once,
    fromOthers: [...received.values()].reduce((a, b) => a + b, 0),
    ownDelivered: [...delivered.values()].reduce((a, b) => a + b, 0),
    duplicates,
    missing,
    missingIds,
    unexpected: unexpected.length,
  };
}

/**
 * Runs the load test; resolves with the numbers and `problems` (empty = pass).
 * `browser` (optional) is reused and left open; `log` gets the report lines.
 */
export async function runLoad(options = {}, { browser: givenBrowser = null, log = console.log } = {}) {
  const o = { ...LOAD_DEFAULTS, ...options };
  const durationMs = Math.round(o.duration * 1000);
  const drainMs = Math.round(o.drainDeadline * 1000);
  const timing = {};
  const t0 = performance.now();
  const lap = () => (performance.now() - t0) / 1000;
  // Above every sender's rate, including the page's own pacing (80% of it).
  const messagesPerSecond = Math.max(20, Math.ceil(4 * Math.max(o.rate, o.pageRate)));
  const chat_ = await startChat(o, messagesPerSecond);
  const wsUrl = chat_.wsUrl;
  const browser = givenBrowser ?? await launchBrowser();
  const opened = [];
  let generator = null;
  try {
    // Pages first: they see seq 1 onwards, so every message is theirs to count.
    const labels = ['A', 'B'];
    for (const [index, label] of labels.entries()) {
      const chat = await openChat(browser, chat_.pageUrls[index], { nickname: `load-page-${label}`, maxMessages: o.maxMessages });
      opened.push({ label, ...chat });
      await waitReady(chat.page, `load-page-${label}`);
      chat.visibility = await chat.page.evaluate(installCounters);
    }

    generator = spawnGenerator({ url: wsUrl, connections: o.connections, ratePerConnection: o.rate, idPrefix: 'g' });
    await generator.connect(Math.max(60_000, o.connections * 200));
    timing.connected = lap();
    // Presence across instances settles within a heartbeat: wait for it.
    let concurrent = await chat_.clientCount();
    if (o.instances) {
      await until(async () => (concurrent = await chat_.clientCount()) === o.connections + 2, 'the cluster counts every client', 10_000, 250)
        .catch(() => {});
    }

    // Go: the generator and both pages send for `duration` seconds.
    const cpuBefore = chat_.cpuSeconds();
    const eluBefore = performance.eventLoopUtilization();
    const genSending = generator.start(durationMs, drainMs);
    await Promise.all(opened.map(({ page, label }) =>
      page.evaluate(startSending, { rate: o.pageRate, durationMs, label: `page ${label}` })));
    const gen = await genSending; // resolves once every generator message is acknowledged
    await Promise.all(opened.map(({ page }) =>
      withDeadline(page.evaluate(() => window.__load.done), durationMs + drainMs, 'page sending')));
    timing.sent = lap();
    const serverCpu = {
      seconds: chat_.cpuSeconds() - cpuBefore,
      eventLoopUtilization: performance.eventLoopUtilization(eluBefore).utilization,
    };
    for (const { page, label } of opened) {
      await until(async () => {
        const p = await page.evaluate(pageProgress);
        return p.queued === 0 && p.settled === p.sent;
      }, `page ${label}'s messages are all delivered`, drainMs, 100);
    }

    const pageSent = await Promise.all(opened.map(({ page }) => page.evaluate(() => window.__load.sent)));
    const allIds = [...gen.sentIds, ...pageSent.flat()];
    const lastSeq = allIds.length;
    // Everyone waits for everything, each with the same deadline.
    for (const { page, label } of opened) {
      await until(async () => {
        const p = await page.evaluate(pageProgress);
        return p.received + p.delivered >= lastSeq;
      }, `page ${label} has ${lastSeq} messages`, drainMs, 100).catch(() => {}); // shortfalls are counted below
    }
    const genReport = await generator.finish(lastSeq, drainMs);
    await sleep(1000); // anything arriving twice arrives now
    timing.drained = lap();

    const pages = [];
    for (const { page, label } of opened) {
      const result = await page.evaluate(pageResult);
      pages.push({ ...countPage(label, result, allIds), raw: result });
    }
    const server_ = chat_.memory();

    // Did the server broadcast each id once?
    const published = genReport.published;
    const publishedSet = new Set(published);
    const notPublished = allIds.filter((id) => !publishedSet.has(id)).length;

    const problems = [];
    if (concurrent !== o.connections + 2) problems.push(`the server had ${concurrent} clients, not ${o.connections + 2}`);
    if (published.length !== lastSeq || publishedSet.size !== lastSeq || notPublished) {
      problems.push(`the server broadcast ${published.length} messages (${publishedSet.size} ids, ${notPublished} sent ids missing), expected ${lastSeq}`);
    }
    if (genReport.idConflicts.length) problems.push(`seq/id conflicts: ${JSON.stringify(genReport.idConflicts)}`);
    if (genReport.acked !== gen.sent) problems.push(`generator: ${genReport.acked} acks for ${gen.sent} messages`);
    if (Object.keys(genReport.errors).length) problems.push(`generator got errors: ${JSON.stringify(genReport.errors)}`);
    if (genReport.duplicates || genReport.missing) {
      problems.push(`generator clients: ${genReport.duplicates} duplicates, ${genReport.missing} missing`);
    }
    if (genReport.unexpectedCloses) problems.push(`${genReport.unexpectedCloses} generator connections closed during the run`);
    for (const p of pages) {
      if (p.duplicates || p.missing || p.unexpected || p.once !== p.expected) {
        problems.push(`page ${p.label}: ${p.once} of ${p.expected} exactly once, ${p.duplicates} duplicates, ` +
          `${p.missing} missing (e.g. ${p.missingIds.join(', ')}), ${p.unexpected} unexpected`);
      }
      if (p.raw.rejected.length || p.raw.failed.length) {
        problems.push(`page ${p.label}: ${p.raw.rejected.length} sends rejected, ${p.raw.failed.length} failed`);
      }
      if (p.raw.domLines > o.maxMessages) problems.push(`page ${p.label}: ${p.raw.domLines} lines in the DOM > ${o.maxMessages}`);
      if (p.raw.closes.length) problems.push(`page ${p.label}: connection closed ${p.raw.closes.length}x: ${JSON.stringify(p.raw.closes)}`);
      if (p.raw.errors.length) problems.push(`page ${p.label}: errors ${JSON.stringify(p.raw.errors.slice(0, 5))}`);
    }
    for (const { label, problems: pageProblems } of opened) {
      if (pageProblems.pageErrors.length || pageProblems.consoleErrors.length) {
        problems.push(`page ${label}: ${JSON.stringify(pageProblems)}`);
      }
    }

    const result = {
      options: o,
      messagesPerSecondLimit: messagesPerSecond,
      connections: { generator: genReport.connections, pages: opened.length, concurrentAtServer: concurrent },
      sent: { total: lastSeq, generator: gen.sent, pages: Object.fromEntries(pages.map((p) => [p.label, p.raw.sent.length])) },
      broadcast: published.length,
      generatorClients: {
        receivedMin: genReport.received.min, receivedMax: genReport.received.max,
        duplicates: genReport.duplicates, missing: genReport.missing, errors: genReport.errors,
        cpuSeconds: genReport.cpuSeconds, ackLatencyMs: genReport.ackLatencyMs,
      },
      pages: pages.map(({ raw, ...p }) => ({
        ...p, domLines: raw.domLines, wasmHeapBytes: raw.wasmHeapBytes, jsHeapBytes: raw.jsHeapBytes,
        closes: raw.closes.length, errors: raw.errors.length, latencyMs: raw.latencyMs,
      })),
      serverMemory: server_,
      serverCpu,
      seconds: {
        connect: timing.connected,
        sending: timing.sent - timing.connected,
        drain: timing.drained - timing.sent,
        total: lap(),
      },
      problems,
    };
    printLoad(result, log);
    return result;
  } finally {
    await generator?.close().catch(() => generator.kill());
    for (const { page } of opened) await page.close().catch(() => {});
    if (!givenBrowser) await browser.close().catch(() => {});
    await chat_.close();
  }
}

function printLoad(r, log) {
  const o = r.options;
  const s = (x) => x.toFixed(1);
  log(`wasmchat load: ${o.connections} generator connections at ${o.rate} msg/s each + 2 Chromium pages at ${o.pageRate} msg/s each, ${o.duration} s (server rate limit ${r.messagesPerSecondLimit} msg/s per connection)`);
  log(`  connections       ${r.connections.concurrentAtServer} concurrent at the server (${r.connections.generator} generator + ${r.connections.pages} pages)`);
  log(`  messages sent     ${r.sent.total} (generator ${r.sent.generator}, page A ${r.sent.pages.A}, page B ${r.sent.pages.B}); broadcast by the server: ${r.broadcast}`);
  for (const p of r.pages) {
    log(`  page ${p.label}            received ${p.received} of ${p.expected} (${p.fromOthers} from others + ${p.ownDelivered} own delivered): ` +
      `exactly once ${p.once}, duplicates ${p.duplicates}, missing ${p.missing}, unexpected ${p.unexpected}; ` +
      `DOM ${p.domLines} lines (max ${o.maxMessages}); wasm heap ${mib(p.wasmHeapBytes)}, JS heap ${p.jsHeapBytes === null ? '?' : mib(p.jsHeapBytes)}; ` +
      `reconnections ${p.closes}; latency from the server p50 ${p.latencyMs.p50} ms, p99 ${p.latencyMs.p99} ms, max ${p.latencyMs.max} ms`);
  }
  const g = r.generatorClients;
  log(`  generator clients each received ${g.receivedMin}..${g.receivedMax} of ${r.sent.total}; duplicates ${g.duplicates}, missing ${g.missing}, errors ${JSON.stringify(g.errors)}; ` +
    `say->ack p50 ${s(g.ackLatencyMs?.p50 ?? NaN)} ms, p99 ${s(g.ackLatencyMs?.p99 ?? NaN)} ms, max ${s(g.ackLatencyMs?.max ?? NaN)} ms; generator CPU ${s(g.cpuSeconds)} s`);
  const heap = (bytes) => (bytes === null ? 'n/a' : mib(bytes));
  log(`  server memory     peak rss ${mib(r.serverMemory.peakRss)}, peak JS heap ${heap(r.serverMemory.peakHeapUsed)}; at the end rss ${mib(r.serverMemory.finalRss)}, JS heap ${heap(r.serverMemory.finalHeapUsed)} ` +
    `(${o.instances ? 'the largest instance' : 'server process, with the Playwright driver'})`);
  const deliveries = r.broadcast * r.connections.concurrentAtServer;
  log(`  fan-out           ${deliveries} deliveries (${r.broadcast} messages x ${r.connections.concurrentAtServer} clients), ` +
    `${Math.round(deliveries / r.seconds.sending)} per second; server CPU ${s((r.serverCpu.seconds * 1e6) / deliveries)} µs per delivered message` +
    `${o.instances > 1 ? ` (${o.instances} instances on Redis, summed)` : ` (one instance, in memory${o.instances ? '' : ', with the Playwright driver'})`}`);
  log(`  server CPU        ${s(r.serverCpu.seconds)} s while sending ` +
    `${o.instances ? `(the instances' processes, from /proc)` : `(event loop busy ${Math.round(r.serverCpu.eventLoopUtilization * 100)}%; with the Playwright driver)`}`);
  log(`  duration          connect ${s(r.seconds.connect)} s, sending ${s(r.seconds.sending)} s, drain ${s(r.seconds.drain)} s, total ${s(r.seconds.total)} s`);
  log(`  verdict           ${r.problems.length ? `FAIL\n    ${r.problems.join('\n    ')}` : 'PASS'}`);
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = numericArgs({
    connections: LOAD_DEFAULTS.connections, rate: LOAD_DEFAULTS.rate, duration: LOAD_DEFAULTS.duration,
    'page-rate': LOAD_DEFAULTS.pageRate, 'max-messages': LOAD_DEFAULTS.maxMessages, 'drain-deadline': LOAD_DEFAULTS.drainDeadline,
    instances: LOAD_DEFAULTS.instances,
  });
  const result = await runLoad({
    connections: args.connections, rate: args.rate, duration: args.duration,
    pageRate: args['page-rate'], maxMessages: args['max-messages'], drainDeadline: args['drain-deadline'],
    instances: args.instances,
  }).catch((error) => {
    console.error(`wasmchat load: ${error.stack ?? error}`);
    process.exit(2);
  });
  process.exitCode = result.problems.length ? 1 : 0;
}
