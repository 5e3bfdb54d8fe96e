// The URL of an incoming HTTP request, parsed without ever throwing: the
// request target is whatever the peer sent ("//", "http://[", ...), and an
// exception in a request or upgrade handler would end the whole process.

/**
 * @param {import('node:http').IncomingMessage} request
 * @returns {URL | null} path and query of `request.url` on the base
 *   http://localhost (an absolute-form target keeps its own host), or null
 *   when it is no URL at all.
 */
export function requestUrl(request) {
  try {
    return new URL(request.url ?? '', 'http://localhost');
  } catch {
    return null;
  }
}
