// Mermaid as an ES module, loaded only as far as the page's diagrams need.
//
// Material draws every ```mermaid block with the global `mermaid` (initialize, then
// render per diagram), and fetches mermaid.min.js from a CDN when that global is missing.
// The site serves Mermaid itself, and its ES-module build instead: a small entry that
// imports only the chunks of the diagram types a page uses (about 0.86 MB for flowcharts,
// where mermaid.min.js is 3.6 MB). This classic script defines the global before
// Material's bundle runs; the module is imported on the first render.
(function () {
  const entry = new URL(document.currentScript.dataset.entry, location.href).href;
  let loaded = null;
  let settings = {};
  let initialized = false;

  async function load() {
    loaded ||= import(entry).then((module) => module.default);
    const mermaid = await loaded;
    if (!initialized) {
      mermaid.initialize(settings);
      initialized = true;
    }
    return mermaid;
  }

  window.mermaid = {
    initialize(options) {  // Material calls it once, before the first render
      settings = { ...settings, ...options };
    },
    async render(...args) {
      return (await load()).render(...args);
    },
  };
})();
