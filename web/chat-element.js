// <wasm-chat>: the chat as an element for embedding in an existing page.
// Shadow DOM keeps the host's CSS and ids out (and ours in); theming goes
// through CSS custom properties and ::part().
import { createChatClient } from './chat-client.js';
import { bindChatView } from './chat-view.js';

// Adopted as a constructed stylesheet, not a <style> element: strict CSP
// (style-src 'self') blocks inline styles but not constructed sheets.
const css = `
  :host { display: block; contain: content; }
  :host([hidden]) { display: none; }
  /* A host rule like "* { color: red !important }" matches the host element
     and would be inherited by everything in here: reset inheritance at the
     top; only the custom properties (the theming interface) come through. */
  .chat { all: initial; display: block; font: var(--wasm-chat-font, 15px/1.4 system-ui, sans-serif);
          color: var(--wasm-chat-color, #222); background: var(--wasm-chat-background, #fff);
          border: var(--wasm-chat-border, 1px solid #ddd); border-radius: var(--wasm-chat-radius, 6px);
          padding: var(--wasm-chat-padding, 0.75rem); }
  * { box-sizing: border-box; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: 0 0.75rem; margin: 0 0 0.5rem; font-size: 0.8em; }
  dt { color: var(--wasm-chat-muted, #666); } dd { margin: 0; }
  form { display: flex; gap: 0.5rem; margin: 0.25rem 0; }
  input[type=text] { flex: 1; font: inherit; }
  #problem { color: var(--wasm-chat-error, #a00); min-height: 1.4em; margin: 0.25rem 0; }
  #messages { max-height: var(--wasm-chat-height, 20rem); overflow-y: auto; }
  #messages > div { padding: 0.2rem 0; border-bottom: 1px solid var(--wasm-chat-rule, #eee); overflow-wrap: anywhere;
    content-visibility: auto; contain-intrinsic-block-size: auto 1.4em; }  /* lines out of view skip layout and paint */
  .from { font-weight: 600; margin-right: 0.5em; color: var(--wasm-chat-accent, inherit); }
  .state { color: var(--wasm-chat-muted, #666); font-size: 0.8em; margin-left: 0.5em; }
`;

const markup = `
<div class="chat" part="chat">
<dl part="status">
  <dt>Connection</dt><dd id="state">connecting</dd>
  <dt>readyState</dt><dd id="ready-state">CONNECTING</dd>
  <dt>bufferedAmount</dt><dd id="buffered-amount">0</dd>
  <dt>Outbox</dt><dd id="outbox">0</dd>
  <dt>Online</dt><dd id="online">–</dd>
</dl>
<form name="publish" part="form">
  <input type="text" name="message" autocomplete="off" aria-label="Message" part="input">
  <input type="submit" value="Send" part="button">
</form>
<p id="problem" role="alert" part="problem"></p>
<div id="messages" part="messages"></div>
</div>`;

// Parsed once, on first use: this module also loads where there is no DOM.
let template = null;
let sheet = null;

/** `persist` attribute -> option: absent, "" or "true" the default store, "false" off, else the store's name. */
const persistOption = (value) => {
  if (value === 'false') return false;
  return value === null || value === '' || value === 'true' ? true : { name: value };
};

const forwarded = ['open', 'message', 'status', 'error', 'close', 'drain'];

/**
 * The <wasm-chat> element class. Attributes: `server` (default '/ws'),
 * `nickname`, `max-length`, `max-messages` (lines kept, default 500), `persist`
 * (unsettled messages kept in IndexedDB, on by default; "false" turns it off,
 * another value names the store). Re-dispatches the client's events (same `detail`)
 * from itself; removing it from the document closes its connection.
 * Built on first use, since HTMLElement only exists in a window.
 */
const elementClass = () => class WasmChatElement extends HTMLElement {
  static observedAttributes = ['nickname'];

  #client = null;
  #unbind = null;
  #connecting = null;

  constructor() {
    super();
    if (!template) {
      template = document.createElement('template');
      template.innerHTML = markup;
      sheet = new CSSStyleSheet();
      sheet.replaceSync(css);
    }
    const shadow = this.attachShadow({ mode: 'open' });
    shadow.adoptedStyleSheets = [sheet];
    shadow.append(template.content.cloneNode(true));
  }

  /** The ChatClient behind the element, once connected (null before). */
  get client() { return this.#client; }

  async connectedCallback() {
    if (this.#client || this.#connecting) return;
    const maxLength = this.getAttribute('max-length');
    this.#connecting = createChatClient({
      server: this.getAttribute('server') ?? '/ws',
      nickname: this.getAttribute('nickname') ?? undefined,
      maxLength: maxLength === null ? undefined : Number(maxLength),
      persist: persistOption(this.getAttribute('persist')),
    });
    let client;
    try {
      client = await this.#connecting;
    } catch (error) {
      this.dispatchEvent(new CustomEvent('error', { detail: { code: 'bad_options', message: String(error.message) } }));
      return;
    } finally {
      this.#connecting = null;
    }
    if (!this.isConnected) {  // removed while loading
      client.close();
      return;
    }
    this.#client = client;
    const maxMessages = this.getAttribute('max-messages');
    this.#unbind = bindChatView(this.shadowRoot, client, maxMessages === null ? {} : { maxMessages: Number(maxMessages) });
    for (const type of forwarded) {
      client.addEventListener(type, (event) => this.dispatchEvent(new CustomEvent(type, { detail: event.detail })));
    }
  }

  disconnectedCallback() {
    // Moving the element within the document disconnects and reconnects it
    // in one task: only close if it is really gone.
    queueMicrotask(() => {
      if (this.isConnected || !this.#client) return;
      this.#unbind();
      this.#client.close();
      this.#client = null;
    });
  }

  attributeChangedCallback(name, previous, value) {
    if (name === 'nickname' && this.#client && value) this.#client.setNickname(value);
  }
};

/**
 * Registers <wasm-chat> (or `tagName`) once; returns the element class.
 * @param {string} [tagName]
 */
export function defineChatElement(tagName = 'wasm-chat') {
  const existing = customElements.get(tagName);
  if (existing) return existing;
  // A class per name: one class cannot be registered under two names.
  const element = elementClass();
  customElements.define(tagName, element);
  return element;
}
