/* PetaSinyal offline basemap for Leaflet: kabupaten/kota, kecamatan and desa outlines in quiet
   greys under the data, their names from a zoom on; optionally tiles from an XYZ server set by
   the admin, and an offline PMTiles file on the server (vector drawn by the vendored
   protomaps-leaflet, raster read with the vendored pmtiles; either script is loaded only when
   the layer is first shown). The user's choice of layers is kept (localStorage). One file
   shared by the web pages (server/static/basemap.js) and the offline map.html (written into
   the page).

   PetaBasemap.outlines(data)            -> L.LayerGroup of a GeoJSON: LineStrings/Polygons with
                                            properties.level (kabkota|kecamatan|desa; none = desa)
                                            and Points with properties.name (label places);
                                            polygons without label points get their name at
                                            their centre.
   PetaBasemap.attach(map, options)      -> {outlines, tiles, pmtiles, control, ready};
                                            options: data (GeoJSON) or url (fetched with
                                            ?z=8|10|12|14 as the zoom changes, e.g.
                                            /map/villages.geojson), tiles, attribution,
                                            pmtiles ({url, kind: vector|raster, script,
                                            minZoom, maxZoom, attribution}), labels,
                                            storageKey, control (false: no layer switch).
   Reads <meta name="petasinyal-basemap-tiles|-attribution"> when options give no tiles, and
   <meta name="petasinyal-basemap-pmtiles" content=URL data-kind data-script data-min-zoom
   data-max-zoom data-attribution> when they give no pmtiles. */
"use strict";

(function () {
  const STYLE = {
    kabkota: { color: "#4d4d4d", weight: 1.6, opacity: 0.9 },
    kecamatan: { color: "#7a7a7a", weight: 1.0, opacity: 0.85, dashArray: "5 3" },
    desa: { color: "#9a9a9a", weight: 0.6, opacity: 0.8 },
  };
  const LABEL_ZOOM = { kabkota: 8, kecamatan: 11, desa: 13 };
  const LEVELS = ["desa", "kecamatan", "kabkota"];
  const LEVELS_Z = [8, 10, 12, 14]; // the zooms the server simplifies outlines for
  const WORDS = {
    outlines: "Batas wilayah", tiles: "Peta jalan", pmtiles: "Peta luring (PMTiles)", none: "Tanpa latar",
  };
  const CSS = `
    .pb-label { background: none; border: 0; white-space: nowrap; pointer-events: none;
      font: 11px/1.2 sans-serif; color: #555; text-align: center;
      text-shadow: 0 0 2px #fff, 0 0 2px #fff, 0 0 3px #fff; }
    .pb-label.kabkota { font-weight: 700; font-size: 13px; color: #333; letter-spacing: .02em; }
    .pb-label.kecamatan { font-style: italic; font-size: 12px; color: #444; }
    .pb-label span { display: inline-block; transform: translate(-50%, -50%); }`;

  function addStyle() {
    if (document.getElementById("pb-style")) return;
    const style = document.createElement("style");
    style.id = "pb-style";
    style.textContent = CSS;
    document.head.appendChild(style);
  }

  function escapeText(text) {
    return String(text).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);
  }

  function label(latlng, level, name) {
    const icon = L.divIcon({ className: `pb-label ${level}`, html: `<span>${escapeText(name)}</span>`, iconSize: null });
    const marker = L.marker(latlng, { icon, interactive: false, keyboard: false, pane: "basemapLabels" });
    marker._pbName = String(name);
    return marker;
  }

  function declutter(map, layer, level, placed) {
    /* Hide a name that would overlap one already shown (larger areas first). */
    const size = level === "kabkota" ? 13 : level === "kecamatan" ? 12 : 11;
    layer.eachLayer((marker) => {
      const p = map.latLngToLayerPoint(marker.getLatLng());
      const half = (marker._pbName.length * size * 0.3) + 2;
      const box = [p.x - half, p.y - size * 0.7, p.x + half, p.y + size * 0.7];
      const clash = placed.some((b) => box[0] < b[2] && b[0] < box[2] && box[1] < b[3] && b[1] < box[3]);
      marker.setOpacity(clash ? 0 : 1);
      if (!clash) placed.push(box);
    });
  }

  function outlines(data) {
    addStyle();
    const group = L.layerGroup();
    const names = { kabkota: L.layerGroup(), kecamatan: L.layerGroup(), desa: L.layerGroup() };
    const labelled = new Set();
    (data.features || []).forEach((f) => {
      const p = f.properties || {};
      if (f.geometry && f.geometry.type === "Point" && p.name) labelled.add(`${p.level || "desa"}:${p.code || p.name}`);
    });
    const lines = {};
    (data.features || []).forEach((f) => {
      if (!f.geometry) return;
      const p = f.properties || {};
      const level = STYLE[p.level] ? p.level : "desa";
      if (f.geometry.type === "Point") {
        if (p.name) names[level].addLayer(label([f.geometry.coordinates[1], f.geometry.coordinates[0]], level, p.name));
        return;
      }
      (lines[level] = lines[level] || []).push(f);
    });
    LEVELS.forEach((level) => {
      if (!lines[level]) return;
      const layer = L.geoJSON({ type: "FeatureCollection", features: lines[level] }, {
        pane: "basemap",
        interactive: false,
        style: () => ({ ...STYLE[level], fill: false }),
        onEachFeature: (f, l) => {
          const p = f.properties || {};
          if (p.name && !labelled.has(`${level}:${p.code || p.name}`) && l.getBounds) {
            names[level].addLayer(label(l.getBounds().getCenter(), level, p.name));
          }
        },
      });
      group.addLayer(layer);
    });
    group.on("add", () => {
      const map = group._map;
      const update = () => {
        if (!group._map) return;
        const placed = [];
        ["kabkota", "kecamatan", "desa"].forEach((level) => {
          const layer = names[level];
          const show = map.getZoom() >= LABEL_ZOOM[level];
          if (show && !map.hasLayer(layer)) map.addLayer(layer);
          if (!show && map.hasLayer(layer)) map.removeLayer(layer);
          if (show) declutter(map, layer, level, placed);
        });
      };
      group._pbUpdate = update;
      map.on("zoomend", update);
      update();
    });
    group.on("remove", (e) => {
      const map = e.target._mapToRemoveFrom || e.sourceTarget._map;
      Object.values(names).forEach((layer) => layer.remove());
      if (map && group._pbUpdate) map.off("zoomend", group._pbUpdate);
    });
    return group;
  }

  function panes(map) {
    if (!map.getPane("basemap")) {
      map.createPane("basemap").style.zIndex = 250; // under overlays (400), over tiles (200)
      map.createPane("basemapLabels").style.zIndex = 450;
      map.getPane("basemapLabels").style.pointerEvents = "none";
    }
  }

  function meta(name) {
    const tag = document.querySelector(`meta[name="petasinyal-basemap-${name}"]`);
    return tag && tag.content ? tag.content : null;
  }

  const scripts = {};
  function loadScript(src) {
    /* Each vendored script once per page, when a layer first needs it. */
    scripts[src] = scripts[src] || new Promise((resolve, reject) => {
      const tag = document.createElement("script");
      tag.src = src;
      tag.onload = resolve;
      tag.onerror = () => reject(new Error(`cannot load ${src}`));
      document.head.appendChild(tag);
    });
    return scripts[src];
  }

  function rasterLayer(archive, options) {
    /* Image tiles of a PMTiles archive drawn on canvases: no blob: URLs, which the pages'
       Content-Security-Policy (img-src 'self' data:) would refuse. */
    const Layer = L.GridLayer.extend({
      createTile(coords, done) {
        const tile = document.createElement("canvas");
        const size = this.getTileSize();
        tile.width = size.x;
        tile.height = size.y;
        const abort = new AbortController();
        tile._pbAbort = abort;
        archive.getZxy(coords.z, coords.x, coords.y, abort.signal)
          .then((found) => (found ? createImageBitmap(new Blob([found.data])) : null))
          .then((image) => {
            if (image) tile.getContext("2d").drawImage(image, 0, 0, size.x, size.y);
            done(null, tile);
          })
          .catch((error) => { if (error.name !== "AbortError") done(error, tile); });
        return tile;
      },
    });
    const layer = new Layer(options);
    layer.on("tileunload", (e) => e.tile._pbAbort && e.tile._pbAbort.abort());
    return layer;
  }

  function pmtilesSpec() {
    const tag = document.querySelector('meta[name="petasinyal-basemap-pmtiles"]');
    if (!tag || !tag.content) return null;
    const d = tag.dataset;
    return {
      url: tag.content, kind: d.kind, script: d.script, attribution: d.attribution,
      minZoom: Number(d.minZoom || 0), maxZoom: Number(d.maxZoom || 15),
    };
  }

  function pmtilesLayer(spec) {
    /* A group that, when first shown, loads its script and adds the archive's layer. */
    const group = L.layerGroup();
    let made = null;
    group.on("add", () => {
      made = made || loadScript(spec.script).then(() => {
        const common = {
          pane: "tilePane", minNativeZoom: spec.minZoom, maxNativeZoom: spec.maxZoom, maxZoom: 19,
        };
        if (spec.kind === "vector") {
          /* protomaps-leaflet over-zooms on its own beyond the data's last zoom */
          return protomapsL.leafletLayer({
            url: spec.url, flavor: "light", lang: document.documentElement.lang || "id",
            maxDataZoom: spec.maxZoom, maxZoom: 19, pane: "tilePane",
            ...(spec.attribution ? { attribution: spec.attribution } : {}),
          });
        }
        const archive = new pmtiles.PMTiles(spec.url);
        if (spec.attribution) return rasterLayer(archive, { ...common, attribution: spec.attribution });
        return archive.getMetadata().catch(() => ({})).then((info) => (
          rasterLayer(archive, { ...common, attribution: (info && info.attribution) || "" })));
      });
      made.then((layer) => group.addLayer(layer)).catch((error) => console.warn(error.message));
    });
    return group;
  }

  function load(key) {
    try { return JSON.parse(localStorage.getItem(key)) || {}; } catch (e) { return {}; }
  }

  function save(key, value) {
    try { localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* private mode */ }
  }

  function attach(map, options = {}) {
    panes(map);
    const words = { ...WORDS, ...(options.labels || {}) };
    const key = options.storageKey || "petasinyal.basemap";
    const pmSpec = options.pmtiles || pmtilesSpec();
    /* offline first: the server's own file before an internet tile server */
    const choice = { outlines: true, tiles: !pmSpec, pmtiles: true, ...load(key) };
    const tilesUrl = options.tiles || meta("tiles");
    const tiles = tilesUrl ? L.tileLayer(tilesUrl, {
      attribution: options.attribution || meta("attribution") || "", maxZoom: 19, pane: "tilePane",
    }) : null;
    const group = L.layerGroup();
    const offline = pmSpec ? pmtilesLayer(pmSpec) : null;
    const result = { outlines: group, tiles, pmtiles: offline, control: null, ready: null };
    const fill = (data) => { group.clearLayers(); group.addLayer(outlines(data)); return data; };
    if (options.data) result.ready = Promise.resolve(fill(options.data));
    else if (options.url) {
      /* The server simplifies outlines per zoom level (?z=, cached with an ETag): fetch the
         level of the current zoom, and again when the zoom crosses into another level. */
      let level = null;
      const load = () => {
        const wanted = LEVELS_Z.filter((z) => z <= Math.max(map.getZoom(), LEVELS_Z[0])).pop();
        if (wanted === level) return result.ready;
        level = wanted;
        const sep = options.url.includes("?") ? "&" : "?";
        result.ready = fetch(`${options.url}${sep}z=${wanted}`, { credentials: "same-origin" })
          .then((r) => r.json()).then((d) => (wanted === level ? fill(d) : d));
        return result.ready;
      };
      map.whenReady(load);
      map.on("zoomend", load);
      result.ready = result.ready || Promise.resolve(null);
    } else result.ready = Promise.resolve(null);
    if (choice.outlines) group.addTo(map);
    if (tiles && choice.tiles) tiles.addTo(map);
    if (offline && choice.pmtiles) offline.addTo(map);
    map.getContainer().style.background = "#f7f7f4"; // paper, not Leaflet's grey, without tiles
    const overlays = { [words.outlines]: group };
    if (tiles) overlays[words.tiles] = tiles;
    if (offline) overlays[words.pmtiles] = offline;
    if (options.control !== false) {
      result.control = L.control.layers(null, overlays, { collapsed: true, position: "topright" }).addTo(map);
      const toggle = result.control.getContainer().querySelector(".leaflet-control-layers-toggle");
      if (toggle && words.layers) { /* Leaflet's title is English */
        toggle.title = words.layers;
        toggle.setAttribute("aria-label", words.layers);
      }
    }
    map.on("overlayadd overlayremove", (e) => {
      if (e.layer === group) choice.outlines = e.type === "overlayadd";
      else if (e.layer === tiles) choice.tiles = e.type === "overlayadd";
      else if (e.layer === offline) choice.pmtiles = e.type === "overlayadd";
      else return;
      save(key, choice);
    });
    return result;
  }

  window.PetaBasemap = { attach, outlines, LABEL_ZOOM, STYLE };
})();
