/* A village's page: its boundary and the operators' evidence readings on a small map.
   Plain JavaScript and the vendored Leaflet; nothing is fetched from outside. */
"use strict";

(function () {
  const COLOURS = { strong: "#1a9850", weak: "#fdae61", none: "#d73027", unknown: "#888888" };

  // the zoom buttons' titles in the page's language (data-labels, written by the page)
  function zoomWords(labels) {
    if (labels.zoom_in) L.Control.Zoom.prototype.options.zoomInTitle = labels.zoom_in;
    if (labels.zoom_out) L.Control.Zoom.prototype.options.zoomOutTitle = labels.zoom_out;
  }

  function escapeText(text) {
    const span = document.createElement("span");
    span.textContent = text == null ? "" : String(text);
    return span.innerHTML;
  }

  // a code in the page's words (data-labels, written by the page); the code when it has none
  function word(table, code) {
    return escapeText((table && table[code]) || code);
  }

  async function villageMap(element) {
    const labels = JSON.parse(element.dataset.labels || "{}");
    zoomWords(labels);
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
        }).bindPopup(`${escapeText(p.operator_label || p.operator)} ${word(labels.tech, p.tech)} · ` +
          `${word(labels.class, p.class)}${value == null ? "" : ` · ${Math.round(value)} dBm`}` +
          `<br>${escapeText(labels.response || "")} #${p.response_id}`);
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
