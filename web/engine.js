// Which engine the page runs in, for the few places where engines convert or
// report the same WebSocket call differently and WasmWebSocket must do as the
// engine's own WebSocket does (README, "Browser support"). Read once, from the
// user agent: these are conversions done before any socket exists, so there
// is nothing to feature-detect them with.
const userAgent = typeof navigator === 'undefined' ? '' : navigator.userAgent;

/** 'gecko' (Firefox), 'webkit' (Safari, WebKitGTK) or 'blink' (Chromium and the rest). */
export const engine = /\bFirefox\//.test(userAgent) ? 'gecko'
  : /\bAppleWebKit\//.test(userAgent) && !/\b(Chrome|Chromium|Edg)\//.test(userAgent) ? 'webkit'
    : 'blink';
