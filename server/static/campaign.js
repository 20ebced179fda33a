/* PetaSinyal campaign pages: pick villages by kabupaten/kota and kecamatan with a search,
   draw the area with the vendored Leaflet-Geoman (draw, edit corners, remove, undo), and the
   campaign's villages coloured by their state. Nothing is fetched from outside. */
"use strict";

// the phone's colours for a village's state (mobile/petasinyal_app/screens/villages.py)
const STATE_COLOURS = {
  not_surveyed: "#9e9e9e",
  needs_resurvey: "#e69f00",
  surveyed: "#0064a8",
  verification: "#5e3c99",
};
const DRAWN = { color: "#c51b7d", weight: 2, fillOpacity: 0.15 };
const PICKER_ROWS = 300; // villages listed at once; a search narrows the rest

async function getJSON(url) {
  const answer = await fetch(url, { credentials: "same-origin" });
  if (!answer.ok) throw new Error(`${url}: ${answer.status}`);
  return answer.json();
}

function make(tag, attributes = {}, text = "") {
  const node = document.createElement(tag);
  Object.entries(attributes).forEach(([key, value]) => node.setAttribute(key, value));
  if (text) node.textContent = text;
  return node;
}

function codesOf(field) {
  return new Set(field.value.split(/[\s,;]+/).filter(Boolean));
}

function writeCodes(field, codes) {
  field.value = [...codes].sort().join("\n");
  field.dispatchEvent(new Event("input"));
}

function option(value, text) {
  const node = make("option", { value }, text);
  return node;
}

async function villagePicker(element) {
  /* Kabupaten/kota and kecamatan lists, a search, and a checkbox per village: ticking one
     adds its code to the codes field (which stays editable: the field is the truth). */
  const labels = JSON.parse(element.dataset.labels);
  const field = document.getElementById(element.dataset.target);
  const data = await getJSON(element.dataset.source);
  const byName = (a, b) => a[1].localeCompare(b[1]);
  const kab = make("select", { "aria-label": labels.kab, name: "" });
  kab.append(option("", labels.all_kab));
  Object.entries(data.kab).sort(byName).forEach(([code, name]) => kab.append(option(code, name)));
  const kec = make("select", { "aria-label": labels.kec, name: "" });
  const search = make("input", { type: "search", placeholder: labels.search, "aria-label": labels.search });
  const tick = make("button", { type: "button", class: "secondary" }, labels.shown);
  const untick = make("button", { type: "button", class: "secondary" }, labels.clear);
  const count = make("span", { class: "picker-count" });
  const list = make("div", { class: "picker-list" });
  const row = (...nodes) => { const div = make("div", { class: "picker-row" }); div.append(...nodes); return div; };
  element.append(
    row(make("label", {}, labels.kab), make("label", {}, labels.kec), make("label", {}, labels.search)),
    list, row(tick, untick, count),
  );
  const [kabLabel, kecLabel, searchLabel] = element.querySelectorAll(".picker-row label");
  kabLabel.append(kab);
  kecLabel.append(kec);
  searchLabel.append(search);

  const fillKec = () => {
    kec.replaceChildren(option("", labels.all_kec));
    Object.entries(data.kec)
      .filter(([, [, parent]]) => !kab.value || parent === kab.value)
      .sort((a, b) => a[1][0].localeCompare(b[1][0]))
      .forEach(([code, [name]]) => kec.append(option(code, name)));
  };
  let shown = [];
  const render = () => {
    const chosen = codesOf(field);
    const words = search.value.trim().toLowerCase();
    shown = data.villages.filter(([code, name, parent]) =>
      (!kec.value || parent === kec.value) &&
      (!kab.value || (data.kec[parent] || [])[1] === kab.value) &&
      (!words || name.toLowerCase().includes(words) || code.startsWith(words)));
    list.replaceChildren(...shown.slice(0, PICKER_ROWS).map(([code, name, parent]) => {
      const box = make("input", { type: "checkbox", value: code });
      box.checked = chosen.has(code);
      const label = make("label", { class: "picker-village" });
      const place = kec.value ? "" : ` · ${(data.kec[parent] || [parent])[0]}`;
      label.append(box, document.createTextNode(` ${name}${place}`));
      return label;
    }));
    if (shown.length > PICKER_ROWS) {
      list.append(make("p", { class: "muted" }, `+${shown.length - PICKER_ROWS} ${labels.more}`));
    }
    count.textContent = `${chosen.size} ${labels.chosen}`;
  };
  list.addEventListener("change", (event) => {
    const codes = codesOf(field);
    if (event.target.checked) codes.add(event.target.value);
    else codes.delete(event.target.value);
    writeCodes(field, codes);
  });
  const setShown = (on) => {
    const codes = codesOf(field);
    shown.forEach(([code]) => (on ? codes.add(code) : codes.delete(code)));
    writeCodes(field, codes);
  };
  tick.addEventListener("click", () => setShown(true));
  untick.addEventListener("click", () => setShown(false));
  kab.addEventListener("change", () => { fillKec(); render(); });
  kec.addEventListener("change", render);
  search.addEventListener("input", render);
  field.addEventListener("input", render);
  if (Object.keys(data.kab).length === 1) kab.value = Object.keys(data.kab)[0];
  fillKec();
  render();
  element.dataset.ready = data.villages.length;
}

function areaOf(group) {
  /* The drawn polygons as one GeoJSON Polygon or MultiPolygon (coordinates to ~10 cm). */
  const round = (ring) => ring.map(([x, y]) => [Number(x.toFixed(6)), Number(y.toFixed(6))]);
  const polygons = [];
  group.toGeoJSON().features.forEach((f) => {
    const g = f.geometry;
    if (g.type === "Polygon") polygons.push(g.coordinates.map(round));
    if (g.type === "MultiPolygon") g.coordinates.forEach((p) => polygons.push(p.map(round)));
  });
  if (!polygons.length) return "";
  if (polygons.length === 1) return JSON.stringify({ type: "Polygon", coordinates: polygons[0] });
  return JSON.stringify({ type: "MultiPolygon", coordinates: polygons });
}

function drawMap(element) {
  /* Geoman's toolbar draws polygons and rectangles, edits their corners and removes them;
     every change is kept, so "Undo" goes back one step at a time. */
  const map = L.map(element, { zoomSnap: 0.25 });
  map.attributionControl.setPrefix("Leaflet · Geoman");
  L.control.scale({ imperial: false }).addTo(map);
  if (document.documentElement.lang === "id") map.pm.setLang("id");
  map.pm.addControls({
    position: "topleft",
    drawMarker: false,
    drawCircleMarker: false,
    drawPolyline: false,
    drawCircle: false,
    drawText: false,
    cutPolygon: false,
    rotateMode: false,
  });
  map.pm.setPathOptions(DRAWN);
  const field = document.getElementById(element.dataset.target);
  const codes = document.getElementById(element.dataset.codes);
  const undo = document.getElementById(element.dataset.undo);
  const drawn = L.featureGroup().addTo(map);
  const history = [];
  let current = "";

  const sync = () => {
    field.value = areaOf(drawn);
    undo.disabled = history.length === 0;
    element.dataset.shapes = drawn.getLayers().length;
    element.dataset.steps = history.length;
  };
  const changed = () => {
    history.push(current);
    current = JSON.stringify(drawn.toGeoJSON());
    sync();
  };
  const restore = (state) => {
    drawn.clearLayers();
    if (state) {
      L.geoJSON(JSON.parse(state), { style: DRAWN }).eachLayer((layer) => {
        layer.on("pm:edit", changed);
        drawn.addLayer(layer);
      });
    }
    current = state;
    sync();
  };
  map.on("pm:create", (event) => {
    event.layer.on("pm:edit", changed);
    drawn.addLayer(event.layer);
    changed();
  });
  map.on("pm:remove", (event) => {
    if (drawn.hasLayer(event.layer)) { drawn.removeLayer(event.layer); changed(); }
  });
  undo.addEventListener("click", () => {
    if (!history.length) return;
    const editing = map.pm.globalEditModeEnabled();
    if (editing) map.pm.disableGlobalEditMode();
    restore(history.pop());
    if (editing) map.pm.enableGlobalEditMode();
  });
  if (field.value.trim()) {
    try { restore(JSON.stringify({ type: "Feature", properties: {}, geometry: JSON.parse(field.value) })); }
    catch (error) { /* a hand-typed area that is not GeoJSON: the server says so */ }
  }
  field.addEventListener("change", () => { history.length = 0; restore(field.value.trim() ? JSON.stringify(JSON.parse(field.value)) : ""); });

  const plain = { color: "#777", weight: 0.5, fillOpacity: 0.04, fillColor: "#777" };
  const picked = { color: "#0064a8", weight: 1.2, fillOpacity: 0.35, fillColor: "#0064a8" };
  const start = element.dataset.outline ? getJSON(element.dataset.outline).then((d) => {
    const outlines = L.geoJSON(d, { pmIgnore: true, renderer: L.canvas(), style: plain }).addTo(map);
    const paint = () => {
      const chosen = codesOf(codes);
      let bounds = null;
      outlines.eachLayer((layer) => {
        const on = chosen.has(layer.feature.properties.code);
        layer.setStyle(on ? picked : plain);
        if (on) bounds = bounds ? bounds.extend(layer.getBounds()) : L.latLngBounds(layer.getBounds());
      });
      return bounds;
    };
    codes.addEventListener("input", () => {
      const bounds = paint();
      if (bounds && !map.getBounds().contains(bounds)) map.fitBounds(bounds.pad(0.2));
    });
    // a kabupaten/kota office starts on its own region
    const prefix = element.dataset.prefix;
    let region = null;
    outlines.eachLayer((layer) => {
      const code = layer.feature.properties.code;
      if (prefix && (code === prefix || code.startsWith(`${prefix}.`))) {
        region = region ? region.extend(layer.getBounds()) : L.latLngBounds(layer.getBounds());
      }
    });
    const bounds = paint() || (drawn.getLayers().length ? drawn.getBounds() : null);
    if (bounds) map.fitBounds(bounds.pad(0.2));
    else if (region) map.fitBounds(region);
    else if (d.features.length) map.fitBounds(outlines.getBounds());
  }) : Promise.resolve();
  start.finally(() => {
    if (!map._loaded) map.setView([-0.95, 100.35], 8);
    element.dataset.ready = "1";
  });
}

async function campaignMap(element) {
  /* The campaign's villages filled with the colour of their state, named on hover. */
  const labels = JSON.parse(element.dataset.labels);
  const map = L.map(element, { zoomSnap: 0.25 });
  map.attributionControl.setPrefix("Leaflet");
  L.control.scale({ imperial: false }).addTo(map);
  const data = await getJSON(element.dataset.campaignMap);
  const layer = L.geoJSON(data, {
    style: (f) => ({
      color: "#333",
      weight: 0.8,
      fillColor: STATE_COLOURS[f.properties.state] || "#9e9e9e",
      fillOpacity: 0.65,
    }),
    onEachFeature: (f, l) => {
      const p = f.properties;
      const text = `${p.name} · ${labels.states[p.state] || p.state} · ${p.readings} ${labels.readings}`;
      l.bindTooltip(document.createTextNode(text), { sticky: true });
    },
  }).addTo(map);
  if (data.features.length) map.fitBounds(layer.getBounds().pad(0.05));
  else map.setView([-0.95, 100.35], 8);
  element.dataset.ready = data.features.length;
}

document.querySelectorAll("#village-picker[data-source]").forEach(villagePicker);
document.querySelectorAll(".map[data-campaign-draw]").forEach(drawMap);
document.querySelectorAll(".map[data-campaign-map]").forEach(campaignMap);
