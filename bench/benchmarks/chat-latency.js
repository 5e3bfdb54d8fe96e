// Benchmark 3b: chat latency under load. N sender connections (one sender
// page per implementation, one Chromium) each send at the rate the server
// allows them (80% of its messagesPerSecond, the pace our client keeps to),
// and a receiver page in another Chromium shows every message; per message,
// the time from send() to shown, p50 and p99, ours against the plain JS chat
// (bench/plain-chat.js). Each run gets a fresh chat server with the given
// rate limit; an unpaced case lifts the limit (1e9/s) so that neither the
// server's bucket nor our client's pacer takes part, at the same send rate.
import { startServer } from '../../server/app.js';
import { withSenderAndReceiver } from '../lib/run-page.js';
import { summary, ratio, percentileSorted } from '../lib/stats.js';
import { CHAT_IMPLS } from './chat.js';


async function latencyRun(server, { impl, senders, serverRate, sendRate, durationMs }) {
  const chat = await startServer({ host: '127.0.0.1', port: 0, messagesPerSecond: serverRate });
  try {
    const query = { impl, server: `ws://127.0.0.1:${chat.port}/ws`, senders, rate: sendRate, durationMs };
    return await withSenderAndReceiver(server, { path: '/bench/pages/chat-latency.html', query, senderReadyMs: 60_000, senderReady: 'the senders to be connected' }, async ({ receiver, sender, abort }) => {
      let problems = {};
      sender.mailbox.waitFor((m) => { if (m.type === 'problems') problems = m.problems; return false; }, durationMs + 80_000, 'never')
        .catch(() => {});
      const { latencies } = await receiver.mailbox.waitFor((m) => m.type === 'received', durationMs + 70_000,
        'the receiver to show every message', { abort }).catch((error) => {
        throw new Error(`${error.message}; senders' side: ${JSON.stringify(problems)}`);
      });
      const sorted = [...latencies].sort((a, b) => a - b);
      return { messages: sorted.length, p50: percentileSorted(sorted, 50), p99: percentileSorted(sorted, 99), max: sorted.at(-1) };
    });
  } finally {
    await chat.close();
  }
}

export async function runChatLatency({ server, options, log }) {
  const { senderCounts, unpacedSenderCounts, serverRate, durationMs } = options.chatLatency;
  const sendRate = serverRate * 0.8;
  const plan = [
    ...senderCounts.map((senders) => ({ senders, paced: true })),
    ...unpacedSenderCounts.map((senders) => ({ senders, paced: false })),
  ];
  log(`  chat latency under load: ${plan.map((c) => `${c.senders}${c.paced ? '' : ' unpaced'}`).join(', ')} senders at ` +
    `${sendRate}/s each for ${durationMs} ms, server limit ${serverRate}/s (unpaced: off)`);
  const cases = [];
  const errors = [];
  for (const { senders, paced } of plan) {
    const limit = paced ? serverRate : 1e9;
    const label = `${senders} senders${paced ? '' : ' unpaced'}`;
    const runs = Object.fromEntries(CHAT_IMPLS.map((impl) => [impl, []]));
    for (let rep = 0; rep < options.reps; rep++) {
      for (const impl of CHAT_IMPLS) {
        try {
          runs[impl].push(await latencyRun(server, { impl, senders, serverRate: limit, sendRate, durationMs }));
        } catch (error) {
          errors.push(`chat-latency ${label} ${impl} rep ${rep + 1}: ${error.message}`);
          runs[impl].push(null);
        }
      }
    }
    const series = (impl, key) => runs[impl].map((r) => r?.[key] ?? NaN);
    const stats = Object.fromEntries(CHAT_IMPLS.map((impl) => [impl, {
      p50: summary(series(impl, 'p50')), p99: summary(series(impl, 'p99')),
      p50VsPlain: ratio(series(impl, 'p50'), series('plain', 'p50')), p99VsPlain: ratio(series(impl, 'p99'), series('plain', 'p99')),
    }]));
    log(`    ${label}: p50 plain ${stats.plain.p50.median?.toFixed(1)} ms, ours ${stats.wasm.p50.median?.toFixed(1)} ms ` +
      `(x${stats.wasm.p50VsPlain.ratio.toFixed(2)}); p99 plain ${stats.plain.p99.median?.toFixed(1)} ms, ours ` +
      `${stats.wasm.p99.median?.toFixed(1)} ms (x${stats.wasm.p99VsPlain.ratio.toFixed(2)})`);
    cases.push({ senders, paced, serverRate: limit, runs, stats });
  }
  return { senderCounts, unpacedSenderCounts, serverRate, sendRate, durationMs, cases, errors };
}
