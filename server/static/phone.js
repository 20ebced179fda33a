/* PetaSinyal on a phone (every page loads this from base.html).

   Tables: every <table class="list"> with a <thead> becomes a stack of cards under 600 px
   (app.css): each cell gets data-label from its column's header, the first cell is the
   card's title, and the key column sits beside it at the top:
     - the column whose <th> has data-key (say which one explicitly), else
     - the column with a verdict badge (.badge.verdict-*, .vbadge), else
     - the column with a button or form (revoke, answer...), else
     - the column with a state badge (.badge), else
     - the last column when every row has a link there (the dashboard's map links).
   <table data-cards="off"> keeps a table as it is. Rows added later are labelled too.

   Maps: under 600 px Leaflet's layer box and the map legend (.leaflet-control.legend,
   .map-legend, .petasinyal-legend) start collapsed and open with one tap, in the page and in
   the product map embedded as <iframe class="productmap"> (the product map folds its own
   boxes and marks them data-folded, see analysis/export/map_boxes.py; they are left alone). */
"use strict";

(function () {
  const PHONE = window.matchMedia("(max-width: 600px)");
  const VERDICT = ".badge[class*='verdict-'], .vbadge";
  const ACTION = "button, .button, form, input[type=submit]";
  const LEGEND = ".leaflet-control.legend, .map-legend, .petasinyal-legend";

  function headers(table) {
    /* The text of each column's header (colspan counted), and which header says data-key. */
    const row = table.tHead && table.tHead.rows[table.tHead.rows.length - 1];
    const labels = [];
    let key = -1;
    if (!row) return { labels, key };
    Array.from(row.cells).forEach((th) => {
      if (th.hasAttribute("data-key")) key = labels.length;
      if (th.querySelector("input, select, button")) th.classList.add("card-keep");
      for (let i = 0; i < (th.colSpan || 1); i += 1) labels.push(th.textContent.trim());
    });
    return { labels, key };
  }

  function rowsOf(table) {
    return Array.from(table.tBodies).flatMap((body) => Array.from(body.rows));
  }

  function columnWhere(rows, width, test) {
    /* The first column (after the title) where some row's cell passes ``test``. */
    for (let col = 1; col < width; col += 1) {
      if (rows.some((r) => r.cells.length === width && r.cells[col] && test(r.cells[col]))) return col;
    }
    return -1;
  }

  function keyColumn(table, rows, width, explicit) {
    if (explicit >= 0) return explicit;
    const full = rows.filter((r) => r.cells.length === width);
    if (!full.length) return -1;
    const found = [
      (c) => c.querySelector(VERDICT),
      (c) => c.querySelector(ACTION) && !c.querySelector("input[type=checkbox]"),
      (c) => c.querySelector(".badge"),
    ].map((test) => columnWhere(full, width, test)).find((col) => col >= 0);
    if (found !== undefined) return found;
    const last = width - 1;
    return last > 0 && full.every((r) => r.cells[last].querySelector("a")) ? last : -1;
  }

  function isCheck(cell) {
    const inputs = cell.querySelectorAll("input");
    return inputs.length === 1 && inputs[0].type === "checkbox" && !cell.textContent.trim();
  }

  function cards(table) {
    if (table.dataset.cards === "off" || !table.tHead) return;
    const { labels, key } = headers(table);
    if (!labels.length) return;
    const rows = rowsOf(table);
    const width = labels.length;
    const keyCol = keyColumn(table, rows, width, key);
    table.classList.add("cards");
    rows.forEach((row) => {
      if (row.dataset.carded === String(keyCol)) return;
      row.dataset.carded = String(keyCol);
      let col = 0;
      let titled = false;
      Array.from(row.cells).forEach((cell) => {
        const span = cell.colSpan || 1;
        cell.classList.remove("card-title", "card-key", "card-check", "card-empty");
        if (span >= width) cell.dataset.label = "";
        else cell.dataset.label = labels[col] || "";
        if (isCheck(cell)) cell.classList.add("card-check");
        else if (!titled) { cell.classList.add("card-title"); titled = true; }
        else if (col === keyCol) cell.classList.add("card-key");
        if (!cell.textContent.trim() && !cell.querySelector("input, button, select, img, svg, a")) {
          cell.classList.add("card-empty");
        }
        col += span;
      });
    });
  }

  function allCards(root) {
    root.querySelectorAll("table.list").forEach(cards);
  }

  function foldLayers(doc) {
    /* Collapse an expanded Leaflet layer box; one tap on its icon opens it again. */
    doc.querySelectorAll(".leaflet-control-layers-expanded").forEach((box) => {
      if (box.dataset.folded) return;
      box.dataset.folded = "1";
      box.classList.remove("leaflet-control-layers-expanded");
      const open = (e) => {
        if (box.classList.contains("leaflet-control-layers-expanded")) return;
        e.preventDefault();
        e.stopPropagation();
        box.classList.add("leaflet-control-layers-expanded");
      };
      box.addEventListener("click", open, true);
      const map = box.closest(".leaflet-container");
      if (map) map.addEventListener("click", (e) => {
        if (!box.contains(e.target)) box.classList.remove("leaflet-control-layers-expanded");
      });
    });
  }

  function foldLegends(doc) {
    /* A legend shows its title only; a tap shows or hides the rest. */
    doc.querySelectorAll(LEGEND).forEach((legend) => {
      if (legend.dataset.folded) return;
      legend.dataset.folded = "1";
      legend.classList.add("folded");
      legend.setAttribute("role", "button");
      legend.setAttribute("tabindex", "0");
      legend.setAttribute("aria-expanded", "false");
      const toggle = () => {
        const folded = legend.classList.toggle("folded");
        legend.setAttribute("aria-expanded", String(!folded));
      };
      legend.addEventListener("click", toggle);
      legend.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") toggle(); });
    });
  }

  const FOLDED_CSS = `
    .petasinyal-title { max-width: calc(100% - 144px) !important; } /* clear of the layer box */
    .folded { cursor: pointer; }
    .folded > :not(:first-child) { display: none !important; }
    .map-legend.folded::after, .leaflet-control.legend.folded::after {
      content: " \\25BE"; }`;

  function foldMaps(doc) {
    if (!PHONE.matches) return;
    if (!doc.getElementById("phone-fold-css")) {
      const style = doc.createElement("style");
      style.id = "phone-fold-css";
      style.textContent = FOLDED_CSS;
      (doc.head || doc.documentElement).appendChild(style);
    }
    foldLayers(doc);
    foldLegends(doc);
  }

  function watchFrame(frame) {
    const fold = () => {
      try {
        const doc = frame.contentDocument;
        if (!doc) return;
        foldMaps(doc);
        new MutationObserver(() => foldMaps(doc)).observe(doc.body, { childList: true, subtree: true });
      } catch (e) { /* another origin: leave it */ }
    };
    frame.addEventListener("load", fold);
    if (frame.contentDocument && frame.contentDocument.readyState === "complete") fold();
  }

  function start() {
    allCards(document);
    foldMaps(document);
    document.querySelectorAll("iframe.productmap").forEach(watchFrame);
    let pending = false;
    new MutationObserver(() => {
      if (pending) return;
      pending = true;
      window.requestAnimationFrame(() => { pending = false; allCards(document); foldMaps(document); });
    }).observe(document.body, { childList: true, subtree: true });
  }

  window.PetaPhone = { cards, foldMaps };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
