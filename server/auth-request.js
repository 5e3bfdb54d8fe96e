// What createChatServer's `authenticate` hook is given about an upgrade
// request (docs/protocol.md, "Authentication"): a small frozen object made of
// plain values, so that a hook needs no knowledge of Node's IncomingMessage
// and can be tested with a literal.

/**
 * @typedef {object} AuthRequest
 * @property {URL} url the request URL: path and query as sent, host `localhost`
 * @property {URLSearchParams} query `url.searchParams` (e.g. `query.get('token')`)
 * @property {string | null} origin the `Origin` header (every browser sends one), null without
 * @property {Readonly<Record<string, string>>} cookies the `Cookie` header by name (percent-decoded
 *   where valid; the first of repeated names wins); empty without the header
 * @property {Readonly<Record<string, string | string[] | undefined>>} headers every header, lower-case names
 * @property {string | null} remoteAddress the peer's IP address (a proxy's, behind one)
 */

/**
 * @param {import('node:http').IncomingMessage} request
 * @param {URL} url the request's parsed URL (request-url.js)
 * @returns {Readonly<AuthRequest>}
 */
export function describeUpgradeRequest(request, url) {
  return Object.freeze({
    url,
    query: url.searchParams,
    origin: typeof request.headers.origin === 'string' ? request.headers.origin : null,
    cookies: parseCookies(request.headers.cookie),
    headers: Object.freeze({ ...request.headers }),
    remoteAddress: request.socket?.remoteAddress ?? null,
  });
}

/**
 * Parses a `Cookie` header (RFC 6265 5.4: "name=value; name2=value2").
 * Never throws: pairs without "=" or a name are skipped, a value that is not
 * valid percent-encoding is kept as sent.
 * @param {string | undefined} header
 * @returns {Readonly<Record<string, string>>}
 */
export function parseCookies(header) {
  // No prototype: a cookie named "__proto__" or "constructor" is just a cookie.
  const cookies = Object.create(null);
  if (typeof header === 'string') {
    for (const pair of header.split(';')) {
      const equals = pair.indexOf('=');
      if (equals < 0) continue;
      const name = pair.slice(0, equals).trim();
      if (name === '' || name in cookies) continue;
      let value = pair.slice(equals + 1).trim();
      if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
      try {
        value = decodeURIComponent(value);
      } catch {
        // kept as sent
      }
      cookies[name] = value;
    }
  }
  return Object.freeze(cookies);
}
