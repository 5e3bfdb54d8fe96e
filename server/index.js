// `npm start`: the page (web/), the built package (dist/), the chat at /ws,
// the lesson's /hello demo and an /echo endpoint, on one port (see app.js).
//   node server/index.js [--port 8080] [--host 127.0.0.1]
// Environment: PORT, HOST (the flags win), WASMCHAT_ALLOWED_ORIGINS
// (comma-separated origins allowed to open /ws; unset allows all),
// WASMCHAT_HISTORY (messages replayed to newcomers, default 100),
// WASMCHAT_REDIS_URL (redis://host:port: one chat with every instance on that
// Redis; unset: this process alone), WASMCHAT_MAX_BUFFERED_BYTES (a client
// with more unsent data is closed with 1013, default 1048576),
// WASMCHAT_TOKEN_SECRET (at least 32 characters: /ws admits only holders of a
// token signed with it, see token.js; unset: everyone is a guest).
import { parseArgs } from 'node:util';
import { startServer } from './app.js';
import { checkSecret, tokenAuthenticator } from './token.js';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.PORT || '8080' },
    host: { type: 'string', default: process.env.HOST || '127.0.0.1' },
  },
});

function fail(message) {
  console.error(`wasmchat: ${message}`);
  process.exit(2);
}

const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`bad port ${JSON.stringify(values.port)}`);

const chatOptions = {};
if (process.env.WASMCHAT_ALLOWED_ORIGINS !== undefined) {
  chatOptions.allowedOrigins = process.env.WASMCHAT_ALLOWED_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean);
}
if (process.env.WASMCHAT_HISTORY !== undefined) {
  const history = process.env.WASMCHAT_HISTORY.trim();
  if (!/^\d+$/.test(history)) fail(`WASMCHAT_HISTORY must be a whole number, not ${JSON.stringify(history)}`);
  chatOptions.historySize = Number(history);
}

if (process.env.WASMCHAT_MAX_BUFFERED_BYTES !== undefined) {
  const bound = process.env.WASMCHAT_MAX_BUFFERED_BYTES.trim();
  if (!/^\d+$/.test(bound)) fail(`WASMCHAT_MAX_BUFFERED_BYTES must be a whole number, not ${JSON.stringify(bound)}`);
  chatOptions.maxBufferedBytes = Number(bound);
}
if (process.env.WASMCHAT_REDIS_URL) {
  const url = process.env.WASMCHAT_REDIS_URL.trim();
  if (!/^rediss?:\/\//.test(url)) fail(`WASMCHAT_REDIS_URL must be a redis:// URL, not ${JSON.stringify(url)}`);
  chatOptions.redisUrl = url;
  // Until Redis answers, the instance does not listen: say what it waits for
  // (the host only: the URL may hold a password).
  console.log(`wasmchat: joining the cluster on Redis at ${new URL(url).host} ...`);
}

// Set but empty is refused, not taken for unset: a secret that went missing
// (an unset shell variable) must not open the chat to everyone.
if (process.env.WASMCHAT_TOKEN_SECRET !== undefined) {
  const secret = process.env.WASMCHAT_TOKEN_SECRET;
  try {
    checkSecret(secret);
  } catch (error) {
    fail(`WASMCHAT_TOKEN_SECRET: ${error.message}`);
  }
  chatOptions.authenticate = tokenAuthenticator(secret);
  console.log('wasmchat: /ws needs ?token= (mint one: node server/token.js --name NAME --ttl SECONDS)');
}

const app = await startServer({ host: values.host, port, ...chatOptions });
const ws = app.url.replace(/^http/, 'ws');
console.log(`wasmchat: ${app.url}  (chat at ${ws}ws, hello at ${ws}hello, echo at ${ws}echo)`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    // A second Ctrl-C does not wait for slow clients.
    if (stopping) process.exit(0);
    stopping = true;
    app.close().then(() => process.exit(0), (error) => {
      console.error('wasmchat: shutdown failed:', error);
      process.exit(1);
    });
  });
}
