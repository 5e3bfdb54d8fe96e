// A TypeScript consumer of the installed package: compiled by types.test.js
// with `tsc --strict --noEmit` against node_modules/wasmchat (the packed
// tarball), never against the source tree. Nothing here runs.
import {
  createChatClient, WasmWebSocket, defineChatElement,
  type ChatClient, type ChatClientOptions, type ChatClientEventMap, type ChatMessageDetail,
  type ChatMode, type ChatState, type NetworkState, type DeliveryState, type SendFailure, type SendResult,
  type WasmChatElement, type WasmWebSocketEventMap,
} from 'wasmchat';
import * as single from 'wasmchat/single-file';

const options: ChatClientOptions = {
  server: 'wss://chat.example/ws',
  nickname: 'ana',
  maxLength: 100,
  wasmUrl: new URL('https://cdn.example/wasmchat.wasm'),
  reconnectMinDelay: 250,
};

export async function startChat(log: HTMLElement): Promise<ChatClient> {
  const client = await createChatClient(options);

  client.addEventListener('open', (event) => {
    const mode: ChatMode = event.detail.mode;
    const name: string = event.detail.name;
    log.dataset.mode = `${mode} ${name}`;
  });
  client.addEventListener('message', ({ detail }) => {
    const line = document.createElement('div');
    if (detail.own) {
      // Narrowed to the own-message variant.
      const state: DeliveryState = detail.state;
      line.textContent = `${detail.id}: ${detail.text} (${state}${detail.reason ? `, ${detail.reason}` : ''})`;
    } else {
      const seq: number = detail.seq;
      const when = new Date(detail.time);
      line.textContent = `#${seq} ${when.toISOString()} ${detail.from}: ${detail.text}`;
    }
    log.append(line);
  });
  client.addEventListener('status', ({ detail }) => {
    const state: ChatState = detail.state;
    const online: number = detail.online;
    log.title = `${state}, ${online} online`;
  });
  client.addEventListener('error', ({ detail }) => console.warn(detail.code, detail.message));
  client.addEventListener('close', ({ detail }) => {
    const again: number | null = detail.reconnectIn;
    if (again === null && detail.wasClean) log.title = `closed ${detail.code} ${detail.reason}`;
  });
  client.addEventListener('drain', (event: ChatClientEventMap['drain']) => void event.detail);

  const result: SendResult = client.send('hello');
  if (result.ok) {
    const id: string = result.id;
    log.dataset.last = id;
  } else {
    const reason: SendFailure = result.reason;
    log.dataset.problem = `${reason}: ${result.message}`;
  }
  client.setNickname('bo');
  const counters: number[] = [client.readyState, client.bufferedAmount, client.queued, client.queuedBytes, client.online];
  log.dataset.counters = counters.join();
  const state: ChatState = client.state;
  log.dataset.state = state;

  // A URL provider (fresh token per attempt), sync or async, and the connect timeout.
  void createChatClient({ server: async () => new URL('wss://chat.example/ws?token=t'), connectTimeout: 5000 });
  void createChatClient({ server: () => 'wss://chat.example/ws' });
  const network: NetworkState = client.network;
  client.addEventListener('status', ({ detail }) => {
    const waiting: boolean = detail.state === 'offline' && detail.network === 'offline';
    log.dataset.network = `${network} ${waiting}`;
  });
  // @ts-expect-error a provider returns a URL, not a number
  void createChatClient({ server: () => 42 });
  // @ts-expect-error SendResult must be narrowed before reading id
  void result.id;
  // @ts-expect-error an unknown option is rejected
  void createChatClient({ server: '/ws', maxLenght: 10 });
  // @ts-expect-error maxLength is a number
  void createChatClient({ maxLength: '50' });
  // @ts-expect-error ChatClient cannot be constructed directly
  void new (client.constructor as typeof ChatClient)();
  return client;
}

export function useSocket(): WebSocket | WasmWebSocket {
  // WasmWebSocket is used like a WebSocket.
  const socket = new WasmWebSocket('wss://chat.example/ws', ['wasmchat.v1']);
  socket.binaryType = 'arraybuffer';
  socket.onopen = () => socket.send(new Uint8Array([1, 2, 3]));
  socket.onmessage = (event: MessageEvent) => {
    const data: unknown = event.data;
    if (typeof data === 'string') socket.send(data.toUpperCase());
    else if (data instanceof ArrayBuffer) socket.send(data);
  };
  socket.addEventListener('close', (event) => {
    const code: number = event.code;
    const wasClean: boolean = event.wasClean;
    console.log(code, wasClean, event.reason);
  });
  const onError = (event: WasmWebSocketEventMap['error']) => console.log(event.type);
  socket.addEventListener('error', onError);
  socket.removeEventListener('error', onError);
  if (socket.readyState === WasmWebSocket.OPEN && socket.bufferedAmount === 0) socket.close(1000, 'done');
  const constants: 0 | 1 | 2 | 3 = socket.CLOSED;
  console.log(constants, socket.url, socket.protocol, socket.extensions);
  // Anything that takes an EventTarget takes it.
  const target: EventTarget = socket;
  void target;
  // @ts-expect-error readyState is read-only
  socket.readyState = 3;
  // @ts-expect-error only the browser's BinaryType values
  socket.binaryType = 'text';
  return socket;
}

export function useElement(container: HTMLElement): WasmChatElement {
  const WasmChat = defineChatElement('my-chat');
  const element: WasmChatElement = new WasmChat();
  element.setAttribute('server', 'wss://chat.example/ws');
  element.addEventListener('message', (event) => {
    const detail: ChatMessageDetail = event.detail;
    if (!detail.own) container.title = detail.from;
  });
  element.addEventListener('status', (event) => { container.dataset.online = String(event.detail.online); });
  container.append(element);
  const client: ChatClient | null = element.client;
  // @ts-expect-error client may be null until connected
  client.send('x');
  return element;
}

// The single-file build has the same API and types.
export const singleCreate: typeof createChatClient = single.createChatClient;
export const SingleSocket: typeof WasmWebSocket = single.WasmWebSocket;
