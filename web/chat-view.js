// Binds the chat markup (the classic form and message list plus status
// fields; see index.html) to a ChatClient. Shared by the page and the
// <wasm-chat> element. Only wiring: the C++ core decides what to show; text is
// always set with textContent, so markup in a message shows as text.

const readyStates = ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'];

/** Message lines kept in the DOM by default; older ones are removed. */
export const DEFAULT_MAX_MESSAGES = 500;

/**
 * Lines built per animation frame at most, newest first; the rest of the
 * newest maxMessages are built in the frames after. In a burst, building
 * 500 lines (and laying them out) in one frame was the main part of the
 * frames over 50 ms (docs/benchmarks.md, rendering a burst); 100 lines
 * fill more than a screen.
 */
const LINES_PER_FRAME = 100;

/**
 * Wires `root` (a Document or ShadowRoot holding the markup) to `client`.
 * New lines, state changes of own lines and the status fields are written
 * once per animation frame, however many messages arrived (new lines at
 * most LINES_PER_FRAME per frame, newest first), and only the newest
 * `maxMessages` lines stay in the DOM, so a burst never blocks the page.
 * Returns a function that unbinds it.
 */
export function bindChatView(root, client, { maxMessages = DEFAULT_MAX_MESSAGES } = {}) {
  const $ = (id) => root.querySelector(`#${id}`);
  const publish = root.querySelector('form[name=publish]');
  const nick = root.querySelector('form[name=nick]');
  const messages = $('messages');
  const problem = $('problem');

  // The newest maxMessages lines, oldest first, as data: a line's elements
  // are made only when a frame comes and it is still among them (a burst of
  // thousands between two frames builds at most maxMessages, not thousands
  // to drop). A line is { from, text }, and for own lines also id and
  // detail (the latest state event); div (and stateSpan) once built.
  // `lines` are those of earlier frames (built or not yet), `arrived` those
  // since the last one; own lines by id, so a state change finds its line
  // before it is in the DOM.
  let lines = [];
  let arrived = [];
  let frame = 0;
  const ownLines = new Map();  // id -> own line; `.div` once it is in the DOM
  const stateChanged = new Set();  // own lines in the DOM whose state changed since the last frame
  let statusStale = false;

  function schedule() {
    // Hidden pages get no animation frames; a timer keeps them current.
    frame ||= document.hidden ? setTimeout(() => render(), 100) : requestAnimationFrame(() => render());
  }

  /** Writes what changed since the last frame, building at most `budget` lines. */
  function render(budget = LINES_PER_FRAME) {
    frame = 0;
    lines = lines.concat(arrived);
    arrived = [];
    for (const line of lines.splice(0, lines.length - maxMessages)) {
      line.div?.remove();
      ownLines.delete(line.id);
    }
    // Newest first: a line not yet built goes right below the nearest newer
    // line in the DOM (on top if there is none), runs of them as one fragment.
    let above = null;
    let run = null;
    const place = () => {
      if (run) above ? above.after(run) : messages.prepend(run);
      run = null;
    };
    for (let i = lines.length; i--;) {
      const line = lines[i];
      if (line.div) {
        place();
        above = line.div;
      } else if (budget-- > 0) {
        (run ??= new DocumentFragment()).append(build(line));
      } else {
        schedule();  // older lines still to build
        break;
      }
    }
    place();
    for (const own of stateChanged) showState(own);
    stateChanged.clear();
    if (statusStale) showStatus();
  }

  function build(entry) {
    const div = (entry.div = document.createElement('div'));
    div.className = entry.id ? 'message own' : 'message';
    div.setAttribute('part', entry.id ? 'message message-own' : 'message');
    if (entry.from) span(div, 'from', entry.from);
    span(div, 'text', entry.text);
    if (entry.id) {
      div.dataset.id = entry.id;
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
      arrived.push({ from: detail.from, text: detail.text });
      schedule();
      return;
    }
    // Own message: its line is made on its first event (queued); a later
    // event for an id without a line is for a line already dropped (a `sent`
    // after a reconnection carries the text again, and must not bring it back).
    let own = ownLines.get(detail.id);
    if (!own) {
      if (detail.state !== 'queued' || !detail.text) return;
      own = { from: client.name || 'me', text: detail.text, id: detail.id, detail };
      ownLines.set(detail.id, own);
      arrived.push(own);
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
    if (frame) render(Infinity);
    for (const [type, listener] of listeners) client.removeEventListener(type, listener);
    publish.onsubmit = null;
    if (nick) nick.onsubmit = null;
  };
}
