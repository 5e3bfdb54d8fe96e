// Binds the chat markup (the classic form and message list plus status
// fields; see index.html) to a ChatClient. Shared by the page and the
// <wasm-chat> element. Only wiring: the C++ core decides what to show; text is
// always set with textContent, so markup in a message shows as text.

const readyStates = ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'];

/** Message lines kept in the DOM by default; older ones are removed. */
export const DEFAULT_MAX_MESSAGES = 500;

/**
 * Wires `root` (a Document or ShadowRoot holding the markup) to `client`.
 * New lines, state changes of own lines and the status fields are written
 * once per animation frame, however many messages arrived, and only the
 * newest `maxMessages` lines stay in the DOM, so a burst never blocks the
 * page. Returns a function that unbinds it.
 */
export function bindChatView(root, client, { maxMessages = DEFAULT_MAX_MESSAGES } = {}) {
  const $ = (id) => root.querySelector(`#${id}`);
  const publish = root.querySelector('form[name=publish]');
  const nick = root.querySelector('form[name=nick]');
  const messages = $('messages');
  const problem = $('problem');

  // Lines since the last frame, oldest first, as data: a line's elements are
  // made only if it is among the newest maxMessages when the frame comes (a
  // burst of thousands between two frames builds 500, not thousands to drop).
  // A line is { className, from, text }, and for own lines also id, detail
  // (the latest state event), then div and stateSpan once built;
  // own lines by id, so a state change finds its line before it is in the DOM.
  let pending = [];
  let frame = 0;
  const ownLines = new Map();  // id -> own line; `.div` once it is in the DOM
  const stateChanged = new Set();  // own lines in the DOM whose state changed since the last frame
  let statusStale = false;

  function schedule() {
    // Hidden pages get no animation frames; a timer keeps them current.
    frame ||= document.hidden ? setTimeout(render, 100) : requestAnimationFrame(render);
  }

  function render() {
    frame = 0;
    const first = Math.max(0, pending.length - maxMessages);
    for (let i = 0; i < first; i++) if (pending[i].id) ownLines.delete(pending[i].id);  // never shown
    const fragment = document.createDocumentFragment();
    for (let i = pending.length - 1; i >= first; i--) fragment.append(build(pending[i]));  // newest on top
    pending = [];
    messages.prepend(fragment);
    while (messages.childElementCount > maxMessages) {
      const oldest = messages.lastElementChild;
      if (oldest.dataset.id) ownLines.delete(oldest.dataset.id);
      oldest.remove();
    }
    for (const own of stateChanged) showState(own);
    stateChanged.clear();
    if (statusStale) showStatus();
  }

  function build(entry) {
    const div = document.createElement('div');
    div.className = entry.className;
    div.setAttribute('part', entry.className.split(' ').map((c) => (c === 'message' ? 'message' : `message-${c}`)).join(' '));
    if (entry.from) span(div, 'from', entry.from);
    span(div, 'text', entry.text);
    if (entry.id) {
      div.dataset.id = entry.id;
      entry.div = div;
      entry.stateSpan = span(div, 'state', '');
      showState(entry);
    }
    return div;
  }

  function showState({ div, stateSpan, detail }) {
    div.dataset.state = detail.state;
    stateSpan.textContent = detail.reason ? `${detail.state}: ${detail.reason}` : detail.state;
  }

  function span(parent, className, text) {
    const s = document.createElement('span');
    s.className = className;
    s.textContent = text;
    parent.append(s);
    return s;
  }

  function showStatus() {
    statusStale = false;
    $('state').textContent = `${client.state}${client.mode === 'unknown' ? '' : ` (${client.mode})`}`;
    $('ready-state').textContent = readyStates[client.readyState];
    $('buffered-amount').textContent = String(client.bufferedAmount);
    $('outbox').textContent = String(client.queued);
    $('online').textContent = client.mode === 'v1' ? String(client.online) : '–';
    if (nick && client.name && root.activeElement !== nick.nickname) nick.nickname.value = client.name;
  }

  const onMessage = ({ detail }) => {
    if (!detail.own) {
      pending.push({ className: 'message', from: detail.from, text: detail.text });
      schedule();
      return;
    }
    // Own message: its line is made on its first event (queued); a later
    // event for an id without a line is for a line already dropped (a `sent`
    // after a reconnection carries the text again, and must not bring it back).
    let own = ownLines.get(detail.id);
    if (!own) {
      if (detail.state !== 'queued' || !detail.text) return;
      own = { className: 'message own', from: client.name || 'me', text: detail.text, id: detail.id, detail };
      ownLines.set(detail.id, own);
      pending.push(own);
    }
    own.detail = detail;
    if (own.div) stateChanged.add(own);
    schedule();
  };
  const onError = ({ detail }) => { problem.textContent = `${detail.code}: ${detail.message}`; };
  const onClose = ({ detail }) => {
    if (detail.reconnectIn === null) {
      problem.textContent = `Closed (${detail.code}${detail.reason ? `: ${detail.reason}` : ''}).`;
    } else if (client.state === 'offline') {
      problem.textContent = `Connection lost (${detail.code}); offline, reconnecting when the network is back.`;
    } else {
      problem.textContent = `Connection lost (${detail.code}); reconnecting in ${(detail.reconnectIn / 1000).toFixed(1)} s.`;
    }
  };
  const onOpen = () => { problem.textContent = ''; };

  const listeners = [['message', onMessage], ['error', onError], ['close', onClose], ['open', onOpen]];
  const statusChanged = () => {
    statusStale = true;
    schedule();
  };
  for (const type of ['status', 'message', 'drain', 'open', 'close']) listeners.push([type, statusChanged]);
  for (const [type, listener] of listeners) client.addEventListener(type, listener);
  const timer = setInterval(showStatus, 250);  // bufferedAmount has no event of its own
  showStatus();

  publish.onsubmit = (event) => {
    event.preventDefault();
    const result = client.send(publish.message.value);
    if (result.ok) {
      publish.message.value = '';
      problem.textContent = '';
    } else {
      problem.textContent = result.message;  // e.g. outbox_full, too_long: the text stays in the field
    }
  };
  if (nick) {
    nick.onsubmit = (event) => {
      event.preventDefault();
      client.setNickname(nick.nickname.value);
    };
  }

  return () => {
    clearInterval(timer);
    if (frame) render();
    for (const [type, listener] of listeners) client.removeEventListener(type, listener);
    publish.onsubmit = null;
    if (nick) nick.onsubmit = null;
  };
}
