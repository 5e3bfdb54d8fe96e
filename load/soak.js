// `npm run soak`: a long stream of messages through one page's wasm client,
// watching its memory.
//
//   node load/soak.js [--messages 1000000] [--samples 20] [--max-messages 200]
//                     [--window 4096] [--wasm-slack-pages 4] [--js-slack-mib 1]
//
// The chat server runs in this process (127.0.0.1, port 0, rate limit out of
// the way). One Chromium page opens the chat page (`/`) and only receives. An
// injector, a wasmchat.v1 `ws` client from load/generator.js, sends `batch`es
// of `say` envelopes as fast as the page consumes them: it never runs more
// than `window` messages ahead of what the page's `message` events have
// counted, so nothing piles up in the server, the sockets or the page.
//
// At `samples` evenly spaced counts the injector pauses, the page catches up
// and renders, and we sample: the wasm heap (memoryStats().wasmHeapBytes), the
// JS heap after a forced GC (CDP HeapProfiler.collectGarbage, then
// Runtime.getHeapUsage), and the message lines in #messages. Pass: every
// message arrived once and in order (seq + 1 each time), the DOM never held
// more than maxMessages lines, and neither heap grew in the second half of the
// samples beyond the first half's maximum plus a small slack.
import { pathToFileURL } from 'node:url';
import { WebSocket } from 'ws';
import { startServer } from '../server/app.js';
import { launchBrowser } from '../tests/browser/harness.js';
import { openChat, waitReady } from '../tests/browser/chat-page.js';
import { connectClient } from './generator.js';
import { sleep, withDeadline, mib, numericArgs } from './common.js';

const WASM_PAGE = 65536;

export const SOAK_DEFAULTS = Object.freeze({
  messages: 1_000_000,
  samples: 20,
  maxMessages: 200, // lines the page keeps in the DOM
  window: 4096, // messages the injector may be ahead of the page
  wasmSlackPages: 4, // allowed growth of the wasm heap in the second half, in 64 KiB pages
  jsSlackMiB: 1, // allowed growth of the JS heap (after GC) in the second half
  stallSeconds: 30, // no progress for this long fails the run
});

// Page side: counts message events and checks the seq goes up by one each time.
function installCounter() {
  const S = { count: 0, lastSeq: 0, duplicates: 0, gaps: 0, errors: [], closes: [] };
  window.__soak = S;
  window.chat.addEventListener('message', ({ detail }) => {
    if (detail.own) return;
    S.count++;
    if (S.lastSeq && detail.seq <= S.lastSeq) S.duplicates++;
    else if (S.lastSeq && detail.seq !== S.lastSeq + 1) S.gaps++;
    if (detail.seq > S.lastSeq) S.lastSeq = detail.seq;
  });
  window.chat.addEventListener('error', ({ detail }) => { if (S.errors.length < 20) S.errors.push(`${detail.code}: ${detail.message}`); });
  window.chat.addEventListener('close', ({ detail }) => S.closes.push(detail));
  return document.visibilityState;
}

// Page side: once the view has drawn (two animation frames; a timer if the
// page has none), what a sample needs from the page itself.
async function pageSample() {
  await Promise.race([
    new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))),
    new Promise((resolve) => setTimeout(resolve, 500)),
  ]);
  const { memoryStats } = await import('/dist/index.js');
  const S = window.__soak;
  return {
    count: S.count,
    wasmHeapBytes: memoryStats().wasmHeapBytes,
    domLines: document.getElementById('messages').childElementCount,
    outbox: window.chat.queued,
  };
}

/** Splits samples in halves: the second half must stay within the first half's max + slack. */
function grewInSecondHalf(values, slack) {
  const half = Math.floor(values.length / 2);
  const firstMax = Math.max(...values.slice(0, half));
  const secondMax = Math.max(...values.slice(half));
  return { firstMax, secondMax, slack, grew: secondMax > firstMax + slack };
}

/**
 * Runs the soak; resolves with the samples, the verdicts and `problems`
 * (empty = pass). `browser` (optional) is reused and left open.
 */
export async function runSoak(options = {}, { browser: givenBrowser = null, log = console.log } = {}) {
  const o = { ...SOAK_DEFAULTS, ...options };
  if (!(o.messages >= o.samples && o.samples >= 2)) throw new TypeError('need messages >= samples >= 2');
  const t0 = performance.now();
  const seconds = () => (performance.now() - t0) / 1000;
  const server = await startServer({ host: '127.0.0.1', port: 0, messagesPerSecond: 1_000_000_000 });
  const browser = givenBrowser ?? await launchBrowser();
  let injector = null;
  let chat = null;
  try {
    chat = await openChat(browser, server.url, { nickname: 'soak', maxMessages: o.maxMessages });
    const { page } = chat;
    await waitReady(page, 'soak');
    await page.evaluate(installCounter);
    // The JS heap after a GC comes from the DevTools protocol: Chromium only.
    // Elsewhere it is not sampled (and not judged); the wasm heap always is.
    const cdp = browser.engine === 'chromium' ? await page.raw.context().newCDPSession(page.raw) : null;

    // The injector: acks and errors counted; its own broadcasts ignored.
    let acked = 0;
    const errors = new Map();
    const { ws } = await connectClient(`ws://127.0.0.1:${server.port}/ws`, {
      onFrame: (text) => {
        if (text.startsWith('{"type":"ack"')) acked++;
        else if (text.startsWith('{"type":"error"')) {
          const code = JSON.parse(text).code;
          errors.set(code, (errors.get(code) ?? 0) + 1);
        }
      },
    });
    injector = ws;
    let injected = 0;
    // Up to `target`, in batches of 256 (the protocol's maximum), and never
    // more than 1 MiB waiting in the injector's own socket.
    const injectTo = (target) => {
      while (injected < target && ws.bufferedAmount < 1 << 20) {
        const n = Math.min(256, target - injected);
        const items = [];
        for (let i = 0; i < n; i++) items.push(`{"type":"say","id":"s${injected + i}","text":"soak ${injected + i}"}`);
        ws.send(`{"type":"batch","items":[${items.join(',')}]}`);
        injected += n;
      }
    };

    const samples = [];
    const takeSample = async () => {
      const fromPage = await withDeadline(page.evaluate(pageSample), 10_000, 'page sample');
      await cdp?.send('HeapProfiler.collectGarbage');
      const usedSize = cdp ? (await cdp.send('Runtime.getHeapUsage')).usedSize : 0;
      const sample = { ...fromPage, jsHeapBytes: usedSize, seconds: seconds() };
      samples.push(sample);
      log(`  ${String(sample.count).padStart(9)} messages  wasm heap ${String(sample.wasmHeapBytes).padStart(9)} B ` +
        `(${sample.wasmHeapBytes / WASM_PAGE} pages)  JS heap after GC ${String(sample.jsHeapBytes).padStart(9)} B  ` +
        `DOM ${String(sample.domLines).padStart(4)} lines  ${sample.seconds.toFixed(1)} s`);
      return sample;
    };

    log(`wasmchat soak: ${o.messages} messages through one page, sampled ${o.samples} times ` +
      `(maxMessages ${o.maxMessages}, injector window ${o.window})`);
    const baseline = await takeSample();
    const sendStarted = performance.now();
    let count = 0;
    for (let k = 1; k <= o.samples; k++) {
      const checkpoint = Math.round((k * o.messages) / o.samples);
      let lastProgress = performance.now();
      while (count < checkpoint) {
        injectTo(Math.min(checkpoint, count + o.window));
        await sleep(injected - count >= o.window || injected >= checkpoint ? 10 : 0);
        const now = await withDeadline(page.evaluate(() => window.__soak.count), 10_000, 'reading the page count');
        if (now > count) lastProgress = performance.now();
        count = now;
        if (performance.now() - lastProgress > o.stallSeconds * 1000) {
          throw new Error(`no progress for ${o.stallSeconds} s at ${count} messages (injected ${injected}, acked ${acked})`);
        }
        if (ws.readyState !== WebSocket.OPEN) throw new Error(`the injector's connection closed at ${injected}`);
      }
      await takeSample();
    }
    const sendSeconds = (performance.now() - sendStarted) / 1000;
    const final = await page.evaluate(() => {
      const { count: n, lastSeq, duplicates, gaps, errors: e, closes } = window.__soak;
      return { count: n, lastSeq, duplicates, gaps, errors: e, closes };
    });

    const measured = samples.slice(1); // the baseline is before any message
    const wasm = grewInSecondHalf(measured.map((s) => s.wasmHeapBytes), o.wasmSlackPages * WASM_PAGE);
    const js = grewInSecondHalf(measured.map((s) => s.jsHeapBytes), o.jsSlackMiB * 1048576);
    const maxDom = Math.max(...samples.map((s) => s.domLines));
    const problems = [];
    if (final.count !== o.messages) problems.push(`the page counted ${final.count} messages, expected ${o.messages}`);
    if (final.duplicates || final.gaps) problems.push(`seq went backwards ${final.duplicates}x and jumped ${final.gaps}x`);
    if (final.closes.length) problems.push(`the page's connection closed ${final.closes.length}x: ${JSON.stringify(final.closes.slice(0, 3))}`);
    if (final.errors.length) problems.push(`the page reported errors: ${JSON.stringify(final.errors.slice(0, 5))}`);
    if (errors.size) problems.push(`the injector got errors: ${JSON.stringify(Object.fromEntries(errors))}`);
    if (wasm.grew) problems.push(`wasm heap grew: ${wasm.secondMax} B in the second half > ${wasm.firstMax} B + ${wasm.slack} B`);
    if (js.grew) problems.push(`JS heap grew: ${js.secondMax} B in the second half > ${js.firstMax} B + ${js.slack} B`);
    if (maxDom > o.maxMessages) problems.push(`${maxDom} lines in #messages > maxMessages ${o.maxMessages}`);
    if (chat.problems.pageErrors.length || chat.problems.consoleErrors.length) problems.push(`page: ${JSON.stringify(chat.problems)}`);

    const result = {
      options: o,
      received: final.count,
      duplicates: final.duplicates,
      gaps: final.gaps,
      acked,
      samples,
      baseline,
      wasm,
      js,
      maxDom,
      messagesPerSecond: o.messages / sendSeconds,
      seconds: seconds(),
      problems,
    };
    log(`  received ${final.count} of ${o.messages} (seq +1 each time: duplicates ${final.duplicates}, gaps ${final.gaps}; ` +
      `injector acks ${acked}), ` +
      `${Math.round(result.messagesPerSecond)} messages/s, ${result.seconds.toFixed(1)} s in all`);
    log(`  wasm heap: first half max ${wasm.firstMax} B (${mib(wasm.firstMax)}), second half max ${wasm.secondMax} B ` +
      `(slack ${o.wasmSlackPages} pages) -> ${wasm.grew ? 'GREW' : 'flat'}`);
    log(`  JS heap:   first half max ${js.firstMax} B (${mib(js.firstMax)}), second half max ${js.secondMax} B ` +
      `(slack ${o.jsSlackMiB} MiB) -> ${js.grew ? 'GREW' : 'flat'}`);
    log(`  DOM:       at most ${maxDom} lines (maxMessages ${o.maxMessages})`);
    log(`  verdict:   ${problems.length ? `FAIL\n    ${problems.join('\n    ')}` : 'PASS'}`);
    return result;
  } finally {
    injector?.terminate();
    await chat?.page.close().catch(() => {});
    if (!givenBrowser) await browser.close().catch(() => {});
    await server.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = numericArgs({
    messages: SOAK_DEFAULTS.messages, samples: SOAK_DEFAULTS.samples, 'max-messages': SOAK_DEFAULTS.maxMessages,
    window: SOAK_DEFAULTS.window, 'wasm-slack-pages': SOAK_DEFAULTS.wasmSlackPages, 'js-slack-mib': SOAK_DEFAULTS.jsSlackMiB,
    'stall-seconds': SOAK_DEFAULTS.stallSeconds,
  });
  const result = await runSoak({
    messages: args.messages, samples: args.samples, maxMessages: args['max-messages'], window: args.window,
    wasmSlackPages: args['wasm-slack-pages'], jsSlackMiB: args['js-slack-mib'], stallSeconds: args['stall-seconds'],
  }).catch((error) => {
    console.error(`wasmchat soak: ${error.stack ?? error}`);
    process.exit(2);
  });
  process.exitCode = result.problems.length ? 1 : 0;
}
