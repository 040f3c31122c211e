// EcoLife app shell: served from the network when online, from this cache when not.
// The API is never cached: balances and codes must always be fresh.
"use strict";
var CACHE = "ecolife-app-v1";
var SHELL = [
  "/app/",
  "/app/manifest.webmanifest",
  "/static/app/app.js",
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
