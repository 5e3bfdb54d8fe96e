// Authentication (docs/protocol.md, "Authentication"): createChatServer's
// `authenticate` hook, the shared-secret tokens of server/token.js, and token
// mode through server/index.js as `npm start` runs it.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { createHmac } from 'node:crypto';
import { spawn, execFile } from 'node:child_process';
import { startChatServerProcess } from '../fixtures/chat-server-process.js';
import { once } from 'node:events';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { Client, startChat, refusedStatus, withDeadline, rawExchange, UPGRADE_HEADERS, PROTOCOL } from './helpers.js';
import { mintToken, verifyToken, tokenAuthenticator, MAX_TOKEN_LENGTH } from '../../server/token.js';
import { parseCookies } from '../../server/auth-request.js';

const SECRET = 'test-secret-0123456789-abcdefghij-klmnop';
const OTHER_SECRET = 'another-secret-0123456789-abcdefghij-kl';
const indexJs = fileURLToPath(new URL('../../server/index.js', import.meta.url));
const tokenJs = fileURLToPath(new URL('../../server/token.js', import.meta.url));

/** Runs `body` with a chat server in token mode (or with `options`), closed after. */
async function withChat(options, body) {
  const server = await startChat({ messagesPerSecond: 1000, ...options });
  try {
    await body(server);
  } finally {
    await server.close();
  }
}

const withTokens = (body) => withChat({ authenticate: tokenAuthenticator(SECRET) }, body);
const token = (name, { sub = name, ttlSeconds = 60, now } = {}) => mintToken({ sub, name, ttlSeconds }, SECRET, { now });
const withToken = (url, value) => `${url}?token=${encodeURIComponent(value)}`;

/** Replaces console.error for the duration of `body`; returns what was logged. */
async function capturingErrors(body) {
  const logged = [];
  const original = console.error;
  console.error = (...args) => logged.push(args.map(String).join(' '));
  try {
    await body();
  } finally {
    console.error = original;
  }
  return logged;
}

describe('token mode: refused before the handshake', () => {
  test('no token, bad signature, expired, future-dated and malformed tokens get 401 and open no WebSocket', async () => {
    await withTokens(async (server) => {
      const hour = 3600_000;
      const valid = token('ana');
      const [payload, signature] = valid.split('.');
      const flipped = signature[0] === 'A' ? `B${signature.slice(1)}` : `A${signature.slice(1)}`;
      const refused = {
        'no token': server.url,
        'empty token': `${server.url}?token=`,
        'other parameter': `${server.url}?tok=${valid}`,
        'signed with another secret': withToken(server.url, mintToken({ sub: 'ana', name: 'ana', ttlSeconds: 60 }, OTHER_SECRET)),
        'bad signature': withToken(server.url, `${payload}.${flipped}`),
        'payload changed': withToken(server.url, `${Buffer.from(JSON.stringify({ sub: 'root', name: 'root', iat: 1, exp: 9e12 })).toString('base64url')}.${signature}`),
        expired: withToken(server.url, token('ana', { now: Date.now() - 2 * hour })),
        'future-dated': withToken(server.url, token('ana', { now: Date.now() + hour })),
        malformed: withToken(server.url, 'not a token'),
        'no signature': withToken(server.url, payload),
        'three parts': withToken(server.url, `${valid}.${signature}`),
      };
      for (const [what, url] of Object.entries(refused)) {
        assert.equal(await refusedStatus(url, { protocols: [PROTOCOL] }), 401, what);
      }
      // On the wire: one 401 with its challenge, no 101, then the connection ends.
      const response = await rawExchange(server.port, `GET /?token=forged.forged HTTP/1.1\r\nHost: x\r\n${UPGRADE_HEADERS}\r\n`);
      assert.match(response, /^HTTP\/1\.1 401 Unauthorized\r\n/);
      assert.match(response, /\r\nWWW-Authenticate: Bearer realm="wasmchat"\r\n/);
      assert.doesNotMatch(response, /101 Switching Protocols/);
      assert.equal(server.chat.clientCount(), 0);

      // Still serving: the valid token is welcomed.
      const ana = await Client.v1(withToken(server.url, valid));
      assert.equal(ana.welcome.name, 'ana');
      await ana.close();
    });
  });

  test('a token within the clock skew (30 s) is accepted on both ends; beyond it, refused', async () => {
    await withTokens(async (server) => {
      // Issued 20 s in the future, and expired 20 s ago (ttl 60 s, issued 80 s ago).
      for (const now of [Date.now() + 20_000, Date.now() - 80_000]) {
        const client = await Client.v1(withToken(server.url, token('ana', { now })));
        assert.equal(client.welcome.name, 'ana');
        await client.close();
      }
      for (const now of [Date.now() + 45_000, Date.now() - 95_000]) {
        assert.equal(await refusedStatus(withToken(server.url, token('ana', { now }))), 401, new Date(now).toISOString());
      }
    });
  });
});

describe('token mode: identities', () => {
  test('a valid token is welcomed with its name, in both dialects', async () => {
    await withTokens(async (server) => {
      const ana = await Client.v1(withToken(server.url, token('Ana Lima', { sub: 'user-1' })));
      assert.equal(ana.welcome.name, 'Ana Lima');
      ana.send({ type: 'say', id: 'm1', text: 'hello' });
      assert.equal((await ana.expect('message')).from, 'Ana Lima');

      const plain = await Client.open(withToken(server.url, token('bo', { sub: 'user-2' })));
      plain.send('hi from plain');
      assert.equal((await plain.next()).text, 'bo: hi from plain');
      assert.equal((await ana.expect('message')).from, 'bo');
    });
  });

  test('nick cannot take another user\'s name, online or gone, in any case or width; a free name or one\'s own works', async () => {
    await withTokens(async (server) => {
      const ana = await Client.v1(withToken(server.url, token('ana', { sub: 'u-ana' })));
      const bob = await Client.v1(withToken(server.url, token('bob', { sub: 'u-bob' })));
      for (const name of ['ana', 'ANA', 'Ana', 'ａｎａ', 'a\u200bna']) {
        bob.send({ type: 'nick', name });
        const error = await bob.expect('error');
        assert.equal(error.code, 'name_taken', name);
        assert.equal(error.id, undefined);
      }
      bob.send({ type: 'say', id: 'b1', text: 'still bob' });
      assert.equal((await bob.expect('message')).from, 'bob');
      await bob.expect('ack');

      // A free name, then a message right behind the nick: sent under the new name.
      bob.send({ type: 'nick', name: 'robert' });
      bob.send({ type: 'say', id: 'b2', text: 'as robert' });
      // In that order: the answer to the nick, then the message under the new name, then its ack.
      assert.deepEqual(await bob.envelope(), { type: 'name', name: 'robert' });
      assert.equal((await bob.envelope()).from, 'robert');
      assert.deepEqual(await bob.envelope(), { type: 'ack', id: 'b2', seq: 2 });
      // Back to one's own name, in another case.
      bob.send({ type: 'nick', name: 'BOB' });
      assert.deepEqual(await bob.expect('name'), { type: 'name', name: 'BOB' });

      // Ana left: her name is still hers.
      await ana.close();
      bob.send({ type: 'nick', name: 'ana' });
      assert.equal((await bob.expect('error')).code, 'name_taken');
      // And she gets it back when she returns, also with a nick of her own.
      const again = await Client.v1(withToken(server.url, token('ana', { sub: 'u-ana' })));
      assert.equal(again.welcome.name, 'ana');
      again.send({ type: 'nick', name: 'bob' });
      assert.equal((await again.expect('error')).code, 'name_taken');
      // Reserved and invalid names stay bad_name.
      again.send({ type: 'nick', name: 'admin' });
      assert.equal((await again.expect('error')).code, 'bad_name');
    });
  });

  test('without authenticate nothing changes: guests, any free nick', async () => {
    await withChat({}, async (server) => {
      const a = await Client.v1(withToken(server.url, token('ana')));
      assert.match(a.welcome.name, /^guest-\d+$/);
      a.send({ type: 'nick', name: 'ana' });
      assert.deepEqual(await a.expect('name'), { type: 'name', name: 'ana' });
    });
  });
});

describe('the authenticate hook', () => {
  test('receives the URL with its query, Origin, cookies and headers as a plain frozen object', async () => {
    const seen = [];
    const authenticate = (request) => {
      seen.push(request);
      return { userId: 'u1', name: request.query.get('as') };
    };
    await withChat({ authenticate }, async (server) => {
      const client = await Client.v1(`${server.url}room/1?as=carla&x=%20y`, {
        origin: 'https://app.example',
        headers: { Cookie: 'session=abc%3D; theme="dark"; session=second; bad=%zz; flag' },
      });
      assert.equal(client.welcome.name, 'carla');
      const [request] = seen;
      assert.ok(Object.isFrozen(request));
      assert.ok(request.url instanceof URL);
      assert.equal(request.url.pathname, '/room/1');
      assert.equal(request.query.get('x'), ' y');
      assert.equal(request.origin, 'https://app.example');
      assert.deepEqual({ ...request.cookies }, { session: 'abc=', theme: 'dark', bad: '%zz' });
      assert.equal(request.headers['sec-websocket-protocol'], PROTOCOL);
      assert.equal(request.remoteAddress, '127.0.0.1');
    });
  });

  test('refusals: null/false/undefined 401, rejection or throw 500, an invalid identity 500, no answer 503; never a crash', async () => {
    const answers = {
      null: [() => null, 401],
      false: [async () => false, 401],
      undefined: [() => undefined, 401],
      rejects: [async () => { throw new Error('identity provider down'); }, 500],
      throws: [() => { throw new TypeError('bug in the hook'); }, 500],
      'rejects with a non-error': [() => Promise.reject(undefined), 500],
      'reserved name': [() => ({ userId: 'u', name: 'admin' }), 500],
      'no userId': [() => ({ name: 'ana' }), 500],
      'not an object': [() => 'ana', 500],
      'hangs': [() => new Promise(() => {}), 503],
    };
    let mode;
    const authenticate = (request) => (mode === 'ok' ? { userId: 'u', name: 'ok' } : answers[mode][0](request));
    const logged = await capturingErrors(() => withChat({ authenticate, authenticateTimeoutMs: 300 }, async (server) => {
      for (const [what, [, status]] of Object.entries(answers)) {
        mode = what;
        assert.equal(await refusedStatus(server.url, { protocols: [PROTOCOL] }), status, what);
      }
      assert.equal(server.chat.clientCount(), 0);
      mode = 'ok';
      const client = await Client.v1(server.url);
      assert.equal(client.welcome.name, 'ok');
    }));
    assert.ok(logged.some((line) => line.includes('authenticate failed') && line.includes('identity provider down')), logged.join('\n'));
    assert.ok(logged.some((line) => line.includes('no valid identity')), logged.join('\n'));
    assert.ok(logged.some((line) => line.includes('did not answer within 300 ms')), logged.join('\n'));
  });

  test('a client that leaves while the hook thinks costs nothing', async () => {
    // Each question waits in `pending` until the test answers it.
    const pending = [];
    let asked;
    const authenticate = () => new Promise((resolve) => {
      pending.push(resolve);
      asked?.();
    });
    const nextQuestion = () => withDeadline(new Promise((resolve) => {
      if (pending.length > 0) return resolve(pending.shift());
      asked = () => { asked = null; resolve(pending.shift()); };
    }), 'the hook to be asked');
    await withChat({ authenticate }, async (server) => {
      const socket = net.connect(server.port, '127.0.0.1');
      socket.on('error', () => {});
      await once(socket, 'connect');
      socket.write(`GET / HTTP/1.1\r\nHost: x\r\n${UPGRADE_HEADERS}\r\n`);
      const answerFirst = await nextQuestion();
      socket.destroy();
      await once(socket, 'close');
      answerFirst({ userId: 'u1', name: 'gone' });

      const second = Client.v1(server.url);
      (await nextQuestion())({ userId: 'u2', name: 'second' });
      assert.equal((await second).welcome.name, 'second');
      assert.equal(server.chat.clientCount(), 1);
    });
  });

  test('a bad authenticate option is refused at creation', async () => {
    const { createChatServer } = await import('../../server/chat-server.js');
    assert.throws(() => createChatServer({ authenticate: 'yes' }), TypeError);
    for (const authenticateTimeoutMs of [-1, 0, 1.5]) {
      assert.throws(() => createChatServer({ authenticate: () => null, authenticateTimeoutMs }), TypeError);
    }
  });
});

describe('token.js', () => {
  test('mint then verify; the identity is { userId: sub, name }', () => {
    const now = 1_800_000_000_000;
    const minted = mintToken({ sub: 'user-17', name: 'ana', ttlSeconds: 60 }, SECRET, { now });
    assert.match(minted, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    const result = verifyToken(minted, SECRET, { now });
    assert.deepEqual(result, { identity: { userId: 'user-17', name: 'ana' }, claims: { sub: 'user-17', name: 'ana', iat: 1_800_000_000, exp: 1_800_000_060 } });
    assert.deepEqual(verifyToken(minted, SECRET, { now: now + 89_999 }).identity, { userId: 'user-17', name: 'ana' });
    assert.equal(verifyToken(minted, SECRET, { now: now + 90_000 }).reason, 'expired');
    assert.equal(verifyToken(minted, SECRET, { now: now - 30_001 }).reason, 'not_yet_valid');
    assert.equal(verifyToken(minted, OTHER_SECRET, { now }).reason, 'bad_signature');
  });

  test('minting refuses what verifying would: short secret, bad sub, bad or reserved name, bad ttl', () => {
    const ok = { sub: 's', name: 'n', ttlSeconds: 1 };
    for (const [claims, secret] of [
      [ok, 'short'], [ok, undefined], [{ ...ok, sub: '' }, SECRET], [{ ...ok, sub: 'x'.repeat(257) }, SECRET],
      [{ ...ok, name: 'system' }, SECRET], [{ ...ok, name: '' }, SECRET], [{ ...ok, name: 'x'.repeat(25) }, SECRET],
      [{ ...ok, name: 7 }, SECRET], [{ ...ok, ttlSeconds: 0 }, SECRET], [{ ...ok, ttlSeconds: 1.5 }, SECRET],
      [{ ...ok, ttlSeconds: 400 * 86400 }, SECRET],
    ]) {
      assert.throws(() => mintToken(claims, secret), TypeError, JSON.stringify(claims));
    }
    assert.throws(() => verifyToken('x', SECRET, { skewSeconds: 301 }), TypeError);
    assert.throws(() => tokenAuthenticator('short'), TypeError);
  });

  test('malformed tokens: a table, every one refused with its reason, none throws', () => {
    const now = Date.now();
    const valid = mintToken({ sub: 'u', name: 'ana', ttlSeconds: 60 }, SECRET, { now });
    const [payload, signature] = valid.split('.');
    const signed = (claims) => {
      const part = Buffer.from(typeof claims === 'string' ? claims : JSON.stringify(claims)).toString('base64url');
      // Signed with the real secret: only the claims are wrong.
      return `${part}.${mintSignature(part)}`;
    };
    const iat = Math.floor(now / 1000);
    const table = [
      [undefined, 'missing'], [null, 'missing'], ['', 'missing'],
      [42, 'malformed'], [{}, 'malformed'], [['a.b'], 'malformed'], ['.', 'malformed'], ['a.', 'malformed'], ['.b', 'malformed'],
      ['abc', 'malformed'], [`${payload}.${signature}.x`, 'malformed'], [`${payload}=.${signature}`, 'malformed'],
      [`${payload}.${signature}=`, 'malformed'], [`${payload} .${signature}`, 'malformed'], [`${payload}.${signature}\n`, 'malformed'],
      [`${payload}+/.${signature}`, 'malformed'], ['x'.repeat(MAX_TOKEN_LENGTH + 1), 'malformed'], [`é.${signature}`, 'malformed'],
      [`${payload}.${signature.slice(0, -1)}`, 'bad_signature'], [`${payload}.${signature}A`, 'bad_signature'],
      [`${payload}.AAAA`, 'bad_signature'], [`${payload}x.${signature}`, 'bad_signature'], [`${payload.slice(1)}.${signature}`, 'bad_signature'],
      [signed('not json'), 'bad_claims'], [signed('null'), 'bad_claims'], [signed('[1]'), 'bad_claims'], [signed('"s"'), 'bad_claims'],
      [`${Buffer.from([0xff, 0xfe]).toString('base64url')}.${mintSignature(Buffer.from([0xff, 0xfe]).toString('base64url'))}`, 'bad_claims'],
      [signed({ name: 'ana', iat, exp: iat + 60 }), 'bad_claims'],
      [signed({ sub: '', name: 'ana', iat, exp: iat + 60 }), 'bad_claims'],
      [signed({ sub: 5, name: 'ana', iat, exp: iat + 60 }), 'bad_claims'],
      [signed({ sub: 'u', name: 'admin', iat, exp: iat + 60 }), 'bad_claims'],
      [signed({ sub: 'u', name: 'a\u0000', iat, exp: iat + 60 }), 'bad_claims'],
      [signed({ sub: 'u', name: '\ud800', iat, exp: iat + 60 }), 'bad_claims'],
      [signed({ sub: 'u', name: 'ana', iat: String(iat), exp: iat + 60 }), 'bad_claims'],
      [signed({ sub: 'u', name: 'ana', iat, exp: 1e300 }), 'bad_claims'],
      [signed({ sub: 'u', name: 'ana', iat: iat + 0.5, exp: iat + 60 }), 'bad_claims'],
      [signed({ sub: 'u', name: 'ana', iat, exp: iat }), 'bad_claims'],
      [signed({ sub: 'u', name: 'ana', iat: -5, exp: iat + 60 }), 'bad_claims'],
      [signed({ sub: 'u', name: 'ana', exp: iat + 60 }), 'bad_claims'],
      [signed({ sub: 'u', name: 'ana', iat: iat - 120, exp: iat - 60 }), 'expired'],
      [signed({ sub: 'u', name: 'ana', iat: iat + 120, exp: iat + 180 }), 'not_yet_valid'],
      [signed({ sub: 'u', name: 'ana', iat, exp: iat + 60, extra: true }), undefined], // unknown claims are ignored
    ];
    for (const [input, reason] of table) {
      const result = verifyToken(input, SECRET, { now });
      assert.equal(result.reason, reason, `${JSON.stringify(input)?.slice(0, 80)}: ${JSON.stringify(result)}`);
      assert.equal(result.identity === undefined, reason !== undefined);
    }
  });

  test('fuzz: every one-character change and random strings are refused, none throws', () => {
    const now = Date.now();
    const valid = mintToken({ sub: 'u', name: 'ana', ttlSeconds: 60 }, SECRET, { now });
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/ %\u0000é😀';
    let accepted = 0;
    for (let i = 0; i < valid.length; i++) {
      for (const c of ['A', 'z', '-', '.', '=']) {
        if (valid[i] === c) continue;
        const changed = valid.slice(0, i) + c + valid.slice(i + 1);
        const result = verifyToken(changed, SECRET, { now });
        // base64url's last character carries spare bits: a change there can
        // decode to the same bytes, which is then the same, valid token.
        if (result.identity) {
          assert.deepEqual(Buffer.from(changed.split('.')[1] ?? '', 'base64url'), Buffer.from(valid.split('.')[1], 'base64url'));
          accepted++;
        }
      }
    }
    assert.ok(accepted <= 4, `${accepted} changed tokens accepted`);
    let seed = 12345;
    const random = () => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed / 2 ** 31; };
    for (let n = 0; n < 2000; n++) {
      let text = '';
      const length = Math.floor(random() * 120);
      for (let i = 0; i < length; i++) text += alphabet[Math.floor(random() * alphabet.length)];
      assert.ok(verifyToken(text, SECRET, { now }).reason, text);
    }
  });

  test('parseCookies never throws and has no prototype', () => {
    assert.deepEqual({ ...parseCookies(undefined) }, {});
    const cookies = parseCookies('__proto__=x; constructor=y; =z; a==b; c=%E0%A4%A; d="q"');
    assert.equal(Object.getPrototypeOf(cookies), null);
    assert.deepEqual(Object.entries(cookies), [['__proto__', 'x'], ['constructor', 'y'], ['a', '=b'], ['c', '%E0%A4%A'], ['d', 'q']]);
  });
});

/** The signature part for `part`, computed with the shared secret the way token.js documents it. */
function mintSignature(part) {
  return createHmac('sha256', SECRET).update(part, 'ascii').digest('base64url');
}

describe('token mode through server/index.js (npm start)', () => {
  test('WASMCHAT_TOKEN_SECRET: 401 without a valid token; a token from the CLI is welcomed with its name', async () => {
    const server = await startChatServerProcess({ env: { WASMCHAT_TOKEN_SECRET: SECRET } });
    try {
      const ws = server.url.replace(/^http/, 'ws');
      assert.match(server.output(), /needs \?token=/);
      assert.equal(await refusedStatus(`${ws}ws`, { protocols: [PROTOCOL] }), 401);
      assert.equal(await refusedStatus(withToken(`${ws}ws`, mintToken({ sub: 'a', name: 'ana', ttlSeconds: 60 }, OTHER_SECRET))), 401);
      const { stdout } = await promisify(execFile)(process.execPath, [tokenJs, '--name', 'ana', '--sub', 'user-9', '--ttl', '60'], {
        env: { ...process.env, WASMCHAT_TOKEN_SECRET: SECRET },
      });
      const minted = stdout.trim();
      assert.equal(verifyToken(minted, SECRET).identity.userId, 'user-9');
      const ana = await Client.v1(withToken(`${ws}ws`, minted));
      assert.equal(ana.welcome.name, 'ana');
      // The other endpoints are not the chat's and stay open.
      const echo = await Client.open(`${ws}echo`);
      await echo.close();
      await server.stop();
      assert.equal((await ana.waitClose()).code, 1001);
    } finally {
      await server.kill();
    }
  });

  test('a WASMCHAT_TOKEN_SECRET under 32 characters is refused at start; the CLI refuses without a secret', async () => {
    // Empty too: a secret that went missing must not open the chat to everyone.
    for (const secret of ['short', '']) {
      const child = spawn(process.execPath, [indexJs, '--port', '0'], { env: { ...process.env, WASMCHAT_TOKEN_SECRET: secret }, stdio: 'pipe' });
      let stderr = '';
      child.stderr.on('data', (chunk) => { stderr += chunk; });
      const [code] = await withDeadline(once(child, 'exit'), 'index.js to exit', 5000);
      assert.equal(code, 2, JSON.stringify(secret));
      assert.match(stderr, /WASMCHAT_TOKEN_SECRET.*32/);
    }

    const env = { ...process.env };
    delete env.WASMCHAT_TOKEN_SECRET;
    await assert.rejects(promisify(execFile)(process.execPath, [tokenJs, '--name', 'ana'], { env }),
      (error) => error.code === 2 && /WASMCHAT_TOKEN_SECRET is not set/.test(error.stderr));
    await assert.rejects(promisify(execFile)(process.execPath, [tokenJs, '--name', 'system'], { env: { ...env, WASMCHAT_TOKEN_SECRET: SECRET } }),
      (error) => error.code === 2 && /reserved/.test(error.stderr));
  });
});
