/* Responses pages: fields shown by the kind of answer, and a response's map (village outline,
   the operator's evidence as diamonds, the approved survey as dots). No inline scripts (CSP). */
"use strict";

(function () {
  const COLOURS = { strong: "#1a9850", weak: "#fdae61", none: "#d73027", unknown: "#888888" };

  function showKindFields(form) {
    const chosen = form.querySelector('input[name="kind"]:checked');
    const kind = chosen ? chosen.value : "";
    form.querySelectorAll("[data-kinds]").forEach((part) => {
      part.hidden = !part.dataset.kinds.split(" ").includes(kind);
    });
  }

  document.querySelectorAll("form.response-form").forEach((form) => {
    form.querySelectorAll('input[name="kind"]').forEach((radio) => {
      radio.addEventListener("change", () => showKindFields(form));
    });
    showKindFields(form);
  });

  function diamond(latlng, colour) {
    return L.marker(latlng, {
      icon: L.divIcon({
        className: "evidence-mark",
        html: `<span style="background:${colour}"></span>`,
        iconSize: [12, 12],
      }),
      keyboard: false,
    });
  }

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

  // "survey reading · 4G (LTE) · weak signal" in the page's words (data-labels)
  function popup(labels, source, p) {
    const word = (table, code) => escapeText((table && table[code]) || code);
    return `${escapeText(labels[source] || source)} · ${word(labels.tech, p.tech)} · ${word(labels.class, p.class)}`;
  }

  async function responseMap(element) {
    const labels = JSON.parse(element.dataset.labels || "{}");
    zoomWords(labels);
    const map = L.map(element, { preferCanvas: true, zoomSnap: 0.25 });
    map.attributionControl.setPrefix("Leaflet");
    const answer = await fetch(element.dataset.responseMap, { credentials: "same-origin" });
    if (!answer.ok) throw new Error(`${element.dataset.responseMap}: ${answer.status}`);
    const data = await answer.json();
    const bounds = L.latLngBounds([]);
    const outline = L.geoJSON(data.outline, {
      style: { color: "#3f51b5", weight: 2, fillOpacity: 0.05 },
      onEachFeature: (f, l) => l.bindTooltip(`${escapeText(f.properties.name)} (${escapeText(f.properties.code)})`),
    }).addTo(map);
    if (data.outline.features.length) bounds.extend(outline.getBounds());
    const survey = L.geoJSON(data.survey, {
      pointToLayer: (f, latlng) => L.circleMarker(latlng, {
        radius: 4, weight: 0.5, color: "#333", fillColor: COLOURS[f.properties.class] || COLOURS.unknown, fillOpacity: 0.8,
      }).bindPopup(popup(labels, "survey", f.properties)),
    }).addTo(map);
    const evidence = L.geoJSON(data.evidence, {
      pointToLayer: (f, latlng) => diamond(latlng, COLOURS[f.properties.class] || COLOURS.unknown)
        .bindPopup(popup(labels, "evidence", f.properties)),
    }).addTo(map);
    // the village first: evidence far away (another town) must not shrink it to a dot
    if (bounds.isValid()) map.fitBounds(bounds.pad(0.2));
    else if (data.evidence.features.length) map.fitBounds(evidence.getBounds().pad(0.1));
    else if (data.survey.features.length) map.fitBounds(survey.getBounds().pad(0.1));
    else map.setView([-0.95, 100.35], 8);
    element.dataset.evidence = data.evidence.features.length;
    element.dataset.survey = data.survey.features.length;
    element.dataset.ready = "1";
  }

  document.querySelectorAll("[data-response-map]").forEach(responseMap);
})();
