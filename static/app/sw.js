// EcoLife app shell: served from the network when online, from this cache when not.
// The API is never cached: balances and codes must always be fresh.
"use strict";
var CACHE = "ecolife-app-v2";
var SHELL = [
  "/app/",
  "/app/manifest.webmanifest",
  "/static/app/app.js",
  "/static/app/inbox.js",
  "/static/app/campaigns.js",
  "/static/app/expiry.js",
  "/static/app/notify-settings.js",
  "/static/app/i18n.js",
  "/static/app/app.css",
  "/static/vendor/jsqr/jsQR.js",
  "/static/js/qr-camera.js",
  "/static/img/leaf.svg",
  "/static/fonts/Sarabun-Regular.ttf",
  "/static/fonts/Sarabun-Bold.ttf",
  "/static/app/icons/icon-192.png"
];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) { return cache.addAll(SHELL); }));
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n !== CACHE; }).map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var url = new URL(event.request.url);
  if (event.request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.indexOf("/api/") === 0) return;
  var isPage = event.request.mode === "navigate";
  var isShell = isPage || SHELL.indexOf(url.pathname) >= 0;
  if (!isShell) return;
  event.respondWith(
    fetch(event.request).then(function (response) {
      if (response.ok) {
        var copy = response.clone();
        caches.open(CACHE).then(function (cache) { cache.put(isPage ? "/app/" : event.request, copy); });
      }
      return response;
    }).catch(function () {
      return caches.match(isPage ? "/app/" : event.request);
    })
  );
});

// Web Push (notify-settings.js subscribes): the server sends {title, body, url, lang},
// encrypted; the text is in the reader's language, and `lang` says which.
self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = { body: event.data.text() }; }
  event.waitUntil(self.registration.showNotification(data.title || "EcoLife", {
    body: data.body || "",
    icon: "/static/app/icons/icon-192.png",
    badge: "/static/app/icons/icon-192.png",
    lang: data.lang === "en" ? "en" : "th",
    data: { url: data.url || "/app/#/notifications" }
  }));
});

// A tap opens the app at the inbox: an open window of the app is reused.
self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var target = new URL((event.notification.data && event.notification.data.url) || "/app/#/notifications", self.location.origin);
  if (target.origin !== self.location.origin) target = new URL("/app/#/notifications", self.location.origin);
  event.waitUntil(self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (windows) {
    for (var i = 0; i < windows.length; i++) {
      var client = windows[i];
      if (new URL(client.url).pathname.indexOf("/app/") === 0 && "focus" in client) {
        return client.navigate(target.href).then(function (c) { return (c || client).focus(); });
      }
    }
    return self.clients.openWindow(target.href);
  }));
});
