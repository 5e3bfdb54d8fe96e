// One bench page in its own plain Chromium process: start it, wait (with
// deadlines) for what it reports, kill it.
import { launchChromium } from './browser.js';

/**
 * Opens `path` (with ?block=<id> and `query`) in a fresh Chromium process and
 * resolves once the page said hello: { mailbox, chromium, abort, close() }.
 * `abort` settles if Chromium exits on its own; close() kills it. A page that
 * has not said hello within HELLO_MS gets one more Chromium.
 */
export async function openPage(server, { path, query = {}, plan = null }) {
  const mailbox = server.newBlock(plan);
  const url = new URL(path, server.origin);
  url.searchParams.set('block', mailbox.id);
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, String(value));
  for (let attempt = 1; ; attempt++) {
    const chromium = launchChromium(url.href);
    try {
      await mailbox.waitFor((m) => m.type === 'hello', HELLO_MS, `${path} to load`, { abort: exitReason(chromium) });
      return {
        mailbox,
        chromium,
        abort: exitReason(chromium),
        async close() {
          await chromium.kill();
          server.dropBlock(mailbox.id);
        },
      };
    } catch (error) {
      await chromium.kill();
      if (attempt >= 2) {
        server.dropBlock(mailbox.id);
        throw error;
      }
    }
  }
}

/** openPage(), then `body(page)`, then Chromium is killed whatever happens. */
export async function withPage(server, options, body) {
  const page = await openPage(server, options);
  try {
    return await body(page);
  } finally {
    await page.close();
  }
}

/**
 * The two-page benchmarks (chat end to end, chat latency): a receiver and a
 * sender page of `path` start at once (`query` plus `role`), both must report
 * ready (the sender within `senderReadyMs`), the sender gets 'go', then
 * `body({ receiver, sender, abort })` runs (`abort` rejects if either page
 * dies) and both pages are closed whatever happens.
 */
export async function withSenderAndReceiver(server, { path, query, senderReadyMs = 30_000, senderReady = 'the sender to be ready' }, body) {
  const opened = await Promise.allSettled(['receiver', 'sender'].map((role) => openPage(server, { path, query: { ...query, role } })));
  try {
    const failed = opened.find((o) => o.status === 'rejected');
    if (failed) throw failed.reason;
    const [receiver, sender] = opened.map((o) => o.value);
    const abort = Promise.race([receiver.abort, sender.abort]);
    await receiver.mailbox.waitFor((m) => m.type === 'ready', 30_000, 'the receiver to be ready', { abort });
    await sender.mailbox.waitFor((m) => m.type === 'ready', senderReadyMs, senderReady, { abort });
    server.signal(sender.mailbox.id, 'go');
    return await body({ receiver, sender, abort });
  } finally {
    await Promise.all(opened.filter((o) => o.status === 'fulfilled').map((o) => o.value.close()));
  }
}

const HELLO_MS = 20_000;

const exitReason = (chromium) => chromium.exited.then(({ code, signal }) =>
  `Chromium exited by itself (code ${code}, signal ${signal}; stderr: ${chromium.stderrTail().slice(-400)})`);

/** Runs a page whose plan ends with { type: 'done' }; returns everything it reported. */
export async function runPlanPage(server, { path, plan, deadlineMs, idleMs }) {
  return withPage(server, { path, plan }, async ({ mailbox, abort }) => {
    await mailbox.waitFor((m) => m.type === 'done', deadlineMs, `${path} to finish`, { abort, idleMs });
    return mailbox.messages;
  });
}
