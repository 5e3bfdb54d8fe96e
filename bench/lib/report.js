// Turns the results into the stdout table, docs/benchmarks.md and the SVG chart.
import { readFileSync } from 'node:fs';
import {
  isNum, int, sig, ms, bytes, x, range, ratioText, sizeLabel, textTable, markdownTable,
} from './format.js';

const ECHO_LABELS = { native: 'native WebSocket', nativeAgain: 'native WebSocket again (A/A)', wasm: 'WasmWebSocket', cpp: 'C++ loop' };
const CHAT_LABELS = {
  plain: 'plain JS (native WebSocket + JSON)',
  plainAgain: 'plain JS again (A/A control)',
  wasm: 'createChatClient (wasm), server not coalescing',
  wasmCoalesce: 'createChatClient (wasm), server coalescing',
  wasmLargeOutbox: 'createChatClient, server coalescing, outbox never full (diagnostic)',
};
const LATENCY_CHAT_LABELS = { plain: CHAT_LABELS.plain, wasm: 'createChatClient (wasm)' };
const RENDER_LABELS = { plain: 'classic page (prepend + textContent)', wasm: 'chat page (/)' };
// Variants of bench/benchmarks/open.js; one not listed here is shown by its key.
const OPEN_LABELS = {
  native: 'native `new WebSocket` page',
  page: 'chat page (`/`)',
  single: 'single-file embed',
  bare: 'bare `WasmWebSocket` page',
  websocket: 'bare `WasmWebSocket` page (`wasmchat/websocket`)',
};
const openLabel = (variant) => (OPEN_LABELS[variant] ?? variant).replace(/`/g, '');
const openVariants = (open) => Object.keys(open.runs);

// Issue 10 item 5's targets. A target row says what is asked and whether the
// medians of this run meet it.
const atLeast = (limit) => ({ text: `≥ ${limit.toFixed(2)}×`, met: (r) => r >= limit });
const atMost = (limit) => ({ text: `≤ ${limit.toFixed(2)}×`, met: (r) => r <= limit });
const TARGETS = {
  echoWasm: atLeast(0.95),
  latencyP50: atMost(1.05),
  latencyP99: atMost(1.2),
  chat: atLeast(1.0),
  chatCoalesce: atLeast(2.0),
  chatLatencyP50: atMost(1.1),
  chatLatencyP99: atMost(1.2),
  open: atMost(1.1),
  renderLongFrames: { text: '0 frames', met: (value) => value === 0 },
  websocketBytes: { text: '≤ 15 kB', met: (value) => value <= 15_000 },
  chatBytes: { text: '≤ 40 kB', met: (value) => value <= 40_000 },
};
const metText = (target, value) => (isNum(value) ? (target.met(value) ? 'met' : 'not met') : 'not met (no number)');

const configLabel = (c) => `${sizeLabel(c.size)} ${c.type}`;

// --- Tables (arrays of rows; the first row is the header) ---------------------------

export function tables(results) {
  const out = [];
  const { echo, latency, chat, chatLatency, render, open, sizes, heap } = results;
  if (echo?.results?.length) {
    out.push({
      id: 'echo-msgs',
      title: `1. Transport echo throughput, messages/s (${results.options.echo.inFlight} in flight; median [min–max]; ×native = ratio of medians [range of per-repetition ratios])`,
      rows: [
        ['message', 'native msgs/s', 'native again (A/A) ×native', 'WasmWebSocket msgs/s', '×native', 'C++ loop msgs/s', '×native'],
        ...echo.results.map((c) => [
          configLabel(c),
          range(c.stats.native.msgsPerSec, int), ratioText(c.stats.nativeAgain?.vsNative),
          range(c.stats.wasm.msgsPerSec, int), ratioText(c.stats.wasm.vsNative),
          range(c.stats.cpp.msgsPerSec, int), ratioText(c.stats.cpp.vsNative),
        ]),
      ],
    });
    out.push({
      id: 'echo-mb',
      title: '1. Transport echo throughput, MB/s of payload echoed (10^6 bytes, one direction)',
      rows: [
        ['message', 'native MB/s', 'WasmWebSocket MB/s', 'C++ loop MB/s', 'messages per run'],
        ...echo.results.map((c) => [
          configLabel(c),
          range(c.stats.native.mbPerSec), range(c.stats.wasm.mbPerSec), range(c.stats.cpp.mbPerSec), int(c.total),
        ]),
      ],
    });
  }
  if (latency?.stats) {
    const s = latency.stats;
    out.push({
      id: 'latency',
      title: `2. Round-trip latency, ${latency.size} B text, one in flight, ${int(latency.count)} round trips per run (ms; median over runs [min–max]; ×native: higher is slower)`,
      rows: [
        ['transport', 'p50', 'p90', 'p99', 'mean', 'p50 ×native', 'p99 ×native'],
        ...['native', 'nativeAgain', 'wasm', 'cpp'].filter((impl) => s[impl]).map((impl) => [
          impl === 'cpp' ? 'C++ loop (mean only)' : ECHO_LABELS[impl],
          range(s[impl]?.p50), range(s[impl]?.p90), range(s[impl]?.p99), range(s[impl]?.mean),
          impl === 'cpp' ? `mean ${ratioText(s[impl]?.mean?.vsNative)}` : ratioText(s[impl]?.p50?.vsNative),
          impl === 'cpp' ? '' : ratioText(s[impl]?.p99?.vsNative),
        ]),
      ],
    });
  }
  if (chat?.stats) {
    out.push({
      id: 'chat',
      title: `3. Chat end to end: ${int(chat.n)} messages from one page to another through the chat server (messages/s; ×plain: higher is better)`,
      rows: [
        ['client', 'msgs/s', '×plain', 'time per run'],
        ...Object.keys(chat.runs).map((impl) => [
          CHAT_LABELS[impl], range(chat.stats[impl].msgsPerSec, int), ratioText(chat.stats[impl].vsPlain),
          chat.runs[impl].map((r) => (r ? `${int(r.ms)} ms` : 'failed')).join(', '),
        ]),
      ],
    });
  }
  if (chatLatency?.cases?.length) {
    out.push({
      id: 'chatLatency',
      title: `3b. Chat latency under load: each sender connection sends ${chatLatency.sendRate}/s for ${int(chatLatency.durationMs)} ms; send() to shown on another page (ms; ×plain: lower is better)`,
      rows: [
        ['senders', 'server limit', 'client', 'p50', '×plain', 'p99', '×plain'],
        ...chatLatency.cases.flatMap((c) => Object.keys(c.runs).map((impl) => [
          int(c.senders), c.paced === false ? 'off (unpaced)' : `${c.serverRate ?? chatLatency.serverRate}/s`,
          LATENCY_CHAT_LABELS[impl], range(c.stats[impl].p50, ms), ratioText(c.stats[impl].p50VsPlain),
          range(c.stats[impl].p99, ms), ratioText(c.stats[impl].p99VsPlain),
        ])),
      ],
    });
  }
  if (render?.stats) {
    const s = render.stats;
    out.push({
      id: 'render',
      title: `4. Rendering a burst of ${int(render.n)} incoming messages (median [min–max]; ×classic: higher is slower)`,
      rows: [
        ['page', 'last one shown after', '×classic', 'server had broadcast all after', 'LoAF > 50 ms', 'rAF gaps > 50 ms', 'longest rAF gap', 'lines kept', 'nodes in #messages'],
        ...['plain', 'wasm'].map((impl) => [
          RENDER_LABELS[impl], range(s[impl].ms, ms), ratioText(s[impl].ms.vsPlain), range(s[impl].serverDoneMs, ms),
          range(s[impl].loafOver50, int), range(s[impl].rafOver50, int), range(s[impl].rafMaxMs, ms),
          int(render.runs[impl].find(Boolean)?.lines), range(s[impl].nodes, int),
        ]),
      ],
    });
  }
  if (open?.stats) {
    const s = open.stats;
    out.push({
      id: 'open',
      title: `5. Time to open, fresh browser context (no HTTP cache), ${open.samples} samples each (ms; median [min–max]; ×native: higher is slower)`,
      rows: [
        ['page', 'navigation start → open', '×native', 'document received → open', '×native', 'navigation start → socket created', 'requests', 'bytes transferred'],
        ...openVariants(open).map((variant) => {
          const first = open.runs[variant].find(Boolean);
          return [
            openLabel(variant),
            range(s[variant].navToOpenMs), ratioText(s[variant].navToOpenMs.vsNative),
            range(s[variant].docToOpenMs), ratioText(s[variant].docToOpenMs.vsNative),
            s[variant].navToSocketMs ? range(s[variant].navToSocketMs) : '',
            int(first?.requests), bytes(first?.transferBytes),
          ];
        }),
        ...(s.nativeWelcome ? [['(native page, until its first frame: the welcome)', range(s.nativeWelcome.navToWelcomeMs),
          ratioText(s.nativeWelcome.navToWelcomeMs.vsNative), '', '', '', '', '']] : []),
      ],
    });
  }
  if (sizes?.builds) {
    out.push({
      id: 'sizes',
      title: '6. Bytes to start a chat (gzip -9 of each file, summed; reference libraries: min+gzip as quoted in the issue)',
      rows: [
        ['what', 'files', 'raw', 'gzip -9'],
        ...sizes.builds.map((b) => [b.name, b.files.map((f) => f.file).join(' + '), bytes(b.bytes), bytes(b.gzipBytes)]),
        ...(sizes.wasm ? [[sizes.wasm.name, sizes.wasm.files.map((f) => f.file).join(' + '), bytes(sizes.wasm.bytes), bytes(sizes.wasm.gzipBytes)]] : []),
        ...sizes.references.map((r) => [`reference: ${r.name}`, '(from the issue, not measured)', '', `${(r.gzipBytes / 1000).toFixed(1)} kB`]),
      ],
    });
  }
  if (results.core?.callgrind) {
    const { callgrind } = results.core;
    out.push({
      id: 'core-callgrind',
      title: '8. Instructions per message, native core (callgrind; before: main at b15b5c7, bench/core-figures.md)',
      rows: [
        ['message', 'before', 'this build', '×before'],
        ['decoded `message` frame', int(callgrind.before.decode), int(callgrind.decode), x(callgrind.decode / callgrind.before.decode)],
        ['encoded `say` frame', int(callgrind.before.encode), int(callgrind.encode), x(callgrind.encode / callgrind.before.encode)],
      ],
    });
  }
  for (const module of results.core?.modules ?? []) {
    out.push({
      id: `core-${module.id}`,
      title: `8. Code bytes by component: ${module.label}, wasm-profile build (${int(module.totalBytes)} B file, code section ${int(module.codeBytes)} B, ${int(module.functionCount)} functions)`,
      rows: [
        ['component', 'functions', 'code bytes', 'share of code'],
        ...module.components.map((c) => [c.label, int(c.count), int(c.bytes), `${((100 * c.bytes) / module.codeBytes).toFixed(1)}%`]),
      ],
    });
  }
  if (heap?.checkpoints) {
    out.push({
      id: 'heap',
      title: `7. Wasm heap of one chat client receiving ${int(Math.max(...heap.checkpoints.map((c) => c.messages)))} messages (${int(heap.msgsPerSec)} msgs/s overall)`,
      rows: [
        ['after messages', 'wasm heap (HEAPU8.length)', 'JS heap (usedJSHeapSize, approx.)'],
        ['0 (open)', bytes(heap.initial.heapBytes), bytes(heap.initial.jsHeapBytes)],
        ...heap.checkpoints.map((c) => [int(c.messages), bytes(c.heapBytes), bytes(c.jsHeapBytes)]),
      ],
    });
  }
  return out;
}

/**
 * One row per headline comparison: what, baseline, ours, ratio, which way is
 * better, and for issue 10's targets the target and whether it is met.
 */
export function summaryTable(results) {
  const rows = [['measure', 'baseline', 'ours', 'ours ÷ baseline', 'better', 'target', 'met']];
  // target: compared with the ratio of medians, or with `value` when given (absolute targets).
  const add = (measure, baseline, ours, r, better, target = null, value = r?.ratio) => {
    rows.push([measure, baseline, ours, typeof r === 'string' ? r : ratioText(r), better, target?.text ?? '', target ? metText(target, value) : '']);
  };
  const { echo, latency, chat, chatLatency, render, open, sizes, core, heap } = results;
  for (const c of echo?.results ?? []) {
    add(`echo ${configLabel(c)} msgs/s, WasmWebSocket`, int(c.stats.native.msgsPerSec.median), int(c.stats.wasm.msgsPerSec.median),
      c.stats.wasm.vsNative, 'higher', TARGETS.echoWasm);
    add(`echo ${configLabel(c)} msgs/s, C++ loop`, int(c.stats.native.msgsPerSec.median), int(c.stats.cpp.msgsPerSec.median),
      c.stats.cpp.vsNative, 'higher');
  }
  // A/A: the ratio farthest from 1 over the sizes and types is the echo rows' noise floor.
  const aa = (echo?.results ?? []).filter((c) => isNum(c.stats.nativeAgain?.vsNative?.ratio));
  if (aa.length) {
    const worst = aa.reduce((a, b) => (Math.abs(Math.log(b.stats.nativeAgain.vsNative.ratio)) > Math.abs(Math.log(a.stats.nativeAgain.vsNative.ratio)) ? b : a));
    add(`A/A control: echo msgs/s, native vs native again (farthest from 1 of ${aa.length}: ${configLabel(worst)})`,
      int(worst.stats.native.msgsPerSec.median), int(worst.stats.nativeAgain.msgsPerSec.median), worst.stats.nativeAgain.vsNative, 'noise');
  }
  if (latency?.stats?.wasm) {
    const s = latency.stats;
    for (const key of ['p50', 'p90', 'p99']) {
      add(`latency ${key}, WasmWebSocket`, ms(s.native[key]?.median), ms(s.wasm[key]?.median), s.wasm[key]?.vsNative, 'lower',
        { p50: TARGETS.latencyP50, p99: TARGETS.latencyP99 }[key]);
    }
    if (s.nativeAgain?.p99) {
      add('A/A control: latency p99, native vs native again', ms(s.native.p99?.median), ms(s.nativeAgain.p99.median), s.nativeAgain.p99.vsNative, 'noise');
    }
    add('latency mean, C++ loop', ms(s.native.mean?.median), ms(s.cpp?.mean?.median), s.cpp?.mean?.vsNative, 'lower');
  }
  if (chat?.stats) {
    const plain = int(chat.stats.plain.msgsPerSec.median);
    const variant = (key, measure, target) => {
      if (chat.stats[key]) add(measure, plain, int(chat.stats[key].msgsPerSec.median), chat.stats[key].vsPlain, 'higher', target);
    };
    variant('wasm', 'chat end to end msgs/s, createChatClient vs plain JS (server not coalescing)', TARGETS.chat);
    variant('wasmCoalesce', 'chat burst msgs/s, server coalescing: createChatClient vs plain JS', TARGETS.chatCoalesce);
    variant('wasmLargeOutbox', '  same, outbox never full (diagnostic)');
    if (chat.stats.plainAgain) {
      add('A/A control: chat end to end msgs/s, plain JS vs plain JS again', plain, int(chat.stats.plainAgain.msgsPerSec.median),
        chat.stats.plainAgain.vsPlain, 'noise');
    }
  }
  for (const c of chatLatency?.cases ?? []) {
    const paced = c.paced !== false;
    for (const key of ['p50', 'p99']) {
      add(`chat latency ${key}, ${c.senders} senders ${paced ? 'paced' : 'unpaced (diagnostic)'}, createChatClient vs plain JS`,
        ms(c.stats.plain[key].median), ms(c.stats.wasm[key].median), c.stats.wasm[`${key}VsPlain`], 'lower',
        paced ? { p50: TARGETS.chatLatencyP50, p99: TARGETS.chatLatencyP99 }[key] : null);
    }
  }
  if (render?.stats) {
    const r = render.stats;
    add(`render ${int(render.n)}: last shown, chat page vs classic`, ms(r.plain.ms.median), ms(r.wasm.ms.median), r.wasm.ms.vsPlain, 'lower');
    add(`render ${int(render.n)}: long animation frames > 50 ms`, int(r.plain.loafOver50.median), int(r.wasm.loafOver50.median),
      r.wasm.loafOver50.vsPlain, 'lower', TARGETS.renderLongFrames, r.wasm.loafOver50.median);
    add('render: elements in #messages', int(r.plain.nodes.median), int(r.wasm.nodes.median), r.wasm.nodes.vsPlain, 'lower');
  }
  if (open?.stats) {
    for (const variant of openVariants(open).filter((v) => v !== 'native')) {
      add(`time to open (navigation → open), ${openLabel(variant)}`, ms(open.stats.native.navToOpenMs.median),
        ms(open.stats[variant].navToOpenMs.median), open.stats[variant].navToOpenMs.vsNative, 'lower', TARGETS.open);
    }
    if (!openVariants(open).some((v) => v === 'bare' || v === 'websocket')) {
      add('time to open (navigation → open), bare WasmWebSocket page', '', '–', 'not measured (no such page in open.js)', 'lower', TARGETS.open, NaN);
    }
  }
  if (sizes?.builds) {
    const build = (id) => sizes.builds.find((b) => b.id === id);
    const websocket = build('websocket');
    add('bytes, gzip -9: a page that imports only WasmWebSocket (wasmchat/websocket + wasm)', '', websocket ? bytes(websocket.gzipBytes) : '–',
      websocket ? '' : 'no wasmchat/websocket entry in package.json', 'lower', TARGETS.websocketBytes, websocket?.gzipBytes ?? NaN);
    const chatBuild = build('package');
    if (chatBuild) add('bytes, gzip -9: the full chat client (package entry JS + wasm)', '', bytes(chatBuild.gzipBytes), '', 'lower', TARGETS.chatBytes, chatBuild.gzipBytes);
  }
  if (core?.callgrind) {
    const { callgrind } = core;
    add('instructions per decoded `message` frame (callgrind; baseline: main at b15b5c7)', int(callgrind.before.decode), int(callgrind.decode),
      x(callgrind.decode / callgrind.before.decode), 'lower');
    add('instructions per encoded `say` frame (callgrind; baseline: main at b15b5c7)', int(callgrind.before.encode), int(callgrind.encode),
      x(callgrind.encode / callgrind.before.encode), 'lower');
  }
  if (heap?.checkpoints?.length) {
    const first = heap.checkpoints[0];
    const last = heap.checkpoints[heap.checkpoints.length - 1];
    add(`wasm heap after ${int(last.messages)} vs after ${int(first.messages)} messages`, bytes(first.heapBytes), bytes(last.heapBytes),
      x(last.heapBytes / first.heapBytes), 'lower');
  }
  return rows;
}

/** "N of M targets met" over the summary's target rows. */
export function targetTally(rows) {
  const targetRows = rows.slice(1).filter((row) => row[5]);
  const met = targetRows.filter((row) => row[6] === 'met').length;
  return `${met} of ${targetRows.length} targets met (issue 10 item 5; met = the ratio of the medians, or the value, is within the target).`;
}

export function stdoutReport(results) {
  const summary = summaryTable(results);
  const parts = [`\nSummary (ratios to the baseline; median over ${results.options.reps} interleaved repetition(s))\n${textTable(summary)}\n${targetTally(summary)}`];
  for (const table of tables(results)) parts.push(`\n${table.title}\n${textTable(table.rows)}`);
  if (results.errors.length) parts.push(`\nFAILED (${results.errors.length}):\n${results.errors.map((e) => `  - ${e}`).join('\n')}`);
  return parts.join('\n');
}

// --- Markdown ---------------------------------------------------------------------------

const METHODS = {
  common: `All servers listen on 127.0.0.1. Pages that move many frames (benchmarks 1–4 and 7) run in
Chromium started as a plain process (\`/usr/bin/chromium --headless --no-sandbox --disable-gpu
--disable-background-networking --disable-component-update --disable-sync --no-first-run
--user-data-dir=<fresh temporary directory> <url>\`), not through Playwright: with DevTools attached
Chromium reports every WebSocket frame to the driver (in a check while this harness was built,
a Playwright-driven page echoed 16-byte messages at about 40% of the plain-process rate, and
the difference between the transports disappeared in that overhead). Pages post their results to the harness's HTTP server (\`POST /report/<block>\`);
the harness waits for them with a deadline and kills Chromium's process group afterwards. Every
paired measurement is interleaved (repetition 1: baseline, ours; repetition 2: baseline, ours; ...).
"median [min–max]" is over the repetitions; "×native" is the ratio of the medians, and the bracket
after it the range of the per-repetition ratios (repetition i of ours over repetition i of the
baseline, which ran right before it). Anything else running on the machine shows up as spread
between repetitions; the load-average row above says how busy the machine was during the run.`,
  echo: `A \`ws\` echo server in the harness process (perMessageDeflate off, every message sent back with
its own frame type). One Chromium per message size/type. The page keeps 64 messages in flight:
on \`open\` it sends 64, and sends one more for every message that comes back, until the total
came back; the time is from \`open\` to the last message back. The JS loop is the same function
for the browser's \`WebSocket\` and for \`WasmWebSocket\` (only the constructor differs;
\`binaryType = 'arraybuffer'\`; text payloads are \`'x'.repeat(size)\`, binary ones an ArrayBuffer
of that size). The C++ loop is \`bench/transport_echo.cpp\` (\`run_echo\` through \`Module.ccall\`,
no JS per message beyond Emscripten's glue), same payload, same in-flight count, timed the same
way. Message counts: per size/type, the native loop runs twice with a fixed count (the first
run only warms up), and the second picks the count that takes about ${'${targetMs}'} ms natively;
then one unrecorded warm-up run per transport (a tenth of that count), then the interleaved
repetitions, all with the same count. The echo server shares the machine with Chromium: on a
2-core machine, the server, the browser's network service and the page's main thread take
turns, so these numbers measure the whole loop, not the client alone. "native again" is the A/A
control: the browser's WebSocket run a second time in every repetition, right after the first,
as if it were ours; its ratio to native is what noise alone does to a ratio here.`,
  latency: `Same page and echo server. One 32-byte text message in flight: send, wait for it to come back,
send the next; every round trip is timed with \`performance.now()\` and the page reports p50, p90,
p99 (nearest rank) and the mean per run. The C++ loop (\`run_echo\` with 1 in flight) has one timer
around the whole run, so only its mean is known. "native again" is the A/A control, as in 1. The page is served cross-origin isolated
(COOP/COEP headers), so \`performance.now()\` resolves 5 µs rather than 100 µs.`,
  chat: `A fresh chat server (\`startServer\`, \`messagesPerSecond: 1e9\` so the rate limit is off) per run,
two pages (receiver and sender) in two Chromium processes; once both had their \`welcome\`, the
harness tells the sender to go. The sender sends N messages
(\`message 0000123 from the sender\`, 30 characters) as fast as its API accepts them:
*createChatClient*: \`send()\` until it returns \`{ ok: false, reason: 'outbox_full' }\` (the
outbox holds up to 10,000 messages, by default, queued or awaiting their ack), then waits for a \`drain\` event
or for one of its own messages to become \`delivered\`, and continues (a microtask later);
*plain client* (\`bench/plain-chat.js\`: offers \`wasmchat.v1\`, waits for the welcome,
\`JSON.stringify\`s \`say\` envelopes with ids, \`JSON.parse\`s every frame and counts \`message\`
envelopes): sends while \`bufferedAmount < 64 KiB\`, else looks again 2 ms later. It keeps no
outbox and does not wait for acks. The time runs from the sender's first \`send\` to the
receiver's Nth message (\`Date.now()\` in both pages, same machine clock); msgs/s = N / time.
Both receivers count only other people's messages; the chat server also sends the sender an
\`ack\` and its own broadcast for every message. A third, diagnostic variant runs createChatClient
with \`maxOutboxMessages\` (and \`maxOutboxBytes\`) large enough that \`send()\` never refuses:
the difference to the default shows what waiting on the outbox bound costs.
Variants, interleaved in this order in every repetition: plain JS; plain JS again (the A/A
control); createChatClient against a server started with \`coalesce: false\` (its welcome does
not offer \`coalesce\`: one frame per envelope, like the plain client gets; the "end to end"
target); createChatClient against the default server, which coalesces (what waits for a client
in one turn of the server's event loop goes out as one \`batch\` frame with a cumulative ack; the
"burst" target); the diagnostic, also coalescing. The plain client never asks for batches, so
its runs are the same with either server.`,
  chatLatency: `A fresh chat server per run (\`startServer\` with \`messagesPerSecond\` = the rate, 20 by
default; for the unpaced cases 1e9, so that neither the server's bucket nor createChatClient's
pacer, which keeps to the welcome's limit, takes part, at the same send rate); two pages in two Chromium processes. The sender
page opens N connections of one client (createChatClient, or \`bench/plain-chat.js\`), each sending
one message every 1/(0.8 × rate) s (the pace createChatClient keeps to, so the server refuses
nothing), their timers spread over one interval; each text carries its send time
(\`performance.timeOrigin + performance.now()\`); a late timer does not catch up (two sends of
a connection are at least one interval apart). The plain client sends a \`say\` refused with
\`rate_limited\` again 100 ms later (same id and text: a stalled server's bucket holds only one
second of tokens when the backlog arrives), so it loses nothing and the retry counts in its
latency. The receiver page shows every message of the
others (one \`<li>\` appended) and notes the time from send() to that point on the same clock.
p50/p99 are nearest rank over all messages of a run.`,
  render: `A fresh chat server per run (no slow-consumer bound: the classic page cannot reconnect); one page: the chat page (\`web/index.html\` and \`page.js\` served by
the bench server with the same static handler as \`startServer\`, so that a probe script can be
added before \`page.js\`; its WebSocket goes to the chat server's \`/ws\` via \`?server=\`), or the
classic page (\`bench/pages/classic.html\`, same stylesheet but without \`content-visibility\`, which slows its 50,000 lines down: the browser's WebSocket through
\`bench/plain-chat.js\`, one \`<div>\` per message prepended, text set with \`textContent\`). Once
the page's chat is open, a \`ws\` client in the harness sends the burst of N \`say\` envelopes as
fast as the server takes them. The probe (\`bench/pages/chat-probe.js\`) only observes: on every
animation frame it checks whether the newest line of \`#messages\` is the last message of the
burst; "last one shown after" is from the injector's first send to that frame (\`Date.now()\`).
The raw numbers also give when the injector had all its acks (the server had written every
broadcast): when that is close to "last shown", the server, not the page, set the pace.
Long frames: \`long-animation-frame\` entries over 50 ms (PerformanceObserver) between the
chat opening and the end (the last message shown, then until the count of lines held for three
frames: the chat view builds at most 100 lines per frame, newest first, and the older ones it
keeps in the frames after), and gaps over 50 ms between consecutive
\`requestAnimationFrame\` callbacks after the first message appeared; "LoAF>50 time" in the raw numbers
splits the long frames' time into rendering (from \`renderStart\`) and the scripts by invoker. "lines kept" and "nodes
in #messages" are \`#messages\`' child elements and all its descendant elements at that end.`,
  open: `Playwright (a handful of frames per sample, so DevTools does not matter here), one browser,
a new browser context (empty HTTP cache, no compiled-code cache) per sample, samples
interleaved native, page, single. An init script records \`performance.now()\` at \`open\`: for
the chat page through a setter on \`window.chat\` (the page assigns it before the socket can
open) and the ChatClient's \`open\` event, which needs the server's \`welcome\`; for the native page
\`WebSocket.onopen\`; for the embed the \`<wasm-chat>\` element's \`open\` event. "navigation start
→ open" is that time (the page's time origin is navigation start); "document received →
open" subtracts the navigation entry's \`responseEnd\`, i.e. it starts when the page's scripts
can start. The chat client's \`open\` comes after the server's \`welcome\` (one more frame than a
bare WebSocket's \`open\`), so the table also gives the native page's time to its first frame,
which is that welcome. "navigation start → socket created" is when the page called the
engine's \`WebSocket\` constructor (the init script wraps it; our glue takes the global when
it loads): what comes before it is loading the page and, for ours, the module (and the chat's
outbox store); what comes after it is the handshake (and the welcome). One unrecorded round warms the browser process first. Servers are Node on
loopback without compression; "bytes transferred" sums Resource Timing's \`transferSize\`.`,
  core: `Measured in this run on this checkout, outside the browser. Instructions per message:
\`scripts/protocol-callgrind.sh\` (\`npm run bench:callgrind\`) builds \`bench/protocol_callgrind.cpp\`
natively (g++ -O2, the \`native-release\` preset) and runs it under \`valgrind --tool=callgrind\`,
decoding n \`message\` frames or encoding n \`say\` frames; the figure is
(Ir(n = 11,000) − Ir(n = 1,000)) / 10,000. A count, not a time: the machine's load does not move
it. "Before" is main at b15b5c7 (see the fixed figures below). Code bytes by component:
\`bash scripts/build.sh wasm-profile\` (the release build linked with \`--profiling-funcs\`), then
\`scripts/wasm-components.mjs\` sums each function body of the code section into the component
its name belongs to (with LTO, a function includes what was inlined into it).`,
  sizes: `Read from the built files: each file's gzip -9 size (Node's zlib, level 9), summed over the
files a page fetches. Module graphs are followed from the built JS (relative imports and
\`new URL('….wasm', import.meta.url)\`). Reference libraries are the min+gzip sizes quoted in the
performance issue, not downloaded or measured here. For scale, \`scripts/check-size.mjs\` notes
the issue's targets: transport ≤ 12 kB, full chat ≤ 40 kB.`,
  heap: `A fresh chat server; one page with one \`createChatClient\` and no view, in a plain Chromium.
A \`ws\` client in the harness sends the messages (\`heap message <i>\`), paced so that the page is
never more than five progress reports behind (the page reports its count every few thousand
messages). At each checkpoint the page reads the module instance's \`HEAPU8.length\` (through the
package's \`memoryStats().wasmHeapBytes\` when it exports it, else \`import('/dist/module.js')\` and
\`wasm.HEAPU8.length\`) and \`performance.memory.usedJSHeapSize\` (coarse, includes garbage not yet
collected).`,
};

const PER_MESSAGE = `What \`web/\` and \`src/\` do per message in the build measured above (the code
moves; check it against the fingerprints). Useful when reading the ratios.

* **Browser's WebSocket from JS**: the browser turns a frame into a JS string or ArrayBuffer and
  dispatches one \`MessageEvent\`; \`send\` hands the string or buffer over.
* **C++ loop**: on receive, the glue (\`src/websocket/browser_websocket.js\`) writes the message into
  the wasm heap (text: \`TextEncoder.encodeInto\`, UTF-16 to UTF-8; binary: a copy), then calls
  into C++; on send, text is decoded from the heap back into a JS string with \`TextDecoder\`
  before \`WebSocket.send\`, binary goes out as a heap subarray (which the browser copies).
* **WasmWebSocket from JS**: on receive the payload stays in JS (\`WebSocket::leave_data_in_js\`):
  the glue calls into C++ with no copy, C++ calls the JS face back once, and it dispatches the
  browser's own \`e.data\` in a new \`MessageEvent\` from an \`EventTarget\` subclass (its
  \`origin\` an own property: in the init dictionary it cost Chromium about 5 µs per event); send
  stages the JS value, makes one call into C++ for the state checks, and the glue sends the
  value as it is (no heap copy).
* **createChatClient**: the glue writes each frame into the heap and calls into C++, which
  decodes it (nlohmann's SAX parser straight into the protocol structs) and appends the events
  it produced to one batch buffer; JS reads the batch once (its text with one \`TextDecoder\`
  call, src/chat/event_batch.hpp) and dispatches each event as a \`CustomEvent\`. Every received
  message is looked up in the outbox (is it ours?) and in the last 1,024 ids shown, each by a
  hash. A message the sender sends produces \`queued\`, \`sent\` and \`delivered\` events, its
  \`send()\` returns the id in the call's own batch, and the outbox holds at most
  \`maxOutboxMessages\` (10,000 by default) messages until their ack, so a sender that sends
  faster waits for acks.`;

function machineTable(meta) {
  const m = meta.machine;
  return markdownTable([
    ['Machine', ''],
    ['Date', meta.date],
    ['CPU', `${m.cpu} (${m.cores} logical cores)`],
    ['RAM', bytes(m.ramBytes)],
    ['OS', `${m.os}, kernel ${m.kernel}`],
    ['Chromium', meta.chromium],
    ['Node', meta.node],
    ['Load average (1 min): start, mean, max, end', `${[meta.loadAverage.start, meta.loadAverage.mean, meta.loadAverage.max, meta.loadAverage.end].map((v) => v.toFixed(2)).join(', ')} (sampled every 5 s; the bench alone keeps about 1–2 busy)`],
    ['Run', `\`${['node bench/run.js', ...meta.argv].join(' ')}\`, ${meta.options.reps} repetitions, ${Math.round(meta.durationMs / 1000)} s in all`],
  ]);
}

function rawEcho(echo) {
  const lines = [];
  for (const c of echo.results) {
    lines.push(`* **${configLabel(c)}**, ${int(c.total)} messages per run${c.calibration ? ` (calibration: ${int(c.calibration.count)} native in ${sig(c.calibration.ms)} ms)` : ''}:`);
    for (const impl of ['native', 'nativeAgain', 'wasm', 'cpp'].filter((i) => c.runs[i])) {
      lines.push(`  * ${ECHO_LABELS[impl]}: ${c.runs[impl].map((r) => (r ? `${sig(r.ms)} ms (${int(r.msgsPerSec)}/s, ${sig(r.mbPerSec)} MB/s)` : 'failed')).join('; ')}`);
    }
  }
  return lines.join('\n');
}

function rawLatency(latency) {
  const lines = [];
  for (const impl of ['native', 'nativeAgain', 'wasm', 'cpp'].filter((i) => latency.runs[i])) {
    lines.push(`* ${impl === 'cpp' ? 'C++ loop' : ECHO_LABELS[impl]}: ${latency.runs[impl].map((r) => (r
      ? Object.entries(r).filter(([k]) => k !== 'count').map(([k, v]) => `${k} ${sig(v)}`).join(', ')
      : 'failed')).join(' | ')}`);
  }
  return lines.join('\n');
}

function rawRuns(runs, labels, fields) {
  const lines = [];
  for (const [impl, label] of Object.entries(labels)) {
    if (!runs[impl]) continue;
    lines.push(`* ${label.replace(/`/g, '')}: ${runs[impl].map((r) => (r
      ? fields.filter(([k]) => r[k] !== undefined).map(([k, f, name]) => `${name ?? k} ${f(r[k])}`).join(', ')
      : 'failed')).join(' | ')}`);
  }
  return lines.join('\n');
}

export function markdownReport(results, svgName) {
  const { meta } = results;
  const byId = Object.fromEntries(tables(results).map((t) => [t.id, t]));
  const section = (id, heading, method, raw) => {
    const parts = [`## ${heading}`, '', method, ''];
    for (const key of Object.keys(byId).filter((k) => k === id || k.startsWith(`${id}-`))) {
      parts.push(`**${byId[key].title.replace(/^\d\. /, '')}**`, '', markdownTable(byId[key].rows), '');
    }
    if (raw) parts.push('<details><summary>Raw numbers</summary>', '', raw, '', '</details>', '');
    return parts.join('\n');
  };
  const echoMethod = METHODS.echo.replace('${targetMs}', String(meta.options.echo.targetMs));
  const doc = [
    '# Benchmarks',
    `Generated by \`npm run bench\` (\`bench/run.js\`) on ${meta.date}. Every number below comes from that one
run; \`docs/benchmarks.json\` has them all, unrounded. Nothing here is asserted by the test suite;
\`node bench/run.js --quick\` runs everything once with small counts to prove the harness works.`,
    machineTable(meta),
    '',
    `Build measured: ${Object.entries(meta.build).map(([f, v]) => `\`${f}\` ${int(v.bytes)} B (sha256 ${v.sha256})`).join(', ')}.`,
    '',
    `![Echo throughput relative to the browser's WebSocket](${svgName})`,
    '',
    '## Summary',
    `Ratios to the baseline (the browser's own WebSocket, or a plain JS client on it): median of ours over median of the
baseline; in brackets the range of the per-repetition ratios. ${meta.options.reps} interleaved repetitions. The A/A rows
measure the baseline against itself in the same interleaving: a ratio that differs from 1.00× by less than they do
is noise. "target" is issue 10 item 5's; "met" compares the ratio of the medians (or the value) with it.`,
    markdownTable(summaryTable(results)),
    targetTally(summaryTable(results)),
    '## How it is measured',
    METHODS.common,
    results.echo ? section('echo', '1. Transport echo throughput', echoMethod, rawEcho(results.echo)) : '',
    results.latency ? section('latency', '2. Round-trip latency', METHODS.latency, rawLatency(results.latency)) : '',
    results.chat ? section('chat', '3. Chat end to end', METHODS.chat,
      rawRuns(results.chat.runs, CHAT_LABELS, [['ms', (v) => `${int(v)} ms`, 'time'], ['msgsPerSec', int, 'msgs/s'], ['sendMs', ms, 'all accepted after'], ['senderWaits', int, 'sender waits']])) : '',
    results.chatLatency ? section('chatLatency', '3b. Chat latency under load', METHODS.chatLatency,
      results.chatLatency.cases.map((c) => `* ${c.senders} senders${c.paced === false ? ' unpaced' : ''}: ${Object.entries(c.runs).map(([impl, runs]) =>
        `${LATENCY_CHAT_LABELS[impl]}: ${runs.map((r) => (r ? `p50 ${ms(r.p50)}, p99 ${ms(r.p99)}, max ${ms(r.max)}, ${int(r.messages)} msgs` : 'failed')).join(' | ')}`).join('; ')}`).join('\n')) : '',
    results.render ? section('render', '4. Rendering a burst', METHODS.render,
      rawRuns(results.render.runs, RENDER_LABELS, [['ms', ms, 'last shown'], ['serverDoneMs', ms, 'server had broadcast all'], ['firstShownMs', ms, 'first shown'], ['loafOver50', int, 'LoAF>50'], ['loafMaxMs', ms, 'longest LoAF'], ['loafCause', String, 'LoAF>50 time'], ['rafOver50', int, 'rAF>50'], ['rafMaxMs', ms, 'longest rAF gap'], ['frames', int], ['lines', int], ['nodes', int]])) : '',
    results.open ? section('open', '5. Time to open', METHODS.open,
      rawRuns(results.open.runs, OPEN_LABELS, [['navToOpenMs', ms, 'nav→open'], ['docToOpenMs', ms, 'doc→open'], ['navToSocketMs', ms, 'nav→socket'], ['navToWelcomeMs', ms, 'nav→welcome']])) : '',
    results.sizes ? section('sizes', '6. Bytes to start a chat', METHODS.sizes,
      results.sizes.builds.map((b) => `* ${b.name}: ${b.files.map((f) => `\`${f.file}\` ${int(f.bytes)} B → ${int(f.gzipBytes)} B`).join(', ')}${b.note ? ` (${b.note})` : ''}`).join('\n')) : '',
    results.heap ? section('heap', '7. Wasm heap over a long stream', METHODS.heap,
      `* open: ${int(results.heap.initial.heapBytes)} B\n${results.heap.checkpoints.map((c) => `* after ${int(c.messages)}: ${int(c.heapBytes)} B wasm, ${int(c.jsHeapBytes)} B JS`).join('\n')}\n* ${int(results.heap.final.messages)} messages in ${int(results.heap.elapsedMs)} ms; client state at the end: ${results.heap.final.state}`) : '',
    results.core ? section('core', '8. The C++ core outside the browser, measured in this run', METHODS.core,
      results.core.callgrind ? `* callgrind source: ${results.core.callgrind.source}` : '') : '',
    // The fixed before/after figures of the size work: kept in their own file.
    readFileSync(new URL('../core-figures.md', import.meta.url), 'utf8').trim(),
    '## What each wasm path does per message (from the code, not measured)',
    PER_MESSAGE,
    '## Errors',
    results.errors.length ? results.errors.map((e) => `* ${e}`).join('\n') : 'None: every benchmark produced all its numbers.',
    '',
  ];
  return `${doc.filter((part) => part !== '').join('\n\n').replace(/\n{3,}/g, '\n\n')}\n`;
}

// --- SVG ----------------------------------------------------------------------------------

const escapeXml = (s) => String(s).replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]);

/** Grouped bars: throughput ratio to native per size/type, WasmWebSocket and C++ loop, line at 1.0×. */
export function svgChart(results) {
  const configs = results.echo?.results ?? [];
  const series = [
    { impl: 'wasm', label: 'WasmWebSocket (same JS loop)', color: '#3b6fd4' },
    { impl: 'cpp', label: 'C++ loop (transport_echo)', color: '#e08a1e' },
  ];
  const width = 760;
  const height = 380;
  const left = 60;
  const right = 20;
  const top = 56;
  const bottom = 70;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const values = configs.flatMap((c) => series.flatMap((s) => [c.stats[s.impl].vsNative.ratio, c.stats[s.impl].vsNative.pairMax])).filter(isNum);
  const yMax = Math.max(1.25, Math.ceil((Math.max(...values, 1) * 1.1) * 4) / 4);
  const y = (v) => top + plotH - (v / yMax) * plotH;
  const groupW = plotW / Math.max(1, configs.length);
  const barW = Math.min(40, (groupW * 0.7) / series.length);
  const parts = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`);
  parts.push(`<rect width="${width}" height="${height}" fill="#fff"/>`);
  parts.push(`<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="600">Echo throughput relative to the browser's WebSocket (messages/s, ${results.options.echo.inFlight} in flight)</text>`);
  parts.push(`<text x="${width / 2}" y="40" text-anchor="middle" fill="#555">bars: ratio of medians over ${results.options.reps} interleaved runs; whiskers: range of per-run ratios; ${escapeXml(results.meta.date.slice(0, 10))}</text>`);
  // Grid and axis.
  for (let v = 0; v <= yMax + 1e-9; v += 0.25) {
    const major = Math.abs(v - Math.round(v * 2) / 2) < 1e-9;
    parts.push(`<line x1="${left}" x2="${width - right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="${major ? '#ddd' : '#f0f0f0'}"/>`);
    if (major) parts.push(`<text x="${left - 8}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" fill="#444">${v.toFixed(1)}×</text>`);
  }
  configs.forEach((c, i) => {
    const x0 = left + i * groupW + (groupW - barW * series.length) / 2;
    series.forEach((s, j) => {
      const r = c.stats[s.impl].vsNative;
      const bx = x0 + j * barW;
      if (isNum(r.ratio)) {
        parts.push(`<rect x="${bx.toFixed(1)}" y="${y(r.ratio).toFixed(1)}" width="${(barW - 4).toFixed(1)}" height="${(y(0) - y(r.ratio)).toFixed(1)}" fill="${s.color}"><title>${escapeXml(`${configLabel(c)}, ${s.label}: ${x(r.ratio)}`)}</title></rect>`);
        parts.push(`<text x="${(bx + (barW - 4) / 2).toFixed(1)}" y="${(y(r.ratio) - 4 - (isNum(r.pairMax) ? Math.max(0, y(r.ratio) - y(r.pairMax)) : 0)).toFixed(1)}" text-anchor="middle" font-size="10" fill="#222">${r.ratio.toFixed(2)}</text>`);
      } else {
        parts.push(`<text x="${(bx + (barW - 4) / 2).toFixed(1)}" y="${(y(0) - 4).toFixed(1)}" text-anchor="middle" font-size="10" fill="#a00">n/a</text>`);
      }
      if (isNum(r.pairMin) && isNum(r.pairMax) && r.pairMin !== r.pairMax) {
        const cx = (bx + (barW - 4) / 2).toFixed(1);
        parts.push(`<line x1="${cx}" x2="${cx}" y1="${y(r.pairMin).toFixed(1)}" y2="${y(r.pairMax).toFixed(1)}" stroke="#222"/>`);
        for (const v of [r.pairMin, r.pairMax]) parts.push(`<line x1="${(Number(cx) - 4).toFixed(1)}" x2="${(Number(cx) + 4).toFixed(1)}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#222"/>`);
      }
    });
    parts.push(`<text x="${(left + i * groupW + groupW / 2).toFixed(1)}" y="${(top + plotH + 18).toFixed(1)}" text-anchor="middle" fill="#222">${escapeXml(configLabel(c))}</text>`);
  });
  // The native baseline.
  parts.push(`<line x1="${left}" x2="${width - right}" y1="${y(1).toFixed(1)}" y2="${y(1).toFixed(1)}" stroke="#c00" stroke-width="1.5" stroke-dasharray="6 4"/>`);
  parts.push(`<line x1="${left}" x2="${left}" y1="${top}" y2="${top + plotH}" stroke="#888"/>`);
  // Legend.
  const ly = height - 22;
  series.forEach((s, j) => {
    const lx = left + j * 240;
    parts.push(`<rect x="${lx}" y="${ly - 10}" width="12" height="12" fill="${s.color}"/>`);
    parts.push(`<text x="${lx + 18}" y="${ly}" fill="#222">${escapeXml(s.label)}</text>`);
  });
  const nx = left + series.length * 240;
  parts.push(`<line x1="${nx}" x2="${nx + 24}" y1="${ly - 4}" y2="${ly - 4}" stroke="#c00" stroke-width="1.5" stroke-dasharray="6 4"/>`);
  parts.push(`<text x="${nx + 30}" y="${ly}" fill="#222">native WebSocket = 1.0×</text>`);
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
