// Mermaid as an ES module, loaded only as far as the page's diagrams need.
//
// Material draws every ```mermaid block with the global `mermaid` (initialize, then
// render per diagram), and fetches mermaid.min.js from a CDN when that global is missing.
// The site serves Mermaid itself, and its ES-module build instead: a small entry that
// imports only the chunks of the diagram types a page uses (about 0.86 MB for flowcharts,
// where mermaid.min.js is 3.6 MB). This classic script defines the global before
// Material's bundle runs; the module is imported on the first render.
//
// It also keeps every diagram legible (the rule of overrides/assets/stylesheets/
// figures.css): a diagram may shrink with the column only until its smallest label
// reaches --figure-min-text (11 px on a laptop, 9 px on a phone); past that it keeps
// its size in a box that scrolls sideways, with a cue above it that says so.
(function () {
  const entry = new URL(document.currentScript.dataset.entry, location.href).href;
  const CUE = {
    ko: "← 옆으로 밀어서 다이어그램 전체 보기 →",
    en: "← Scroll sideways to see the whole diagram →",
  };
  let loaded = null;
  let settings = {};
  let initialized = false;

  // Edge labels sit on a box of the page's background, so the edge passing under a
  // label does not show through it (Mermaid's own label box is translucent grey,
  // which in dark mode reads as a line striking the text out).
  const THEME_CSS = `
    .edgeLabel, .edgeLabel p, .labelBkg { background-color: var(--md-default-bg-color) !important; }
    .edgeLabel rect { fill: var(--md-default-bg-color) !important; opacity: 1 !important; }
    .nodeLabel sub, .nodeLabel sup, .edgeLabel sub, .edgeLabel sup { font-size: 75%; }`;

  async function load() {
    loaded ||= import(entry).then((module) => module.default);
    const mermaid = await loaded;
    if (!initialized) {
      mermaid.initialize({
        ...settings,
        themeCSS: (settings.themeCSS || "") + THEME_CSS,
        // tighter than Mermaid's defaults (50, 50, 15): a diagram that is narrower
        // keeps larger text in the column and scrolls on fewer phones
        flowchart: { ...settings.flowchart, nodeSpacing: 30, rankSpacing: 35, padding: 10,
                     subGraphTitleMargin: { top: 2, bottom: 8 } },
        block: { ...settings.block, padding: 4 },
      });
      initialized = true;
    }
    return mermaid;
  }

  // The natural width of the drawing and its smallest label, both in its own px. A
  // label's size is its full-size text; its sub- and superscripts are smaller by design.
  function natural(svg) {
    const width = svg.viewBox.baseVal.width || svg.getBBox().width;
    const scale = svg.getBoundingClientRect().width / width || 1;
    let smallest = Infinity;
    for (const label of svg.querySelectorAll("foreignObject, text")) {
      const ctm = label.getScreenCTM();
      if (!ctm || !label.textContent.trim()) continue;
      const zoom = Math.sqrt(Math.abs(ctm.a * ctm.d - ctm.b * ctm.c));
      let size = 0;
      for (const el of [label, ...label.querySelectorAll("*")]) {
        const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.data.trim());
        if (own) size = Math.max(size, parseFloat(getComputedStyle(el).fontSize) * zoom);
      }
      if (size > 0) smallest = Math.min(smallest, size / scale);
    }
    return { width, smallest: Number.isFinite(smallest) ? smallest : 16 };
  }

  // Never narrower than the width at which the smallest label is --figure-min-text.
  function keepLegible(root) {
    const host = root.host;
    const svg = root.querySelector("svg");
    if (!svg) return;
    const { width, smallest } = natural(svg);
    svg.style.minWidth = `calc(${(width / smallest).toFixed(3)} * var(--figure-min-text, 11px))`;
    const cue = document.createElement("p");
    cue.className = "scroll-cue";
    cue.textContent = CUE[document.documentElement.lang] || CUE.en;
    host.before(cue);
    const update = () => { cue.hidden = host.scrollWidth <= host.clientWidth + 1; };
    new ResizeObserver(update).observe(host);
    update();
  }

  window.mermaid = {
    initialize(options) {  // Material calls it once, before the first render
      settings = { ...settings, ...options };
    },
    async render(...args) {
      const out = await (await load()).render(...args);
      // Material inserts the diagram, then calls `fn` with the shadow root it drew in.
      return {
        ...out,
        fn(root) {
          if (out.bindFunctions) out.bindFunctions(root);
          keepLegible(root);
        },
      };
    },
  };
})();
