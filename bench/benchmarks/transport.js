// Benchmarks 1 and 2: transport echo throughput and round-trip latency, in
// plain Chromium processes (bench/pages/echo.js does the work).
import { runPlanPage } from '../lib/run-page.js';
import { summary, ratio } from '../lib/stats.js';

// nativeAgain: the A/A control, the browser's WebSocket measured a second
// time as if it were ours (its ratio to native is the noise floor).
export const ECHO_IMPLS = ['native', 'nativeAgain', 'wasm', 'cpp'];
export const LATENCY_IMPLS = ['native', 'nativeAgain', 'wasm', 'cpp'];

export async function runEcho({ server, options, log }) {
  const o = options.echo;
  const configs = [];
  for (const size of o.sizes) {
    for (const text of [true, false]) {
      configs.push({
        size,
        text,
        total: o.totals[size],
        calibrate: o.calibrate ? { initial: o.calibrationCounts[size], targetMs: o.targetMs, min: o.minTotal, max: o.maxTotal } : null,
        warmup: o.warmup,
      });
    }
  }
  // One Chromium per size/type (isolation), or one for everything (--quick: startup time).
  const groups = o.oneProcess ? [configs] : configs.map((config) => [config]);
  const messages = [];
  for (const group of groups) {
    log(`  echo: ${group.map(describe).join(', ')}`);
    const plan = { kind: 'echo', url: server.echoUrl, inFlight: o.inFlight, reps: options.reps, impls: ECHO_IMPLS, timeoutMs: o.runTimeoutMs, configs: group };
    const deadlineMs = group.length * (30_000 + options.reps * ECHO_IMPLS.length * o.runTimeoutMs);
    messages.push(...await runPlanPage(server, { path: '/bench/pages/echo.html', plan, deadlineMs, idleMs: o.runTimeoutMs + 15_000 }));
  }
  return summarizeEcho(configs, messages, options.reps);
}

const describe = ({ size, text }) => `${size} B ${text ? 'text' : 'binary'}`;

function summarizeEcho(configs, messages, reps) {
  const results = [];
  const errors = [];
  for (const { size, text } of configs) {
    const mine = messages.filter((m) => m.bench === 'echo' && m.size === size && m.text === text);
    const calibration = messages.find((m) => m.type === 'calibration' && m.size === size && m.text === text) ?? null;
    const runs = {};
    for (const impl of ECHO_IMPLS) {
      runs[impl] = [];
      for (let rep = 0; rep < reps; rep++) {
        const m = mine.find((x) => x.type === 'result' && x.impl === impl && x.rep === rep);
        if (!m || m.error) {
          errors.push(`echo ${describe({ size, text })} ${impl} rep ${rep + 1}: ${m ? m.error : 'no result'}`);
          runs[impl].push(null);
          continue;
        }
        runs[impl].push({
          messages: m.messages, bytes: m.bytes, ms: round(m.ms, 3),
          msgsPerSec: m.messages / (m.ms / 1000), mbPerSec: m.bytes / 1e6 / (m.ms / 1000),
        });
      }
    }
    for (const m of mine.filter((x) => x.impl === 'setup' && x.error)) errors.push(`echo ${describe({ size, text })}: ${m.error}`);
    const stats = {};
    for (const impl of ECHO_IMPLS) {
      const rate = runs[impl].map((r) => r?.msgsPerSec ?? NaN);
      const mb = runs[impl].map((r) => r?.mbPerSec ?? NaN);
      const nativeRate = runs.native.map((r) => r?.msgsPerSec ?? NaN);
      stats[impl] = { msgsPerSec: summary(rate), mbPerSec: summary(mb), vsNative: ratio(rate, nativeRate) };
    }
    const total = mine.find((x) => x.type === 'result' && x.total)?.total ?? null;
    results.push({ size, type: text ? 'text' : 'binary', total, calibration: calibration && { count: calibration.count, ms: calibration.ms }, runs, stats });
  }
  return { results, errors };
}

export async function runLatency({ server, options, log }) {
  const o = options.latency;
  log(`  latency: ${o.count} round trips of ${o.size} B, one in flight`);
  const plan = { kind: 'latency', url: server.echoUrl, size: o.size, count: o.count, warmup: o.warmup, reps: options.reps, impls: LATENCY_IMPLS, timeoutMs: o.runTimeoutMs };
  const deadlineMs = 30_000 + (options.reps + 1) * LATENCY_IMPLS.length * o.runTimeoutMs;
  const messages = await runPlanPage(server, { path: '/bench/pages/echo.html', plan, deadlineMs, idleMs: o.runTimeoutMs + 15_000 });
  const errors = [];
  const runs = {};
  for (const impl of LATENCY_IMPLS) {
    runs[impl] = [];
    for (let rep = 0; rep < options.reps; rep++) {
      const m = messages.find((x) => x.type === 'result' && x.bench === 'latency' && x.impl === impl && x.rep === rep);
      if (!m || m.error) {
        errors.push(`latency ${impl} rep ${rep + 1}: ${m ? m.error : 'no result'}`);
        runs[impl].push(null);
        continue;
      }
      const { count, p50, p90, p99, min, max, mean } = m;
      runs[impl].push(Object.fromEntries(Object.entries({ count, p50, p90, p99, min, max, mean })
        .filter(([, v]) => v !== undefined).map(([k, v]) => [k, k === 'count' ? v : round(v, 4)])));
    }
  }
  for (const m of messages.filter((x) => x.type === 'result' && x.rep === -1 && x.error)) errors.push(`latency ${m.impl} ${m.error}`);
  const stats = {};
  for (const impl of LATENCY_IMPLS) {
    stats[impl] = {};
    for (const key of ['p50', 'p90', 'p99', 'mean']) {
      const values = runs[impl].map((r) => r?.[key] ?? NaN);
      if (!values.some(Number.isFinite)) continue;
      stats[impl][key] = { ...summary(values), vsNative: ratio(values, runs.native.map((r) => r?.[key] ?? NaN)) };
    }
  }
  return { size: o.size, count: o.count, runs, stats, errors };
}

export const round = (value, digits) => (Number.isFinite(value) ? Number(value.toFixed(digits)) : value);
