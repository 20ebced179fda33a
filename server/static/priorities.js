/* Where to survey next: the region's villages coloured by priority, each with its rank.
   Plain JavaScript and the vendored Leaflet; nothing is fetched from outside. */
"use strict";

(function () {
  // fill, border colour, border weight and dash: the level never rests on colour alone
  const STYLES = {
    high: { fillColor: "#d73027", color: "#7f0000", weight: 3, dashArray: null },
    medium: { fillColor: "#fc8d59", color: "#8c3b00", weight: 2, dashArray: "6 4" },
    low: { fillColor: "#fee08b", color: "#6b5a00", weight: 2, dashArray: "1 4" },
    none: { fillColor: "#ffffff", color: "#5f6b7a", weight: 1, dashArray: null },
  };
  const RANKS_SHOWN = 50; // rank numbers written on the map

  // the zoom buttons' titles in the page's language (data-labels, written by the page)
  function zoomWords(labels) {
    if (labels.zoom_in) L.Control.Zoom.prototype.options.zoomInTitle = labels.zoom_in;
    if (labels.zoom_out) L.Control.Zoom.prototype.options.zoomOutTitle = labels.zoom_out;
  }

  function escape(text) {
    const span = document.createElement("span");
    span.textContent = text;
    return span.innerHTML;
  }

  async function priorityMap(element) {
    zoomWords(JSON.parse(element.dataset.labels || "{}"));
    const map = L.map(element, { zoomSnap: 0.25 });
    map.attributionControl.setPrefix("Leaflet");
    const answer = await fetch(element.dataset.priorityMap, { credentials: "same-origin" });
    if (!answer.ok) throw new Error(`${element.dataset.priorityMap}: ${answer.status}`);
    const data = await answer.json();
    const layer = L.geoJSON(data, {
      style: (feature) => ({ ...STYLES[feature.properties.level] || STYLES.none, fillOpacity: 0.55 }),
      onEachFeature: (feature, polygon) => {
        const p = feature.properties;
        polygon.bindPopup(`#${p.rank} ${escape(p.name)}<br>${escape(p.code)} · ${escape(p.label)} · ${p.score}`);
        if (p.rank <= RANKS_SHOWN && p.level !== "none") {
          polygon.bindTooltip(String(p.rank), { permanent: true, direction: "center", className: "rank" });
        }
      },
    }).addTo(map);
    if (data.features.length) map.fitBounds(layer.getBounds().pad(0.05));
    else map.setView([-0.95, 100.35], 8);
    element.dataset.ready = String(data.features.length);
  }

  document.querySelectorAll("[data-priority-map]").forEach((element) => {
    priorityMap(element).catch((error) => { element.dataset.ready = "error"; console.error(error); });
  });
})();
