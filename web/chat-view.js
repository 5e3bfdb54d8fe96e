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

  // Lines created since the last frame, oldest first; own lines by id, so a
  // state change finds its line even before it is in the DOM.
  let pending = [];
  let frame = 0;
  const ownLines = new Map();
  const pendingStates = new Map();  // own line -> its latest message detail
  let statusStale = false;

  function schedule() {
    // Hidden pages get no animation frames; a timer keeps them current.
    frame ||= document.hidden ? setTimeout(render, 100) : requestAnimationFrame(render);
  }

  function render() {
    frame = 0;
    const fragment = document.createDocumentFragment();
    for (let i = pending.length - 1; i >= 0; i--) fragment.append(pending[i]);  // newest on top
    pending = [];
    messages.prepend(fragment);
    while (messages.childElementCount > maxMessages) {
      const oldest = messages.lastElementChild;
      if (oldest.dataset.id) ownLines.delete(oldest.dataset.id);
      oldest.remove();
    }
    for (const [div, detail] of pendingStates) {
      div.dataset.state = detail.state;
      div.querySelector('.state').textContent = detail.reason ? `${detail.state}: ${detail.reason}` : detail.state;
    }
    pendingStates.clear();
    if (statusStale) showStatus();
  }

  function line(className) {
    const div = document.createElement('div');
    div.className = className;
    div.setAttribute('part', className.split(' ').map((c) => (c === 'message' ? 'message' : `message-${c}`)).join(' '));
    pending.push(div);
    schedule();
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
      const div = line('message');
      if (detail.from) span(div, 'from', detail.from);
      span(div, 'text', detail.text);
      return;
    }
    // Own message: the first event (queued) carries the text, later ones its state.
    let div = ownLines.get(detail.id);
    if (!div) {
      if (!detail.text) return;  // a state change for a line already dropped from the DOM
      div = line('message own');
      div.dataset.id = detail.id;
      ownLines.set(detail.id, div);
      span(div, 'from', client.name || 'me');
      span(div, 'text', detail.text);
      span(div, 'state', '');
    }
    pendingStates.set(div, detail);
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
