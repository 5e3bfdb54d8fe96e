// Transport benchmarks, page side: echo throughput (N messages in flight) and
// round-trip latency (one in flight) against the harness's loopback echo
// server, for the browser's WebSocket and WasmWebSocket driven by the very
// same JS loop (only the constructor differs), and for the C++ loop of
// bench/transport_echo.cpp (no JS per message).
import { report, fatal, getPlan } from './common.js';
import { WasmWebSocket, ready } from '/dist/index.js';
import createTransportEcho from '/build/bench/transport_echo.js';

await ready;

// nativeAgain: the harness's A/A control, the same constructor as native.
const constructors = { native: WebSocket, nativeAgain: WebSocket, wasm: WasmWebSocket };

/** The JS echo loop: keeps `inFlight` messages going until `total` came back. */
function jsEcho(Socket, { url, size, text, total, inFlight, timeoutMs }) {
  return new Promise((resolve, reject) => {
    const payload = text ? 'x'.repeat(size) : new Uint8Array(size).fill(0x78).buffer;
    const socket = new Socket(url);
    socket.binaryType = 'arraybuffer';
    let sent = 0;
    let received = 0;
    let bytes = 0;
    let started = 0;
    let done = false;
    const timer = setTimeout(() => finish(new Error(`timed out after ${timeoutMs} ms (${received}/${total} back)`)), timeoutMs);
    function finish(error) {
      if (done) return;
      done = true;
      const ms = performance.now() - started;
      clearTimeout(timer);
      socket.onmessage = socket.onclose = socket.onerror = null;
      try { socket.close(1000, 'done'); } catch { /* already closing */ }
      if (error) reject(error); else resolve({ messages: received, bytes, ms });
    }
    socket.onopen = () => {
      started = performance.now();
      for (let i = 0; i < inFlight && sent < total; i++) {
        sent++;
        socket.send(payload);
      }
    };
    socket.onmessage = (event) => {
      const { data } = event;
      bytes += text ? data.length : data.byteLength;
      if (++received === total) return finish(null);
      if (sent < total) {
        sent++;
        socket.send(payload);
      }
    };
    socket.onerror = () => finish(new Error('error event'));
    socket.onclose = (event) => finish(new Error(`closed early (${event.code})`));
  });
}

/** The JS latency loop: one `size`-byte text message in flight, `count` round trips. */
function jsLatency(Socket, { url, size, count, timeoutMs }) {
  return new Promise((resolve, reject) => {
    const payload = 'x'.repeat(size);
    const socket = new Socket(url);
    const rtts = new Float64Array(count);
    let received = 0;
    let sentAt = 0;
    let done = false;
    const timer = setTimeout(() => finish(new Error(`timed out after ${timeoutMs} ms (${received}/${count})`)), timeoutMs);
    function finish(error) {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.onmessage = socket.onclose = socket.onerror = null;
      try { socket.close(1000, 'done'); } catch { /* already closing */ }
      if (error) reject(error); else resolve(rtts);
    }
    socket.onopen = () => {
      sentAt = performance.now();
      socket.send(payload);
    };
    socket.onmessage = () => {
      const now = performance.now();
      rtts[received] = now - sentAt;
      if (++received === count) return finish(null);
      sentAt = performance.now();
      socket.send(payload);
    };
    socket.onerror = () => finish(new Error('error event'));
    socket.onclose = (event) => finish(new Error(`closed early (${event.code})`));
  });
}

let transportEcho = null;
let currentRun = null;

/** The C++ loop: run_echo(url, size, isText, total, inFlight), result through Module.onResult. */
async function cppEcho({ url, size, text, total, inFlight, timeoutMs }) {
  transportEcho ??= await createTransportEcho({});
  return new Promise((resolve, reject) => {
    const token = {};
    currentRun = token;
    const timer = setTimeout(() => {
      currentRun = null;
      reject(new Error(`timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    transportEcho.onResult = (result) => {
      if (currentRun !== token) return;  // a late report of an abandoned run
      currentRun = null;
      clearTimeout(timer);
      if (result.error) reject(new Error(result.error)); else resolve(result);
    };
    transportEcho.ccall('run_echo', null, ['string', 'number', 'number', 'number', 'number'],
      [url, size, text ? 1 : 0, total, inFlight]);
  });
}

function echo(impl, options) {
  return impl === 'cpp' ? cppEcho(options) : jsEcho(constructors[impl], options);
}

function sortedSummary(rtts) {
  const sorted = Float64Array.from(rtts).sort();
  const at = (p) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
  let sum = 0;
  for (const value of sorted) sum += value;
  return { count: sorted.length, p50: at(50), p90: at(90), p99: at(99), min: sorted[0], max: sorted[sorted.length - 1], mean: sum / sorted.length };
}

/** Rounds to two significant digits. */
const round2 = (n) => {
  const magnitude = 10 ** Math.max(0, Math.floor(Math.log10(n)) - 1);
  return Math.round(n / magnitude) * magnitude;
};

async function runEchoPlan(plan) {
  const { url, inFlight, reps, impls, timeoutMs } = plan;
  for (const config of plan.configs) {
    const { size, text } = config;
    const base = { bench: 'echo', size, text };
    let { total } = config;
    try {
      if (config.calibrate) {
        // Native, twice (the first only warms up): how many messages take about targetMs.
        const { initial, targetMs, min, max } = config.calibrate;
        await echo('native', { url, size, text, total: initial, inFlight, timeoutMs });
        const probe = await echo('native', { url, size, text, total: initial, inFlight, timeoutMs });
        total = Math.min(max, Math.max(min, round2((initial / probe.ms) * targetMs)));
        await report({ type: 'calibration', ...base, count: initial, ms: probe.ms, total });
      }
      if (config.warmup) {
        // Unrecorded warm-up of every path (JIT tiers, wasm tier-up, buffers).
        for (const impl of impls) {
          const warm = await echo(impl, { url, size, text, total: Math.max(inFlight * 2, Math.round(total * config.warmup)), inFlight, timeoutMs });
          await report({ type: 'warmup', ...base, impl, ...warm });
        }
      }
    } catch (error) {
      await report({ type: 'result', ...base, impl: 'setup', error: String(error.message ?? error) });
      continue;
    }
    // Interleaved: rep 1 native, wasm, cpp; rep 2 native, wasm, cpp; ...
    for (let rep = 0; rep < reps; rep++) {
      for (const impl of impls) {
        try {
          const result = await echo(impl, { url, size, text, total, inFlight, timeoutMs });
          await report({ type: 'result', ...base, impl, rep, total, ...result });
        } catch (error) {
          await report({ type: 'result', ...base, impl, rep, total, error: String(error.message ?? error) });
        }
      }
    }
  }
}

async function latency(impl, options) {
  if (impl !== 'cpp') return sortedSummary(await jsLatency(constructors[impl], options));
  // The C++ loop has one timer around the whole run: a mean only.
  const { ms, messages } = await cppEcho({ ...options, text: true, total: options.count, inFlight: 1 });
  return { count: messages, mean: ms / messages };
}

async function runLatencyPlan(plan) {
  const { url, size, count, reps, impls, warmup, timeoutMs } = plan;
  const options = { url, size, count, timeoutMs };
  for (const impl of impls) {
    if (!warmup) break;
    try {
      await latency(impl, { ...options, count: warmup });
    } catch (error) {
      await report({ type: 'result', bench: 'latency', impl, rep: -1, error: `warm-up: ${error.message ?? error}` });
    }
  }
  for (let rep = 0; rep < reps; rep++) {
    for (const impl of impls) {
      try {
        await report({ type: 'result', bench: 'latency', impl, rep, size, ...(await latency(impl, options)) });
      } catch (error) {
        await report({ type: 'result', bench: 'latency', impl, rep, size, error: String(error.message ?? error) });
      }
    }
  }
}

try {
  const plan = await getPlan();
  if (plan.kind === 'echo') await runEchoPlan(plan);
  else if (plan.kind === 'latency') await runLatencyPlan(plan);
  else throw new Error(`unknown plan kind ${plan.kind}`);
  await report({ type: 'done' });
} catch (error) {
  await fatal(error);
}
