// Shared-secret tokens: the authentication of `npm start` when
// WASMCHAT_TOKEN_SECRET is set, and the working example of createChatServer's
// `authenticate` hook (docs/protocol.md, "Authentication").
//
//   token     = <payload> "." <signature>, both base64url without padding
//   payload   = UTF-8 JSON { "sub": user id, "name": display name,
//               "iat": issued at, "exp": expires at } (seconds since the Unix epoch)
//   signature = HMAC-SHA256(secret, the payload part as ASCII), 32 bytes
//
// Accepted while iat <= now + skew and now < exp + skew (skew 30 s by
// default, at most 300 s): a token from the future or an expired one is
// refused like a forged one.
//
// Minting, from the shell (prints the token) or from code:
//   WASMCHAT_TOKEN_SECRET=... node server/token.js --name ana [--sub user-17] [--ttl 3600]
//   mintToken({ sub: 'user-17', name: 'ana', ttlSeconds: 3600 }, secret)
import { createHmac, timingSafeEqual } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { nameProblem } from './chat-server.js';

export const MIN_SECRET_LENGTH = 32;
export const MAX_TOKEN_LENGTH = 2048; // longer query values are refused unread
export const DEFAULT_SKEW_SECONDS = 30;
export const MAX_SKEW_SECONDS = 300;
export const MAX_TTL_SECONDS = 365 * 24 * 3600;
const MAX_SUB_LENGTH = 256;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const SIGNATURE_BYTES = 32;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * @param {{ sub: string, name: string, ttlSeconds: number }} claims sub: the
 *   stable user id (1-256 characters); name: a valid nickname; ttlSeconds:
 *   lifetime, 1 s to a year
 * @param {string} secret at least MIN_SECRET_LENGTH characters
 * @param {{ now?: number }} [options] now: ms since the epoch (tests mint old or future tokens)
 * @returns {string} the token
 * @throws {TypeError} for a bad secret, sub, name or ttlSeconds
 */
export function mintToken({ sub, name, ttlSeconds }, secret, { now = Date.now() } = {}) {
  checkSecret(secret);
  const problem = subProblem(sub) || (typeof name === 'string' ? nameProblem(name) : 'name must be a string');
  if (problem) throw new TypeError(`mintToken: ${problem}`);
  if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_TTL_SECONDS) {
    throw new TypeError(`mintToken: ttlSeconds must be an integer in 1..${MAX_TTL_SECONDS}`);
  }
  const iat = Math.floor(now / 1000);
  const payload = Buffer.from(JSON.stringify({ sub, name, iat, exp: iat + ttlSeconds })).toString('base64url');
  return `${payload}.${sign(payload, secret)}`;
}

/**
 * Checks a token. Never throws for any `token`: anything but a valid,
 * current, well-signed token is a refusal with its reason.
 * @param {unknown} token
 * @param {string} secret
 * @param {{ now?: number, skewSeconds?: number }} [options]
 * @returns {{ identity: import('./chat-server.js').Identity, claims: { sub: string, name: string, iat: number, exp: number } }
 *   | { reason: 'missing' | 'malformed' | 'bad_signature' | 'bad_claims' | 'expired' | 'not_yet_valid' }}
 */
export function verifyToken(token, secret, { now = Date.now(), skewSeconds = DEFAULT_SKEW_SECONDS } = {}) {
  checkSecret(secret);
  checkSkew(skewSeconds);
  if (token === null || token === undefined || token === '') return { reason: 'missing' };
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return { reason: 'malformed' };
  const dot = token.indexOf('.');
  const payload = token.slice(0, dot);
  const signature = token.slice(dot + 1);
  if (dot < 0 || !BASE64URL.test(payload) || !BASE64URL.test(signature)) return { reason: 'malformed' };

  // The signature before anything of the payload is read.
  const given = Buffer.from(signature, 'base64url');
  const expected = Buffer.from(sign(payload, secret), 'base64url');
  // timingSafeEqual needs equal lengths; the length of a signature is no secret.
  if (given.length !== SIGNATURE_BYTES || !timingSafeEqual(given, expected)) return { reason: 'bad_signature' };

  let claims;
  try {
    claims = JSON.parse(utf8.decode(Buffer.from(payload, 'base64url')));
  } catch {
    return { reason: 'bad_claims' };
  }
  if (claims === null || typeof claims !== 'object' || Array.isArray(claims)) return { reason: 'bad_claims' };
  const { sub, name, iat, exp } = claims;
  if (subProblem(sub) || typeof name !== 'string' || nameProblem(name)) return { reason: 'bad_claims' };
  if (!Number.isSafeInteger(iat) || !Number.isSafeInteger(exp) || iat < 0 || exp <= iat) return { reason: 'bad_claims' };
  const seconds = now / 1000;
  if (iat > seconds + skewSeconds) return { reason: 'not_yet_valid' };
  if (seconds >= exp + skewSeconds) return { reason: 'expired' };
  return { identity: { userId: sub, name }, claims: { sub, name, iat, exp } };
}

/**
 * The `authenticate` hook of token mode: the token is the `param` query
 * parameter of the /ws URL (`ws://host/ws?token=...`).
 * @param {string} secret
 * @param {{ param?: string, now?: () => number, skewSeconds?: number }} [options]
 * @returns {(request: import('./auth-request.js').AuthRequest) => import('./chat-server.js').Identity | null}
 */
export function tokenAuthenticator(secret, { param = 'token', now = () => Date.now(), skewSeconds = DEFAULT_SKEW_SECONDS } = {}) {
  checkSecret(secret);
  checkSkew(skewSeconds);
  return (request) => {
    const result = verifyToken(request.query.get(param), secret, { now: now(), skewSeconds });
    return result.identity ?? null;
  };
}

/** @throws {TypeError} unless `secret` is a string of at least MIN_SECRET_LENGTH characters */
export function checkSecret(secret) {
  if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) {
    throw new TypeError(`the token secret must be at least ${MIN_SECRET_LENGTH} characters (e.g. openssl rand -base64 32)`);
  }
}

function checkSkew(skewSeconds) {
  if (!Number.isSafeInteger(skewSeconds) || skewSeconds < 0 || skewSeconds > MAX_SKEW_SECONDS) {
    throw new TypeError(`skewSeconds must be an integer in 0..${MAX_SKEW_SECONDS}`);
  }
}

function subProblem(sub) {
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > MAX_SUB_LENGTH || !sub.isWellFormed()) {
    return `sub must be a string of 1-${MAX_SUB_LENGTH} characters`;
  }
  return '';
}

function sign(payload, secret) {
  return createHmac('sha256', secret).update(payload, 'ascii').digest('base64url');
}

// The CLI, when run as a script (not when imported).
if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const usage = 'usage: WASMCHAT_TOKEN_SECRET=... node server/token.js --name NAME [--sub USER_ID] [--ttl SECONDS]';
  let values;
  try {
    ({ values } = parseArgs({
      options: { name: { type: 'string' }, sub: { type: 'string' }, ttl: { type: 'string', default: '3600' } },
    }));
  } catch (error) {
    console.error(`${error.message}\n${usage}`);
    process.exit(2);
  }
  try {
    if (values.name === undefined) throw new TypeError('--name is required');
    if (!/^\d+$/.test(values.ttl)) throw new TypeError(`--ttl must be whole seconds, not ${JSON.stringify(values.ttl)}`);
    const secret = process.env.WASMCHAT_TOKEN_SECRET;
    if (!secret) throw new TypeError('WASMCHAT_TOKEN_SECRET is not set');
    console.log(mintToken({ sub: values.sub ?? values.name, name: values.name, ttlSeconds: Number(values.ttl) }, secret));
  } catch (error) {
    console.error(`token.js: ${error.message}\n${usage}`);
    process.exit(2);
  }
}
