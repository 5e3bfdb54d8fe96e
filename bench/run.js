#!/usr/bin/env node
// `npm run bench`: every benchmark of docs/benchmarks.md in one run, each of
// our paths paired with the browser's own WebSocket (or a plain JS client) as
// baseline, interleaved. Prints a table, writes docs/benchmarks.{json,md,svg}.
//
//   node bench/run.js                 full run (5 interleaved repetitions; about 15 minutes)
//   node bench/run.js --quick         everything once with small counts; writes to a
//                                     temporary directory unless --out is given
//   options: --reps N (default 5)  --out DIR
//            --only sizes,core,echo,latency,chat,chat-latency,render,open,heap
//            --chat-latency-senders 10,40  --chat-latency-rate R (the server's messagesPerSecond)
//            --chat-latency-ms MS  --chat-latency-unpaced-senders 40 (server limit off, same
//            send rate; "none" for no unpaced case)  --no-callgrind (core: sizes only)
//            --chat-n N  --render-n N  --open-samples N  --heap-counts 10000,1000000
//            --echo-target-ms MS  --latency-count N
//            --from-json FILE   only rewrite the .md and .svg from a results file
// Exits non-zero if any benchmark failed to produce its numbers.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { parseArgs } from 'node:util';
import { startBenchServer, paths } from './lib/bench-server.js';
import { chromiumVersion, killAllChromium } from './lib/browser.js';
import { runEcho, runLatency } from './benchmarks/transport.js';
import { runChatE2e, runRender, runHeap } from './benchmarks/chat.js';
import { runChatLatency } from './benchmarks/chat-latency.js';
import { runOpen } from './benchmarks/open.js';
import { runSizes } from './benchmarks/sizes.js';
import { runCore } from './benchmarks/core.js';
import { stdoutReport, markdownReport, svgChart } from './lib/report.js';

const BENCHMARKS = ['sizes', 'core', 'echo', 'latency', 'chat', 'chat-latency', 'render', 'open', 'heap'];

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    reps: { type: 'string' },
    only: { type: 'string' },
    out: { type: 'string' },
    'chat-n': { type: 'string' },
    'chat-latency-senders': { type: 'string' },
    'chat-latency-rate': { type: 'string' },
    'chat-latency-ms': { type: 'string' },
    'chat-latency-unpaced-senders': { type: 'string' },
    'no-callgrind': { type: 'boolean', default: false },
    'render-n': { type: 'string' },
    'open-samples': { type: 'string' },
    'heap-counts': { type: 'string' },
    'echo-target-ms': { type: 'string' },
    'latency-count': { type: 'string' },
    'from-json': { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

if (args.help) {
  const source = fs.readFileSync(new URL(import.meta.url), 'utf8');
  const header = source.split('\n').slice(1);
  console.log(header.slice(0, header.findIndex((line) => !line.startsWith('//'))).map((line) => line.replace(/^\/\/ ?/, '')).join('\n'));
  process.exit(0);
}

const positiveInt = (value, name) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${value}`);
  return n;
};

function buildOptions() {
  const quick = args.quick;
  const reps = args.reps ? positiveInt(args.reps, 'reps') : quick ? 1 : 5;
  const counts = (value, name) => (value === 'none' ? [] : value.split(',').map((v) => positiveInt(v, name)));
  const options = {
    quick,
    reps,
    echo: {
      sizes: [16, 1024, 65536],
      inFlight: 64,
      calibrate: !quick,
      targetMs: args['echo-target-ms'] ? positiveInt(args['echo-target-ms'], 'echo-target-ms') : 1500,
      calibrationCounts: { 16: 4000, 1024: 4000, 65536: 400 },
      minTotal: 500,
      maxTotal: 500_000,
      totals: quick ? { 16: 300, 1024: 300, 65536: 40 } : {},
      warmup: quick ? 0 : 0.1,
      oneProcess: quick,
      runTimeoutMs: 30_000,
    },
    latency: {
      size: 32,
      count: args['latency-count'] ? positiveInt(args['latency-count'], 'latency-count') : quick ? 200 : 5000,
      warmup: quick ? 0 : 500,
      runTimeoutMs: 30_000,
    },
    chat: { n: args['chat-n'] ? positiveInt(args['chat-n'], 'chat-n') : quick ? 500 : 15_000, runTimeoutMs: 60_000 },
    chatLatency: {
      senderCounts: counts(args['chat-latency-senders'] ?? (quick ? '10' : '10,40'), 'chat-latency-senders'),
      unpacedSenderCounts: counts(args['chat-latency-unpaced-senders'] ?? (quick ? '10' : '40'), 'chat-latency-unpaced-senders'),
      serverRate: args['chat-latency-rate'] ? positiveInt(args['chat-latency-rate'], 'chat-latency-rate') : 20,
      durationMs: args['chat-latency-ms'] ? positiveInt(args['chat-latency-ms'], 'chat-latency-ms') : quick ? 2000 : 5000,
    },
    core: { callgrind: !args['no-callgrind'], timeoutMs: 900_000 },
    render: { n: args['render-n'] ? positiveInt(args['render-n'], 'render-n') : quick ? 500 : 50_000, runTimeoutMs: 120_000 },
    open: { samples: args['open-samples'] ? positiveInt(args['open-samples'], 'open-samples') : quick ? 1 : 7, timeoutMs: 20_000 },
    heap: {
      checkpoints: (args['heap-counts'] ?? (quick ? '1000,10000' : '10000,1000000')).split(',').map((v) => positiveInt(v, 'heap-counts')),
      runTimeoutMs: 300_000,
    },
  };
  const only = args.only ? args.only.split(',').map((s) => s.trim()) : BENCHMARKS;
  for (const name of only) if (!BENCHMARKS.includes(name)) throw new Error(`--only: unknown benchmark ${name} (${BENCHMARKS.join(', ')})`);
  return { options, only };
}

function machine() {
  const cpuinfo = fs.existsSync('/proc/cpuinfo') ? fs.readFileSync('/proc/cpuinfo', 'utf8') : '';
  const cpu = cpuinfo.match(/^model name\s*:\s*(.+)$/m)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown';
  const osRelease = fs.existsSync('/etc/os-release') ? fs.readFileSync('/etc/os-release', 'utf8') : '';
  return {
    cpu,
    cores: os.cpus().length,
    ramBytes: os.totalmem(),
    os: osRelease.match(/^PRETTY_NAME="?([^"\n]+)"?$/m)?.[1] ?? `${os.type()}`,
    kernel: os.release(),
  };
}

function buildFingerprint() {
  const files = {};
  const add = (label, file) => {
    if (!fs.existsSync(file)) return;
    const content = fs.readFileSync(file);
    files[label] = { bytes: content.length, sha256: crypto.createHash('sha256').update(content).digest('hex').slice(0, 12) };
  };
  for (const name of fs.existsSync(paths.dist) ? fs.readdirSync(paths.dist).sort() : []) {
    if (/\.(js|wasm)$/.test(name)) add(`dist/${name}`, path.join(paths.dist, name));
  }
  add('build/wasm-release/bench/transport_echo.wasm', path.join(paths.buildBench, 'transport_echo.wasm'));
  return files;
}

function checkBuilt() {
  const missing = [path.join(paths.dist, 'index.js'), path.join(paths.buildBench, 'transport_echo.js')].filter((f) => !fs.existsSync(f));
  if (missing.length) throw new Error(`not built: ${missing.map((f) => path.relative(paths.root, f)).join(', ')}; run \`npm run build\` first`);
}

/** Rewrites benchmarks.md and benchmarks.svg next to a results file (after editing the report's text). */
function rerender(file) {
  const results = JSON.parse(fs.readFileSync(file, 'utf8'));
  Object.defineProperty(results, 'options', { value: results.meta.options, enumerable: false });
  const dir = path.dirname(path.resolve(file));
  fs.writeFileSync(path.join(dir, 'benchmarks.svg'), svgChart(results));
  fs.writeFileSync(path.join(dir, 'benchmarks.md'), markdownReport(results, 'benchmarks.svg'));
  console.log(stdoutReport(results));
  console.log(`\nRewrote ${path.join(dir, 'benchmarks.md')} and benchmarks.svg from ${file}.`);
}

async function main() {
  if (args['from-json']) return rerender(args['from-json']);
  const { options, only } = buildOptions();
  checkBuilt();
  const started = Date.now();
  const log = (line) => process.stderr.write(`${line}\n`);
  const outDir = args.out ? path.resolve(args.out) : options.quick ? path.join(os.tmpdir(), 'wasmchat-bench-quick') : path.join(paths.root, 'docs');

  const results = {
    meta: {
      date: new Date().toISOString(),
      argv: process.argv.slice(2),
      machine: machine(),
      chromium: chromiumVersion(),
      node: process.version,
      build: buildFingerprint(),
      loadAverage: { start: os.loadavg()[0], end: null },
      options,
    },
    errors: [],
  };
  Object.defineProperty(results, 'options', { value: options, enumerable: false });  // in meta for the JSON
  log(`wasmchat bench${options.quick ? ' (--quick)' : ''}: ${only.join(', ')}; ${options.reps} repetition(s)`);
  log(`  ${results.meta.machine.cpu}, ${results.meta.machine.cores} cores; ${results.meta.chromium}; Node ${process.version}`);

  // Other work on the machine skews every number: sample the load while we run.
  const loadSamples = [os.loadavg()[0]];
  const sampler = setInterval(() => loadSamples.push(os.loadavg()[0]), 5000);
  const server = await startBenchServer();
  const runners = {
    sizes: ['sizes', runSizes],
    core: ['core', runCore],
    echo: ['echo', runEcho],
    latency: ['latency', runLatency],
    chat: ['chat', runChatE2e],
    'chat-latency': ['chatLatency', runChatLatency],
    render: ['render', runRender],
    open: ['open', runOpen],
    heap: ['heap', runHeap],
  };
  try {
    for (const name of BENCHMARKS.filter((b) => only.includes(b))) {
      const [key, run] = runners[name];
      const t0 = Date.now();
      log(`[${name}]`);
      try {
        const result = await run({ server, options, log });
        results[key] = result;
        results.errors.push(...(result.errors ?? []));
        if (!hasNumbers(name, result)) results.errors.push(`${name}: no numbers`);
      } catch (error) {
        results.errors.push(`${name}: ${error.message}`);
        log(`  FAILED: ${error.stack ?? error.message}`);
      }
      log(`  (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    }
  } finally {
    await server.close();
    killAllChromium();
  }
  for (const name of only) if (!results[runners[name][0]] && !results.errors.some((e) => e.startsWith(`${name}:`))) results.errors.push(`${name}: did not run`);
  results.meta.durationMs = Date.now() - started;
  clearInterval(sampler);
  results.meta.loadAverage.end = os.loadavg()[0];
  results.meta.loadAverage.mean = loadSamples.reduce((a, b) => a + b, 0) / loadSamples.length;
  results.meta.loadAverage.max = Math.max(...loadSamples);

  fs.mkdirSync(outDir, { recursive: true });
  const svgName = 'benchmarks.svg';
  fs.writeFileSync(path.join(outDir, 'benchmarks.json'), `${JSON.stringify(results, null, 2)}\n`);
  fs.writeFileSync(path.join(outDir, svgName), svgChart(results));
  fs.writeFileSync(path.join(outDir, 'benchmarks.md'), markdownReport(results, svgName));

  console.log(stdoutReport(results));
  console.log(`\nWrote ${['benchmarks.json', 'benchmarks.md', svgName].map((f) => path.join(outDir, f)).join(', ')} in ${(results.meta.durationMs / 1000).toFixed(1)} s.`);
  if (results.errors.length) {
    console.log(`\n${results.errors.length} benchmark measurement(s) failed; exiting with 1.`);
  }
  process.exit(results.errors.length ? 1 : 0);
}

/** Whether a benchmark's result has its headline numbers. */
function hasNumbers(name, r) {
  const finite = (v) => typeof v === 'number' && Number.isFinite(v);
  switch (name) {
    case 'echo': return r.results.length > 0 && r.results.every((c) => ['native', 'nativeAgain', 'wasm', 'cpp'].every((i) => finite(c.stats[i].msgsPerSec.median)));
    case 'latency': return ['native', 'nativeAgain', 'wasm'].every((i) => finite(r.stats[i]?.p50?.median)) && finite(r.stats.cpp?.mean?.median);
    case 'chat': return Object.values(r.stats).every((s) => finite(s.msgsPerSec.median));
    case 'chat-latency': return r.cases.length > 0 && r.cases.every((c) => ['plain', 'wasm'].every((i) => finite(c.stats[i].p50.median)));
    case 'render': return ['plain', 'wasm'].every((i) => finite(r.stats[i].ms.median));
    case 'open': return ['native', 'page', 'single'].every((v) => finite(r.stats[v].navToOpenMs.median));
    case 'sizes': return r.builds.length > 0 && r.builds.every((b) => finite(b.gzipBytes));
    case 'core': return r.modules.length > 0 && (r.callgrind === null || finite(r.callgrind.decode));
    case 'heap': return r.checkpoints.length > 0 && r.checkpoints.every((c) => finite(c.heapBytes));
    default: return false;
  }
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    killAllChromium();
    process.exit(130);
  });
}
process.on('exit', killAllChromium);

main().catch((error) => {
  killAllChromium();
  console.error(error.stack ?? error.message);
  process.exit(1);
});
