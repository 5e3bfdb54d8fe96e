// One bench page in its own plain Chromium process: start it, wait (with
// deadlines) for what it reports, kill it.
import { launchChromium } from './browser.js';

/**
 * Opens `path` (with ?block=<id> and `query`) in a fresh Chromium process and
 * calls `body({ mailbox, chromium, abort })`; `abort` settles if Chromium exits
 * on its own. Chromium is killed afterwards whatever happens.
 */
export async function withPage(server, { path, query = {}, plan = null }, body) {
  const mailbox = server.newBlock(plan);
  const url = new URL(path, server.origin);
  url.searchParams.set('block', mailbox.id);
  for (const [key, value] of Object.entries(query)) url.searchParams.set(key, String(value));
  const chromium = launchChromium(url.href);
  const abort = chromium.exited.then(({ code, signal }) =>
    `Chromium exited by itself (code ${code}, signal ${signal}; stderr: ${chromium.stderrTail().slice(-400)})`);
  try {
    return await body({ mailbox, chromium, abort });
  } finally {
    await chromium.kill();
    server.dropBlock(mailbox.id);
  }
}

/** Runs a page whose plan ends with { type: 'done' }; returns everything it reported. */
export async function runPlanPage(server, { path, plan, deadlineMs, idleMs }) {
  return withPage(server, { path, plan }, async ({ mailbox, abort }) => {
    await mailbox.waitFor((m) => m.type === 'done', deadlineMs, `${path} to finish`, { abort, idleMs });
    return mailbox.messages;
  });
}
