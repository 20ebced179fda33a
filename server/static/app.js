/* PetaSinyal pages: tick-all boxes, maps of readings and villages, job progress, drawing a
   campaign area. Plain JavaScript and the vendored Leaflet; nothing is fetched from outside. */
"use strict";

const CLASS_COLOURS = { strong: "#1a9850", weak: "#fdae61", none: "#d73027", unknown: "#888888" };

document.querySelectorAll("[data-select-all]").forEach((box) => {
  box.addEventListener("change", () => {
    const name = box.dataset.selectAll;
    box.closest("form").querySelectorAll(`input[name="${name}"]`).forEach((b) => { b.checked = box.checked; });
  });
});

function baseMap(element) {
  const map = L.map(element, { preferCanvas: true, zoomSnap: 0.25 });
  map.attributionControl.setPrefix("Leaflet");
  return map;
}

async function getJSON(url) {
  const answer = await fetch(url, { credentials: "same-origin" });
  if (!answer.ok) throw new Error(`${url}: ${answer.status}`);
  return answer.json();
}

async function readingsMap(element) {
  const map = baseMap(element);
  if (element.dataset.outline) {
    L.geoJSON(await getJSON(element.dataset.outline), {
      style: { color: "#777", weight: 0.6, fillOpacity: 0.03 },
    }).addTo(map);
  }
  const data = await getJSON(element.dataset.geojson);
  const layer = L.geoJSON(data, {
    pointToLayer: (feature, latlng) => {
      const p = feature.properties;
      return L.circleMarker(latlng, {
        radius: 5,
        weight: p.flags ? 2 : 0.5,
        color: p.excluded ? "#555" : p.flags ? "#000" : "#333",
        fillColor: p.excluded ? "#bbbbbb" : CLASS_COLOURS[p.class] || "#888",
        fillOpacity: p.excluded ? 0.4 : 0.9,
        dashArray: p.excluded ? "2" : null,
      }).bindPopup(`${p.tech} ${p.operator || ""} · ${p.class}${p.flags ? "<br>⚑ " + p.flags : ""}`);
    },
  }).addTo(map);
  if (data.features.length) map.fitBounds(layer.getBounds().pad(0.1));
  else map.setView([-0.95, 100.35], 8);
  element.dataset.ready = data.features.length;
}

const OUTLINE_LEVELS = [8, 10, 12, 14]; /* the zooms the server simplifies outlines for */

function outlineUrl(url, zoom) {
  /* The village outlines simplified for ``zoom`` (cached by the browser, ETag). */
  const level = OUTLINE_LEVELS.find((z) => z >= zoom) || OUTLINE_LEVELS[OUTLINE_LEVELS.length - 1];
  const address = new URL(url, window.location.href);
  address.searchParams.set("z", String(level));
  return { level, url: address.pathname + address.search };
}

async function surveyMap(element) {
  /* Coarse outlines first (a province fits at zoom 7-8), finer ones when zoomed in. */
  const map = baseMap(element);
  const coarse = outlineUrl(element.dataset.villages, OUTLINE_LEVELS[0]);
  const [data, counts] = await Promise.all([getJSON(coarse.url), getJSON(element.dataset.counts)]);
  const colour = (n) => (n >= 50 ? "#2c7fb8" : n >= 10 ? "#7fcdbb" : n > 0 ? "#c7e9b4" : "#f0f0f0");
  const layer = L.geoJSON(null, {
    style: (f) => ({ color: "#666", weight: 0.4, fillColor: colour(f.properties.readings), fillOpacity: 0.8 }),
    onEachFeature: (f, l) => l.bindTooltip(`${f.properties.name} (${f.properties.code}): ${f.properties.readings}`),
  }).addTo(map);
  const show = (outlines) => {
    outlines.features.forEach((f) => { f.properties.readings = counts[f.properties.code] || 0; });
    layer.clearLayers();
    layer.addData(outlines);
  };
  show(data);
  /* an office of a kabupaten/kota sees its own region first */
  const region = element.dataset.region;
  const own = region ? data.features.filter((f) => f.properties.code.startsWith(`${region}.`)) : [];
  if (own.length) map.fitBounds(L.geoJSON({ type: "FeatureCollection", features: own }).getBounds());
  else if (data.features.length) map.fitBounds(layer.getBounds());
  else map.setView([-0.95, 100.35], 8);
  let whole = data; /* the whole province at the finest level loaded so far (8 or 10) */
  let level = coarse.level;
  let near = null; /* {level, box} of the finer outlines loaded for the view */
  let asked = 0;
  const snap = (v, up) => (up ? Math.ceil(v * 20) : Math.floor(v * 20)) / 20; /* 0.05° */
  const refine = async () => {
    const wanted = outlineUrl(element.dataset.villages, map.getZoom());
    const ticket = ++asked;
    if (wanted.level <= OUTLINE_LEVELS[1]) {
      if (wanted.level <= level) return;
      const outlines = await getJSON(wanted.url);
      if (ticket !== asked) return;
      whole = outlines;
      level = wanted.level;
      show(whole);
      near = null;
      return;
    }
    /* zoomed in: finer outlines of the villages around the view only, over the others */
    const view = map.getBounds();
    if (near && near.level >= wanted.level && near.box.contains(view)) return;
    const pad = view.pad(0.5);
    const box = L.latLngBounds([snap(pad.getSouth(), false), snap(pad.getWest(), false)],
      [snap(pad.getNorth(), true), snap(pad.getEast(), true)]);
    const edges = [box.getWest(), box.getSouth(), box.getEast(), box.getNorth()].map((v) => v.toFixed(2));
    const fine = await getJSON(`${wanted.url}&bbox=${edges.join(",")}`);
    if (ticket !== asked) return;
    const codes = new Set(fine.features.map((f) => f.properties.code));
    show({ type: "FeatureCollection", features: [...whole.features.filter((f) => !codes.has(f.properties.code)), ...fine.features] });
    near = { level: wanted.level, box };
  };
  map.on("moveend", refine);
  await refine();
  element.dataset.ready = data.features.length;
}

function drawArea(element) {
  /* Click to add corners, "finish" closes the polygon into the GeoJSON field. */
  const map = baseMap(element);
  const field = document.getElementById(element.dataset.target);
  const points = [];
  const line = L.polyline([], { color: "#c51b7d" }).addTo(map);
  let shape = null;
  const outline = element.dataset.outline;
  const start = outline ? getJSON(outline).then((d) => {
    const l = L.geoJSON(d, { style: { color: "#777", weight: 0.5, fillOpacity: 0.05 } }).addTo(map);
    if (d.features.length) map.fitBounds(l.getBounds());
  }) : Promise.resolve();
  start.finally(() => { if (!map._loaded) map.setView([-0.95, 100.35], 8); element.dataset.ready = "1"; });
  map.on("click", (e) => { points.push(e.latlng); line.setLatLngs(points); });
  document.getElementById(element.dataset.finish).addEventListener("click", () => {
    if (points.length < 3) return;
    if (shape) shape.remove();
    shape = L.polygon(points, { color: "#c51b7d" }).addTo(map);
    const ring = points.map((p) => [Number(p.lng.toFixed(6)), Number(p.lat.toFixed(6))]);
    ring.push(ring[0]);
    field.value = JSON.stringify({ type: "Polygon", coordinates: [ring] });
    points.length = 0;
    line.setLatLngs([]);
  });
}

function followJob(element) {
  const bar = element.querySelector("progress");
  const text = element.querySelector(".job-message");
  const tick = async () => {
    const job = await getJSON(element.dataset.jobStatus);
    bar.value = job.progress;
    text.textContent = job.message || "";
    if (["done", "failed", "cancelled"].includes(job.state)) window.location.reload();
    else window.setTimeout(tick, 1500);
  };
  window.setTimeout(tick, 1500);
}

document.querySelectorAll(".map[data-geojson]").forEach(readingsMap);
document.querySelectorAll(".map[data-villages]").forEach(surveyMap);
document.querySelectorAll(".map[data-draw]").forEach(drawArea);
document.querySelectorAll("[data-job-status]").forEach(followJob);
