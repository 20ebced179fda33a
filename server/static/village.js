/* A village's page: its boundary and the operators' evidence readings on a small map.
   Plain JavaScript and the vendored Leaflet; nothing is fetched from outside. */
"use strict";

(function () {
  const COLOURS = { strong: "#1a9850", weak: "#fdae61", none: "#d73027", unknown: "#888888" };

  async function villageMap(element) {
    const map = L.map(element, { preferCanvas: true, zoomSnap: 0.25 });
    map.attributionControl.setPrefix("Leaflet");
    const answer = await fetch(element.dataset.villageMap, { credentials: "same-origin" });
    if (!answer.ok) throw new Error(`${element.dataset.villageMap}: ${answer.status}`);
    const data = await answer.json();
    const bounds = L.latLngBounds([]);
    const outline = L.geoJSON(data.outline, {
      style: { color: "#0b6e4f", weight: 2, fillOpacity: 0.06, dashArray: "6 3" },
    }).addTo(map);
    if (data.outline.features.length) bounds.extend(outline.getBounds());
    const points = L.geoJSON(data.evidence, {
      pointToLayer: (feature, latlng) => {
        const p = feature.properties;
        const value = p.rsrp_dbm ?? p.rscp_dbm ?? p.rssi_dbm;
        return L.circleMarker(latlng, {
          radius: 4, weight: 0.5, color: "#333", fillColor: COLOURS[p.class] || COLOURS.unknown, fillOpacity: 0.9,
        }).bindPopup(`${p.operator} ${p.tech} · ${p.class}${value == null ? "" : ` · ${Math.round(value)} dBm`}` +
          `<br>#${p.response_id}`);
      },
    }).addTo(map);
    if (data.evidence.features.length) bounds.extend(points.getBounds());
    if (bounds.isValid()) map.fitBounds(bounds.pad(0.1));
    else map.setView([-0.95, 100.35], 8);
    const note = document.getElementById("village-map-note");
    if (note) {
      const n = data.evidence.features.length;
      note.textContent = n ? note.dataset.count.replace("%(n)s", n.toLocaleString()) : note.dataset.none;
    }
    element.dataset.ready = String(data.evidence.features.length);
  }

  document.querySelectorAll("[data-village-map]").forEach((element) => {
    villageMap(element).catch((error) => { element.dataset.ready = "error"; console.error(error); });
  });
})();
