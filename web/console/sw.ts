// The console's service worker: shows owner alerts (Web Push) as notifications, and opens the
// conversation when one is tapped. The payload arrives decrypted by the browser; nothing is cached.

self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));

self.addEventListener("push", (event) => {
  let alert = {};
  try {
    alert = event.data ? event.data.json() : {};
  } catch {
    alert = {};
  }
  event.waitUntil(
    (async () => {
      await self.registration.showNotification(alert.title || "Parlor", {
        body: alert.body || "Something needs you in the console.",
        // One notification per conversation: a newer alert replaces the older one.
        tag: alert.conversationId || "parlor",
        renotify: true,
        icon: "/console/icon-192.png",
        badge: "/console/icon-192.png",
        data: { url: alert.url || "/console/", kind: alert.kind, conversationId: alert.conversationId },
      });
      // Open console tabs refresh their count (and may play their sound).
      for (const client of await self.clients.matchAll({ type: "window" }))
        client.postMessage({ type: "parlor-alert", kind: alert.kind, conversationId: alert.conversationId });
    })(),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = new URL(event.notification.data?.url || "/console/", self.location.origin);
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
