// Chat latency under load, page side. The sender page holds `senders`
// connections of one implementation, each sending one message every
// 1000/rate ms; the receiver page (another Chromium) shows every message (one
// <li> appended) and notes, per message, the time from its send() to that
// point. Both pages read the same clock (performance.timeOrigin + now(), the
// machine's wall clock at sub-ms resolution).
//   ?role=sender|receiver&impl=wasm|plain&server=ws://...&senders=N&rate=R&durationMs=D
import { params, report, fatal, waitSignal, nextEvent, deadline, sleep } from './common.js';

const role = params.get('role');
const impl = params.get('impl');
const server = params.get('server');
const senders = Number(params.get('senders'));
const rate = Number(params.get('rate'));
const durationMs = Number(params.get('durationMs'));
const perSender = Math.max(1, Math.floor((durationMs / 1000) * rate));
const expected = senders * perSender;
const clock = () => performance.timeOrigin + performance.now();
// "<sender>.<i> <send time>": fits the server's 50 code points.
const textOf = (sender, i) => `${sender}.${i} ${clock().toFixed(3)}`;

async function wasmClient(onForeign) {
  const { createChatClient } = await import('/dist/index.js');
  const client = await createChatClient({ server });
  client.addEventListener('message', ({ detail }) => { if (!detail.own) onForeign(detail.text); });
  if (client.state !== 'open') await nextEvent(client, 'open', 20_000);
  if (client.mode !== 'v1') throw new Error(`expected wasmchat.v1, got mode ${client.mode}`);
  const problems = [];
  client.addEventListener('error', ({ detail }) => problems.push(detail?.code ?? 'error'));
  return {
    send: (text) => { const r = client.send(text); if (!r.ok) throw new Error(`send: ${r.reason}`); },
    close: () => client.close(),
    problems: () => problems,
  };
}

let plainIds = 0;
async function plainClient(onForeign) {
  const { createPlainChat } = await import('/bench/plain-chat.js');
  let chat = null;
  // What a plain client must do to lose nothing: a `say` the server refused
  // for the rate (a stalled server's bucket holds only one second of
  // tokens when the backlog arrives) goes again a moment later, under the
  // same id and text, so its latency counts from the first send().
  const unacked = new Map();
  const retry = (envelope) => {
    if (envelope.code !== 'rate_limited' || !unacked.has(envelope.id)) return;
    setTimeout(() => chat.say(envelope.id, unacked.get(envelope.id)), 100);
  };
  chat = createPlainChat(server, {
    onMessage: (envelope) => {
      if (envelope.from !== chat.name) onForeign(envelope.text);
      else unacked.delete(envelope.id);
    },
    onError: retry,
  });
  await deadline(chat.ready, 20_000, 'welcome');
  return {
    send: (text) => {
      const id = `p${++plainIds}`;
      unacked.set(id, text);
      chat.say(id, text);
    },
    close: () => chat.close(),
    // What the server refused (rate_limited ones were sent again), and connections it closed.
    problems: () => [...chat.errors.map((e) => e.code), ...(chat.socket.readyState > 1 ? ['closed'] : [])],
  };
}

const connect = impl === 'wasm' ? wasmClient : plainClient;

async function main() {
  if (role === 'receiver') {
    const list = document.getElementById('shown');
    const latencies = [];
    let finish;
    const all = new Promise((resolve) => { finish = resolve; });
    const client = await connect((text) => {
      const item = document.createElement('li');
      item.textContent = text;
      list.append(item);
      latencies.push(clock() - Number(text.slice(text.indexOf(' ') + 1)));
      if (latencies.length === expected) finish();
    });
    await report({ type: 'ready', role });
    await deadline(all, durationMs + 60_000, `receiving ${expected} messages`).catch((error) => {
      throw new Error(`${error.message}; got ${latencies.length}`);
    });
    await report({ type: 'received', role, impl, latencies });
    client.close();
    return;
  }
  const clients = [];
  for (let s = 0; s < senders; s++) clients.push(await connect(() => {}));
  await report({ type: 'ready', role });
  await waitSignal('go', 60_000);
  // Each connection on its own timer, spread over one interval. A late timer
  // (a busy page) does not catch up with a burst: two sends of a connection
  // are at least one interval apart, so its pace never exceeds the rate and
  // the server refuses nothing (the plain client would lose it). Half an
  // interval, as before, let a page that was behind send at twice the rate,
  // over the server's limit: on a loaded machine (load 18 on 2 cores) 3 of 5
  // plain runs with 40 senders lost messages to rate_limited.
  const interval = 1000 / rate;
  await Promise.all(clients.map((client, s) => new Promise((resolve) => {
    let i = 0;
    let due = performance.now() + (interval * s) / senders;
    const tick = () => {
      client.send(textOf(s, i));
      if (++i === perSender) return resolve();
      due = Math.max(due + interval, performance.now() + interval);
      setTimeout(tick, Math.max(0, due - performance.now()));
    };
    setTimeout(tick, Math.max(0, due - performance.now()));
  })));
  await report({ type: 'sent', role, impl });
  // Every few seconds, what went wrong on the senders' side, for the harness's error message.
  for (;;) {
    await sleep(2000);
    const problems = {};
    for (const code of clients.flatMap((c) => c.problems())) problems[code] = (problems[code] ?? 0) + 1;
    await report({ type: 'problems', role, problems });
  }
}

main().catch(fatal);
