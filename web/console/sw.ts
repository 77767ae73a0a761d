// The console's service worker: shows owner alerts (Web Push) as notifications, and opens the
// conversation when one is tapped. The payload arrives decrypted by the browser; nothing is cached.
// Bundled on its own (sw.js, a classic worker script) and type-checked with the WebWorker library
// (tsconfig.sw.json). The payload is src/app/alerts/owner-alerts.ts's push message.

declare const self: ServiceWorkerGlobalScope;

interface AlertPayload {
  readonly title?: string;
  readonly body?: string;
  readonly url?: string;
  readonly kind?: string;
  readonly conversationId?: string;
}

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("push", (event) => {
  let alert: AlertPayload = {};
  try {
    alert = event.data ? (event.data.json() as AlertPayload) : {};
  } catch {
    alert = {};
  }
  event.waitUntil(
    (async () => {
      // renotify (alert again when a newer one replaces the last) is missing from TypeScript's DOM types.
      const options: NotificationOptions & { renotify: boolean } = {
        body: alert.body || "Something needs you in the console.",
        // One notification per conversation: a newer alert replaces the older one.
        tag: alert.conversationId || "parlor",
        renotify: true,
        icon: "/console/icon-192.png",
        badge: "/console/icon-192.png",
        data: { url: alert.url || "/console/", kind: alert.kind, conversationId: alert.conversationId },
      };
      await self.registration.showNotification(alert.title || "Parlor", options);
      // Open console tabs refresh their count (and may play their sound).
      for (const client of await self.clients.matchAll({ type: "window" }))
        client.postMessage({ type: "parlor-alert", kind: alert.kind, conversationId: alert.conversationId });
    })(),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = new URL((event.notification.data as { url?: string } | null)?.url || "/console/", self.location.origin);
  if (url.origin !== self.location.origin) return;
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
      const open = windows.find((w) => new URL(w.url).pathname.startsWith("/console"));
      if (open) {
        await open.focus();
        return open.navigate(url.href);
      }
      return self.clients.openWindow(url.href);
    })(),
  );
});

// A module to the type checker (so `self` above is this worker's); esbuild's iife output has no export.
export {};
