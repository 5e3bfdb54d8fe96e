// The chat page: a client for this origin's /ws (or ?server=), bound to the
// page's markup by the same view the <wasm-chat> element uses.
import { createChatClient, bindChatView } from '/dist/index.js';

const params = new URLSearchParams(location.search);
// ?server= picks another compatible server; numeric options (?maxLength=,
// ?maxOutboxMessages=, ...) tune the client, e.g. for a slow network.
const tunable = ['maxLength', 'maxIncomingBytes', 'highWaterMark', 'retryInterval', 'maxOutboxMessages',
  'maxOutboxBytes', 'reconnectMinDelay', 'reconnectMaxDelay', 'connectTimeout', 'greetingTimeout', 'heartbeatInterval',
  'heartbeatTimeout'];
const client = await createChatClient({
  server: params.get('server') ?? '/ws',  // resolved against the page: http -> ws, https -> wss
  nickname: params.get('nickname') ?? undefined,
  // Unsettled messages survive a reload or a crash (web/outbox-store.js); ?persist=false keeps them in memory.
  persist: params.get('persist') !== 'false',
  ...Object.fromEntries(tunable.filter((name) => params.has(name)).map((name) => [name, Number(params.get(name))])),
});
window.chat = client;  // for people poking at it from the console, and for tests
bindChatView(document, client, params.has('maxMessages') ? { maxMessages: Number(params.get('maxMessages')) } : {});
