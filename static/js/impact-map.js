// The /impact map: areas as circles sized by plastic avoided, partner shops as dots.
// Tiles only when the page names a tile server (MAP_TILE_URL); otherwise markers alone.
(function () {
  "use strict";
  var element = document.getElementById("impact-map");
  if (!element || !window.L) {
    return;
  }
  var markers = JSON.parse(element.getAttribute("data-markers") || "[]");
  var map = L.map(element, { scrollWheelZoom: false, attributionControl: true });
  var tiles = element.getAttribute("data-tiles");
  if (tiles) {
    L.tileLayer(tiles, {
      maxZoom: 18,
      attribution: element.getAttribute("data-attribution") || ""
    }).addTo(map);
  }
  var largest = markers.reduce(function (top, m) { return Math.max(top, m.grams); }, 0) || 1;
  var points = [];
  markers.forEach(function (m) {
    var area = m.kind === "area";
    var radius = area ? 6 + 24 * Math.sqrt(m.grams / largest) : 5;
    var marker = L.circleMarker([m.lat, m.lon], {
      radius: radius,
      color: area ? "#1b5e20" : "#e65100",
      weight: area ? 2 : 1,
      fillColor: area ? "#43a047" : "#ff9800",
      fillOpacity: area ? 0.45 : 0.9,
      className: area ? "map-area" : "map-shop"
    }).addTo(map);
    var grams = m.grams >= 1000 ? (m.grams / 1000).toFixed(1) + " kg" : Math.round(m.grams) + " g";
    marker.bindTooltip(m.name + (area || m.grams ? " · " + grams : ""));
    points.push([m.lat, m.lon]);
  });
  if (points.length > 1) {
    map.fitBounds(points, { padding: [24, 24], maxZoom: 13 });
  } else if (points.length === 1) {
    map.setView(points[0], 12);
  } else {
    map.setView([18.35, 99.0], 8);  // Lamphun
  }
  element.setAttribute("data-ready", String(points.length));
})();
