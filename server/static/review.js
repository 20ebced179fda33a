/* The upload page: its readings grouped by spot on a map fitted to them, a popup per spot
   (time, signal, class, village, operator; exclude or include each reading), and a readings
   table that follows the map both ways. Plain JavaScript and the vendored Leaflet. */
"use strict";

(() => {
  const element = document.getElementById("map");
  if (!element || !element.dataset.spots) return;
  const COLOURS = { strong: "#1a9850", weak: "#fdae61", none: "#d73027", unknown: "#888888" };
  const ORDER = ["strong", "weak", "none", "unknown"];
  const words = JSON.parse(document.getElementById("review-words").textContent);
  const form = document.getElementById("readings-form");
  const csrf = form ? form.querySelector("input[name=csrf_token]").value : null;
  const markers = new Map(); // spot key -> { marker, props }
  const map = L.map(element, { preferCanvas: true, zoomSnap: 0.25, maxZoom: 20, zoomControl: false });
  map.attributionControl.setPrefix("Leaflet");
  L.control.zoom({ zoomInTitle: words.zoom_in, zoomOutTitle: words.zoom_out }).addTo(map);
  L.control.scale({ imperial: false }).addTo(map);

  const say = (text, values) => text.replace(/\{(\w+)\}/g, (_m, name) => String(values[name]));
  const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

  async function getJSON(url) {
    const answer = await fetch(url, { credentials: "same-origin" });
    if (!answer.ok) throw new Error(`${url}: ${answer.status}`);
    return answer.json();
  }

  function pie(props) {
    /* The spot's classes as a pie (excluded readings grey), its count in the middle. */
    const parts = ORDER.map((c) => [c, props.classes[c] || 0]).filter(([, n]) => n > 0);
    if (props.excluded) parts.push(["excluded", props.excluded]);
    let at = 0;
    const stops = parts.map(([c, n]) => {
      const from = (at / props.count) * 100;
      at += n;
      return `${c === "excluded" ? "#bbbbbb" : COLOURS[c]} ${from}% ${(at / props.count) * 100}%`;
    });
    return `conic-gradient(${stops.join(", ")})`;
  }

  function icon(props) {
    const size = Math.round(24 + 8 * Math.log10(props.count));
    const flagged = props.flagged ? " flagged" : "";
    return L.divIcon({
      className: `spot${flagged}`,
      iconSize: [size, size],
      html: `<span style="background:${pie(props)}"><b>${props.count}</b></span>`,
    });
  }

  function singleStyle(props) {
    const excluded = props.excluded > 0;
    const label = Object.keys(props.classes)[0] || "unknown";
    return {
      radius: 6,
      weight: props.flagged ? 2.5 : 1,
      color: excluded ? "#555" : props.flagged ? "#000" : "#333",
      fillColor: excluded ? "#bbbbbb" : COLOURS[label] || "#888",
      fillOpacity: excluded ? 0.5 : 0.9,
      dashArray: excluded ? "2" : null,
    };
  }

  function addSpot(feature) {
    const p = feature.properties;
    const [lon, lat] = feature.geometry.coordinates;
    const marker = p.count > 1
      ? L.marker([lat, lon], { icon: icon(p), title: say(words.readings_here, { n: p.count }) })
      : L.circleMarker([lat, lon], singleStyle(p));
    const width = Math.min(320, element.clientWidth - 80); // beside the layer box on a phone
    marker.bindPopup("…", { maxWidth: width, minWidth: Math.min(240, width), autoPanPadding: [20, 20] });
    marker.on("popupopen", () => openSpot(p.spot));
    marker.addTo(map);
    markers.set(p.spot, { marker, props: p });
  }

  function redraw(key, readings) {
    /* After an exclusion: the spot's counts and look from its readings as now stored. */
    const entry = markers.get(key);
    const p = entry.props;
    p.excluded = readings.filter((r) => r.excluded).length;
    p.classes = {};
    readings.filter((r) => !r.excluded).forEach((r) => { p.classes[r.class] = (p.classes[r.class] || 0) + 1; });
    if (p.count > 1) entry.marker.setIcon(icon(p));
    else entry.marker.setStyle(singleStyle(p));
  }

  function markRows(key) {
    document.querySelectorAll("tr.at-spot").forEach((tr) => tr.classList.remove("at-spot"));
    document.querySelectorAll(`tr[data-spot="${key}"]`).forEach((tr) => tr.classList.add("at-spot"));
  }

  function readingItem(r) {
    const actions = element.dataset.exclude
      ? `<button type="button" class="small" data-toggle="${escape(r.id)}">${r.excluded ? words.include : words.exclude}</button>`
      : "";
    return `<li class="${r.excluded ? "excluded" : ""}">
      <div><span class="dot ${escape(r.class)}"></span><b>${escape(r.class_label)}</b> · ${escape(r.tech)} ${escape(r.signal)}
        ${r.excluded ? `<em>${words.excluded}</em>` : ""}</div>
      <div class="muted">${escape(r.time)}</div>
      <div>${words.village}: ${escape(r.village)} · ${words.operator}: ${escape(r.operator)}</div>
      ${r.flags ? `<div>${words.flags}: ${escape(r.flag_names)}</div>` : ""}
      <div class="popup-actions">${actions}<a href="#" data-row="${escape(r.id)}">${words.row}</a></div>
    </li>`;
  }

  function render(key, readings) {
    const popup = markers.get(key).marker.getPopup();
    const excluded = readings.filter((r) => r.excluded).length;
    let head = "";
    if (readings.length > 1) {
      head = `<p class="popup-head"><b>${say(words.readings_here, { n: readings.length })}</b>`;
      if (element.dataset.exclude) {
        const all = excluded === readings.length;
        head += ` <button type="button" class="small" data-toggle-all="${all ? "include" : "exclude"}">` +
          `${say(all ? words.include_all : words.exclude_all, { n: readings.length })}</button>`;
      }
      head += "</p>";
    }
    popup.setContent(`<div class="spot-popup">${head}<ul>${readings.map(readingItem).join("")}</ul></div>`);
    const box = popup.getElement();
    if (!box) return;
    box.querySelectorAll("[data-toggle]").forEach((b) => b.addEventListener("click", () => {
      const r = readings.find((x) => x.id === b.dataset.toggle);
      toggle(key, readings, [r.id], !r.excluded);
    }));
    box.querySelectorAll("[data-toggle-all]").forEach((b) => b.addEventListener("click", () => {
      toggle(key, readings, readings.map((r) => r.id), b.dataset.toggleAll === "exclude");
    }));
    box.querySelectorAll("[data-row]").forEach((a) => a.addEventListener("click", (event) => {
      event.preventDefault();
      showRow(a.dataset.row);
    }));
  }

  async function openSpot(key) {
    markRows(key);
    const data = await getJSON(element.dataset.spotUrl.replace("KEY", encodeURIComponent(key)));
    render(key, data.readings);
  }

  async function toggle(key, readings, ids, exclude) {
    const body = new FormData();
    body.append("csrf_token", csrf);
    body.append("action", exclude ? "exclude" : "include");
    ids.forEach((id) => body.append("reading", id));
    const answer = await fetch(element.dataset.exclude, {
      method: "POST", body, credentials: "same-origin", headers: { Accept: "application/json" },
    });
    if (!answer.ok) { window.alert(words.failed); return; }
    readings.filter((r) => ids.includes(r.id)).forEach((r) => {
      r.excluded = exclude;
      const row = document.getElementById(`r-${r.id}`);
      if (row) row.classList.toggle("excluded", exclude);
    });
    redraw(key, readings);
    render(key, readings);
    element.dataset.changed = String(Number(element.dataset.changed || 0) + 1);
  }

  function showRow(id) {
    /* The reading's row: on this page, scrolled to; else the page that has it. */
    const row = document.getElementById(`r-${id}`);
    if (!row) {
      window.location.href = `${element.dataset.pageUrl}?reading=${encodeURIComponent(id)}`;
      return;
    }
    document.querySelectorAll("tr.current").forEach((tr) => tr.classList.remove("current"));
    row.classList.add("current");
    row.scrollIntoView({ block: "center" });
  }

  function showOnMap(row) {
    /* Centre the map on a row's reading and open its spot. */
    const entry = markers.get(row.dataset.spot);
    const at = [Number(row.dataset.lat), Number(row.dataset.lon)];
    document.querySelectorAll("tr.current").forEach((tr) => tr.classList.remove("current"));
    row.classList.add("current");
    map.setView(entry ? entry.marker.getLatLng() : at, Math.max(map.getZoom(), 17));
    if (entry) entry.marker.openPopup();
    const box = element.getBoundingClientRect();
    if (box.bottom < 0 || box.top > window.innerHeight) element.scrollIntoView({ block: "start" });
  }

  document.querySelectorAll("table.readings tbody tr[data-spot]").forEach((row) => {
    row.addEventListener("click", (event) => {
      if (event.target.closest("input, a, label")) return;
      showOnMap(row);
    });
  });

  async function start() {
    const data = await getJSON(element.dataset.spots);
    data.features.forEach(addSpot);
    const points = data.features.map((f) => [f.geometry.coordinates[1], f.geometry.coordinates[0]]);
    if (points.length) map.fitBounds(L.latLngBounds(points).pad(0.15), { maxZoom: 18 });
    else map.setView([-0.95, 100.35], 8);
    element.dataset.ready = data.readings;
    element.dataset.spotCount = data.features.length;
    const wanted = window.location.hash.match(/^#r-(.+)$/);
    if (wanted) showRow(decodeURIComponent(wanted[1]));
    if (element.dataset.outline) await basemap();
  }

  async function basemap() {
    /* Village outlines (and names) around the readings, under them, once they are shown. */
    const b = map.getBounds();
    const box = [b.getWest() - 0.03, b.getSouth() - 0.03, b.getEast() + 0.03, b.getNorth() + 0.03];
    const zoom = Math.min(Math.round(map.getZoom()), 15);
    const url = `${element.dataset.outline}?z=${zoom}&bbox=${box.map((v) => v.toFixed(4)).join(",")}`;
    if (window.PetaBasemap) {
      const base = window.PetaBasemap.attach(map, { url });
      const toggle = base.control && base.control.getContainer().querySelector(".leaflet-control-layers-toggle");
      if (toggle) toggle.title = words.layers;
      await base.ready;
      return;
    }
    L.geoJSON(await getJSON(url), {
      style: { color: "#777", weight: 0.6, fillOpacity: 0.03 },
      interactive: false,
    }).addTo(map).bringToBack();
  }

  start();
})();
