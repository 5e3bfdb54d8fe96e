// Small helpers shared by load/run.js and load/soak.js.
import { parseArgs } from 'node:util';

/** Resolves when `pred()` (sync or async) is truthy; rejects with `what` after `ms`. */
export async function until(pred, what, ms, intervalMs = 50) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await pred()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting until ${what}`);
    await sleep(intervalMs);
  }
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Races `promise` against a deadline. */
export function withDeadline(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms); }),
  ]).finally(() => clearTimeout(timer));
}

export const mib = (bytes) => `${(bytes / 1048576).toFixed(1)} MiB`;

/**
 * Command-line options as numbers: `spec` maps each option name to its
 * default; `--name value` and `--name=value` are accepted.
 */
export function numericArgs(spec, argv = process.argv.slice(2)) {
  const { values } = parseArgs({
    args: argv,
    options: Object.fromEntries(Object.keys(spec).map((name) => [name, { type: 'string' }])),
  });
  const out = {};
  for (const [name, fallback] of Object.entries(spec)) {
    if (values[name] === undefined) { out[name] = fallback; continue; }
    const number = Number(values[name]);
    if (!Number.isFinite(number) || number < 0) throw new TypeError(`--${name} must be a number >= 0, got ${values[name]}`);
    out[name] = number;
  }
  return out;
}

/** Samples this process's memory every `everyMs` and keeps the peaks. */
export function memorySampler(everyMs = 500) {
  const peak = { rss: 0, heapUsed: 0 };
  const sample = () => {
    const { rss, heapUsed } = process.memoryUsage();
    peak.rss = Math.max(peak.rss, rss);
    peak.heapUsed = Math.max(peak.heapUsed, heapUsed);
  };
  sample();
  const timer = setInterval(sample, everyMs);
  return {
    stop() {
      clearInterval(timer);
      sample();
      const { rss, heapUsed } = process.memoryUsage();
      return { peakRss: peak.rss, peakHeapUsed: peak.heapUsed, finalRss: rss, finalHeapUsed: heapUsed };
    },
  };
}
