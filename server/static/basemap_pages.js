/* Every map of the pages gets the offline basemap (village outlines with their names, and the
   admin's tile server and offline PMTiles file when set: basemap.js), unless its element says
   data-basemap="off" or "own" (the page's script attaches it itself); and zoom buttons titled
   in the page's language. */
"use strict";

(function () {
  if (!window.L || !window.PetaBasemap) return;
  const meta = document.querySelector('meta[name="petasinyal-outlines"]');
  if (!meta || !meta.content) return;
  const labels = JSON.parse(document.querySelector('meta[name="petasinyal-basemap-labels"]')?.content || "{}");
  L.Map.addInitHook(function () {
    const zoom = this.zoomControl; /* Leaflet's button titles are English */
    if (zoom && labels.zoom_in) {
      for (const [button, word] of [[zoom._zoomInButton, labels.zoom_in], [zoom._zoomOutButton, labels.zoom_out]]) {
        button.title = word;
        button.setAttribute("aria-label", word);
      }
    }
    const mode = this.getContainer().dataset.basemap;
    if (mode === "off" || mode === "own") return;
    this.whenReady(() => window.PetaBasemap.attach(this, { url: meta.content, labels }));
  });
})();
