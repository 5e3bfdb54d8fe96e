// The browser's view of the network (navigator.onLine and the window's
// online/offline events), for the chat core's policy (ChatClient's
// set_network_online in src/chat/): this file only reports, C++ decides.

/** navigator.onLine now; true where there is no navigator (nothing says offline). */
export const networkOnline = () => globalThis.navigator?.onLine ?? true;

/**
 * Calls `report(online)` on every window `online`/`offline` event, with the
 * event's own answer (the state it announces). Returns the function that
 * stops listening. Without a window (a worker) nothing is reported.
 */
export function watchNetwork(report) {
  const target = globalThis.window;
  if (!target?.addEventListener) return () => {};
  const onOnline = () => report(true);
  const onOffline = () => report(false);
  target.addEventListener('online', onOnline);
  target.addEventListener('offline', onOffline);
  return () => {
    target.removeEventListener('online', onOnline);
    target.removeEventListener('offline', onOffline);
  };
}
