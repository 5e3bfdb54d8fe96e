// Rendering probe, loaded before the page's own script: on the chat page (the
// bench server adds it to web/index.html, see bench/lib/bench-server.js) and on
// the classic baseline page. It observes, it does not render:
//   * window.chat (the page's client) is hooked by a setter to know when the
//     chat is open, then the harness is told to start the burst;
//   * every animation frame it looks at the newest line of #messages until the
//     burst's last message is there;
//   * long frames: 'long-animation-frame' entries over 50 ms, and gaps between
//     requestAnimationFrame callbacks over 50 ms.
//   ?block=...&n=...&last=<text of the last message>&timeoutMs=...
import { params, report, fatal, deadline, nextEvent } from './common.js';

const last = params.get('last');
const timeoutMs = Number(params.get('timeoutMs') ?? 120_000);

const loaf = [];
if (PerformanceObserver.supportedEntryTypes?.includes('long-animation-frame')) {
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      // Where the frame's time went: scripts by what invoked them, and the
      // rendering at its end (style, layout, paint) from renderStart on.
      const end = entry.startTime + entry.duration;
      loaf.push({
        start: entry.startTime,
        duration: entry.duration,
        blocking: entry.blockingDuration,
        renderMs: entry.renderStart ? end - entry.renderStart : 0,
        scripts: entry.scripts.map((script) => ({ invoker: script.invoker, duration: script.duration })),
      });
    }
  }).observe({ type: 'long-animation-frame', buffered: true });
}

let chatSet;
const chatReady = new Promise((resolve) => { chatSet = resolve; });
let chatValue;
Object.defineProperty(window, 'chat', {
  configurable: true,
  enumerable: true,
  get: () => chatValue,
  set(value) {
    chatValue = value;
    chatSet(value);
  },
});

async function main() {
  if (!params.get('block')) return;
  const chat = await deadline(chatReady, 30_000, 'window.chat');
  if (chat.ready) await deadline(chat.ready, 20_000, 'the welcome');  // bench/plain-chat.js
  else if (chat.state !== 'open') await nextEvent(chat, 'open', 20_000);  // ChatClient
  const messages = document.getElementById('messages');
  const before = messages.childElementCount;
  const readyPerf = performance.now();
  await report({ type: 'ready', before });

  let previous = 0;
  let frames = 0;
  let longFrames = 0;
  let maxFrame = 0;
  let firstShownPerf = 0;
  let firstShownAt = 0;
  const shown = new Promise((resolve) => {
    const tick = (now) => {
      if (previous && firstShownPerf) {
        const delta = now - previous;
        frames++;
        if (delta > 50) longFrames++;
        if (delta > maxFrame) maxFrame = delta;
      }
      previous = now;
      const top = messages.firstElementChild;
      if (!firstShownPerf && messages.childElementCount > before) {
        firstShownPerf = now;
        firstShownAt = Date.now();
      }
      if (top && top.textContent.includes(last)) {
        resolve({ lastShownPerf: now, lastShownAt: Date.now() });
        return;
      }
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  const { lastShownPerf, lastShownAt } = await deadline(shown, timeoutMs,
    `the last message to be shown (${messages.childElementCount - before} lines so far)`);
  // The chat view builds the older of the lines it keeps in the frames after
  // the newest (web/chat-view.js): count them once the count holds for three
  // frames (2 s at most).
  const settleUntil = performance.now() + 2000;
  for (let same = 0, count = -1; same < 3 && performance.now() < settleUntil;) {
    await new Promise((resolve) => requestAnimationFrame(resolve));
    same = messages.childElementCount === count ? same + 1 : 0;
    count = messages.childElementCount;
  }
  // Long frames until then: those building the older lines count too.
  const settledPerf = performance.now();
  const inBurst = loaf.filter((entry) => entry.start + entry.duration >= readyPerf && entry.start <= settledPerf);
  await report({
    type: 'result',
    firstShownAt,
    lastShownAt,
    shownMs: lastShownPerf - firstShownPerf,
    frames,
    rafOver50: longFrames,
    rafMaxMs: maxFrame,
    loafSupported: PerformanceObserver.supportedEntryTypes?.includes('long-animation-frame') ?? false,
    loafOver50: inBurst.filter((entry) => entry.duration > 50).length,
    loafTotalMs: inBurst.reduce((sum, entry) => sum + entry.duration, 0),
    loafMaxMs: inBurst.reduce((max, entry) => Math.max(max, entry.duration), 0),
    loafCause: causeOf(inBurst.filter((entry) => entry.duration > 50)),
    lines: messages.childElementCount,
    nodes: messages.getElementsByTagName('*').length,
    documentNodes: document.getElementsByTagName('*').length,
  });
}

// The long frames' time, summed: rendering, and the three invokers whose
// scripts took most (e.g. "WebSocket.onmessage", "FrameRequestCallback").
function causeOf(entries) {
  const byInvoker = new Map();
  for (const entry of entries) {
    for (const { invoker, duration } of entry.scripts) {
      const name = invoker.replace(/^(https?:|blob:).*/, 'script');
      byInvoker.set(name, (byInvoker.get(name) ?? 0) + duration);
    }
  }
  const total = entries.reduce((sum, entry) => sum + entry.duration, 0);
  const render = entries.reduce((sum, entry) => sum + entry.renderMs, 0);
  const top = [...byInvoker].sort((a, b) => b[1] - a[1]).slice(0, 3);
  return [`${Math.round(total)} ms in all`, `rendering ${Math.round(render)} ms`,
    ...top.map(([name, ms]) => `${name} ${Math.round(ms)} ms`)].join(', ');
}

main().catch(fatal);
