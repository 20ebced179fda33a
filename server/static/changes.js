/* The map of the change between two releases: the signal difference as an image, blankspot
   area gained and lost, and the villages whose verdict changed (vendored Leaflet only). */
"use strict";

const CHANGE_STYLE = {
  gained: { color: "#a50026", weight: 1.5, fillColor: "#d73027", fillOpacity: 0.45 },
  lost: { color: "#006837", weight: 1.5, dashArray: "4", fillColor: "#1a9850", fillOpacity: 0.35 },
};

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

async function changesMap(element) {
  const answer = await fetch(element.dataset.map, { credentials: "same-origin" });
  if (!answer.ok) throw new Error(`${element.dataset.map}: ${answer.status}`);
  const data = await answer.json();
  zoomWords(JSON.parse(element.dataset.labels || "{}"));
  const map = L.map(element, { preferCanvas: true, zoomSnap: 0.25 });
  map.attributionControl.setPrefix("Leaflet");
  const bounds = L.latLngBounds([]);
  if (data.overlay) {
    L.imageOverlay(data.overlay.url, data.overlay.bounds, { opacity: 0.85 }).addTo(map);
    bounds.extend(data.overlay.bounds);
  }
  const labels = data.labels;
  const villages = L.geoJSON(data.villages, {
    style: { color: "#5e3c99", weight: 2, fill: false },
    onEachFeature: (f, layer) => {
      const p = f.properties;
      layer.bindPopup(
        `<a href="/villages/${encodeURIComponent(p.kode)}">${escapeText(p.nama)}</a> (${escapeText(p.kode)})` +
          `<br>${escapeText(labels[p.change] || p.change)}`,
      );
    },
  }).addTo(map);
  const blankspots = L.geoJSON(data.blankspots, {
    style: (f) => CHANGE_STYLE[f.properties.change],
    onEachFeature: (f, layer) => {
      const p = f.properties;
      layer.bindTooltip(`${escapeText(labels[p.change])}: ${p.area_km2} km²`);
    },
  }).addTo(map);
  [villages, blankspots].forEach((layer) => {
    if (layer.getLayers().length) bounds.extend(layer.getBounds());
  });
  if (bounds.isValid()) map.fitBounds(bounds.pad(0.05));
  else map.setView([-0.3, 100.35], 10);
  element.dataset.ready = String(data.blankspots.features.length + data.villages.features.length);
}

const changesElement = document.getElementById("changes-map");
if (changesElement) changesMap(changesElement);
