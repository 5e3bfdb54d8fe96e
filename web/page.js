// The chat page. Only wiring: the C++ chat core decides what to show and in
// which state; this file turns its events into DOM (always with textContent,
// so markup in a message is shown as text) and form submits into calls.
import { createChatClient } from '/dist/index.js';

const params = new URLSearchParams(location.search);
const $ = (id) => document.getElementById(id);
const readyStates = ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'];
const { publish, nick } = document.forms;

// ?server= picks another compatible server; numeric options (?maxLength=,
// ?maxOutboxMessages=, ...) tune the client, e.g. for a slow network.
const tunable = ['maxLength', 'maxIncomingBytes', 'highWaterMark', 'retryInterval', 'maxOutboxMessages',
  'maxOutboxBytes', 'reconnectMinDelay', 'reconnectMaxDelay', 'greetingTimeout', 'heartbeatInterval',
  'heartbeatTimeout'];
const client = await createChatClient({
  server: params.get('server') ?? '/ws',  // resolved against the page: http -> ws, https -> wss
  nickname: params.get('nickname') ?? undefined,
  ...Object.fromEntries(tunable.filter((name) => params.has(name)).map((name) => [name, Number(params.get(name))])),
});
window.chat = client;  // for people poking at it from the console, and for tests

function line(className) {
  const div = document.createElement('div');
  div.className = className;
  $('messages').prepend(div);
  return div;
}

function span(parent, className, text) {
  const s = document.createElement('span');
  s.className = className;
  s.textContent = text;
  parent.append(s);
  return s;
}

function showStatus() {
  $('state').textContent = `${client.state}${client.mode === 'unknown' ? '' : ` (${client.mode})`}`;
  $('ready-state').textContent = readyStates[client.readyState];
  $('buffered-amount').textContent = String(client.bufferedAmount);
  $('outbox').textContent = String(client.queued);
  $('online').textContent = client.mode === 'v1' ? String(client.online) : '–';
  if (client.name && document.activeElement !== nick.nickname) nick.nickname.value = client.name;
}

client.addEventListener('message', ({ detail }) => {
  if (!detail.own) {
    const div = line('message');
    if (detail.from) span(div, 'from', detail.from);
    span(div, 'text', detail.text);
    return;
  }
  // Own message: first event (queued) carries the text; later ones its state.
  let div = document.querySelector(`[data-id="${CSS.escape(detail.id)}"]`);
  if (!div) {
    div = line('message own');
    div.dataset.id = detail.id;
    span(div, 'from', client.name || 'me');
    span(div, 'text', detail.text);
    span(div, 'state', '');
  }
  div.dataset.state = detail.state;
  div.querySelector('.state').textContent = detail.reason ? `${detail.state}: ${detail.reason}` : detail.state;
});
client.addEventListener('error', ({ detail }) => { $('problem').textContent = `${detail.code}: ${detail.message}`; });
client.addEventListener('close', ({ detail }) => {
  $('problem').textContent = detail.reconnectIn === null
    ? `Closed (${detail.code}${detail.reason ? `: ${detail.reason}` : ''}).`
    : `Connection lost (${detail.code}); reconnecting in ${(detail.reconnectIn / 1000).toFixed(1)} s.`;
});
client.addEventListener('open', () => { $('problem').textContent = ''; });
for (const type of ['status', 'message', 'drain', 'open', 'close']) client.addEventListener(type, showStatus);
setInterval(showStatus, 250);  // bufferedAmount has no event of its own
showStatus();

publish.onsubmit = (event) => {
  event.preventDefault();
  const result = client.send(publish.message.value);
  if (result.ok) {
    publish.message.value = '';
    $('problem').textContent = '';
  } else {
    $('problem').textContent = result.message;  // e.g. outbox_full, too_long: the text stays in the field
  }
};

nick.onsubmit = (event) => {
  event.preventDefault();
  client.setNickname(nick.nickname.value);
};
