/**
 * Parley's service worker: precaches the app shell (index.html, every built chunk, the icons) so the app opens
 * offline and installs as a PWA, and carries incoming-call notifications, whose Accept / Decline buttons post the
 * choice to the page (`src/appshell/notifications.ts`), which acts through the call controller.
 *
 * Built by the `serviceWorker` plugin of vite.config.ts into dist/sw.js (one classic script, served from the root so
 * its scope is the whole app); `__SHELL_FILES__` and `__SHELL_VERSION__` are filled in by that plugin.
 *
 * Never cached: the API and the signaling WebSocket (`/api/…`, `/ws`), the API docs (`/docs…`), the health checks —
 * the worker does not even answer for them, the browser goes to the network as if it were not there.
 */
import { parseCallNotificationData, parseNotificationAction, type NotificationActionMessage } from '../src/appshell/workerMessages';

declare const self: ServiceWorkerGlobalScope;
declare const __SHELL_FILES__: string[];
declare const __SHELL_VERSION__: string;

const CACHE = `parley-shell-${__SHELL_VERSION__}`;
const INDEX = '/index.html';

/** Paths the worker leaves alone. */
function bypasses(pathname: string): boolean {
  return /^\/(api|ws|docs|healthz|readyz|metrics)(\/|$|-|\.)/.test(pathname) || pathname === '/sw.js';
}

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      // `no-cache` (not the HTTP cache's copy) so a new worker never stores an old index.html.
      await cache.addAll(__SHELL_FILES__.map((url) => new Request(url, { cache: 'no-cache' })));
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const key of await caches.keys()) if (key.startsWith('parley-shell-') && key !== CACHE) await caches.delete(key);
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || bypasses(url.pathname)) return;
  if (request.mode === 'navigate') {
    // Network first, so a deploy reaches everyone at once; the cached shell when the network is down.
    event.respondWith(fetch(request).catch(async () => (await caches.match(INDEX, { cacheName: CACHE })) ?? Response.error()));
    return;
  }
  // Hashed assets and icons: the cache first (they never change under one name), then the network.
  event.respondWith(caches.match(request, { cacheName: CACHE }).then((hit) => hit ?? fetch(request)));
});

self.addEventListener('notificationclick', (event) => {
  const data = parseCallNotificationData(event.notification.data);
  const action = parseNotificationAction(event.action);
  event.notification.close();
  if (!data || !action) return;
  event.waitUntil(tellPage({ type: 'parley:notification', action, callId: data.callId }));
});

/** Focus a window of the app (opening one if there is none) and post the choice to every window. */
async function tellPage(message: NotificationActionMessage): Promise<void> {
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  for (const client of windows) client.postMessage(message);
  const target = windows.find((c) => c.focused) ?? windows.find((c) => c.visibilityState === 'visible') ?? windows[0];
  if (target) {
    // Declining needs no window; accepting and opening do (the incoming-call dialog, the camera).
    if (message.action !== 'decline') await target.focus().catch(() => undefined);
    return;
  }
  if (message.action !== 'decline') await self.clients.openWindow('/');
}
