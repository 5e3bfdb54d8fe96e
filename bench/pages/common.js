// Page side of the harness: reports to the bench server, plans, go-signals,
// and waits that always have a deadline.
export const params = new URLSearchParams(location.search);
export const block = params.get('block');

/** Posts one message (or several) to the harness. */
export async function report(message) {
  const body = JSON.stringify(message);
  for (let attempt = 0; ; attempt++) {
    try {
      const response = await fetch(`/report/${block}`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
      if (response.ok) return;
      throw new Error(`HTTP ${response.status}`);
    } catch (error) {
      if (attempt >= 3) throw error;
      await sleep(50);
    }
  }
}

/** A failure that ends the page's work: the harness stops waiting at once. */
export function fatal(error) {
  return report({ type: 'fatal', error: String(error?.stack ?? error) }).catch(() => {});
}

if (block) {
  addEventListener('error', (event) => fatal(event.error ?? event.message));
  addEventListener('unhandledrejection', (event) => fatal(event.reason));
  // Tells the harness the page is up (it relaunches Chromium once otherwise).
  report({ type: 'hello', crossOriginIsolated: globalThis.crossOriginIsolated ?? false }).catch(() => {});
}

export async function getPlan() {
  const response = await fetch(`/plan/${block}`, { cache: 'no-store' });
  if (!response.ok) throw new Error(`no plan for block ${block}: HTTP ${response.status}`);
  return response.json();
}

/** Waits for the harness's go-signal `name` (long poll, retried until `ms`). */
export async function waitSignal(name, ms) {
  const deadline = performance.now() + ms;
  while (performance.now() < deadline) {
    const left = Math.max(1000, Math.round(deadline - performance.now()));
    const response = await fetch(`/wait/${block}/${name}?timeout=${Math.min(left, 30_000)}`, { cache: 'no-store' });
    if (response.status === 200) return;
  }
  throw new Error(`timed out after ${ms} ms waiting for the harness's '${name}'`);
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** `promise`, or a rejection after `ms`. */
export function deadline(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms); }),
  ]).finally(() => clearTimeout(timer));
}

/** The next `type` event of `target` (an EventTarget), within `ms`. */
export function nextEvent(target, type, ms, { failOn = [] } = {}) {
  return deadline(new Promise((resolve, reject) => {
    const onEvent = (event) => { cleanup(); resolve(event); };
    const onFail = (event) => { cleanup(); reject(new Error(`got '${event.type}' while waiting for '${type}'`)); };
    const cleanup = () => {
      target.removeEventListener(type, onEvent);
      for (const name of failOn) target.removeEventListener(name, onFail);
    };
    target.addEventListener(type, onEvent);
    for (const name of failOn) target.addEventListener(name, onFail);
  }), ms, `waiting for '${type}'`);
}
