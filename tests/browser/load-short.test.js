// The bounded form of `npm run load` and `npm run soak` (load/): 500
// concurrent wasmchat.v1 connections for a few seconds at a low rate while two
// pages chat, every message counted exactly on both pages; then
// 20,000 messages through one page's wasm client with its heaps and DOM
// sampled. Well under a minute on a 2-core machine.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, assertDistBuilt } from './harness.js';
import { runLoad } from '../../load/run.js';
import { runSoak } from '../../load/soak.js';

let browser;
before(async () => {
  assertDistBuilt();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

// A deadline, not a measure: Firefox and WebKit drive their pages more slowly.
test('500 concurrent connections and two pages: every message reaches each page exactly once', { timeout: 120_000 }, async (t) => {
  const r = await runLoad(
    { connections: 500, rate: 0.125, duration: 8, pageRate: 2, maxMessages: 100, drainDeadline: 15 },
    { browser, log: (line) => t.diagnostic(line) },
  );
  assert.equal(r.connections.concurrentAtServer, 502, 'all 500 generator clients and both pages at once');
  // 500 clients x 0.125 msg/s x 8 s, and 2 pages x 2 msg/s x 8 s.
  assert.deepStrictEqual(r.sent, { total: 532, generator: 500, pages: { A: 16, B: 16 } });
  assert.equal(r.broadcast, r.sent.total, 'the server broadcast each message once');
  for (const p of r.pages) {
    assert.deepStrictEqual(
      { page: p.label, exactlyOnce: p.once, duplicates: p.duplicates, missing: p.missing, unexpected: p.unexpected },
      { page: p.label, exactlyOnce: r.sent.total, duplicates: 0, missing: 0, unexpected: 0 });
    assert.ok(p.domLines <= 100, `page ${p.label}: ${p.domLines} lines in the DOM`);
  }
  assert.deepStrictEqual(
    { min: r.generatorClients.receivedMin, max: r.generatorClients.receivedMax, duplicates: r.generatorClients.duplicates, missing: r.generatorClients.missing },
    { min: r.sent.total, max: r.sent.total, duplicates: 0, missing: 0 });
  assert.deepStrictEqual(r.problems, []);
});

test('20,000 messages through one page: heaps flat, DOM bounded', { timeout: 120_000 }, async (t) => {
  const r = await runSoak(
    { messages: 20_000, samples: 10, maxMessages: 100, wasmSlackPages: 4, stallSeconds: 10 },
    { browser, log: (line) => t.diagnostic(line) },
  );
  assert.deepStrictEqual({ received: r.received, duplicates: r.duplicates, gaps: r.gaps },
    { received: 20_000, duplicates: 0, gaps: 0 });
  assert.ok(r.maxDom <= 100, `${r.maxDom} lines in #messages`);
  assert.ok(r.wasm.secondMax <= r.wasm.firstMax + 4 * 65536,
    `wasm heap ${r.wasm.secondMax} B in the second half > ${r.wasm.firstMax} B + 4 pages`);
  assert.deepStrictEqual(r.problems, []);
});
