// Figures as a reader sees them: every plot (inline SVG from overrides/hooks/plots.py,
// and a notebook's output) and every Mermaid diagram, measured on screen.
//
// For each figure: the on-screen size of its smallest label (a label's font size in
// the SVG, times the scale the SVG is drawn at: CSS px), its smallest glyph run
// (sub- and superscripts included), its height against the viewport, whether it runs
// past its column (then it must sit in a box that scrolls sideways and shows it with a
// visible cue, .scroll-cue), labels drawn over each other, and a legend drawn over the
// data or over another label. tests/test_readability_figures.py holds the rules.
() => {
  const vw = document.documentElement.clientWidth;
  const vh = window.innerHeight;

  // How many CSS px one unit of this element's coordinates is on screen.
  const scaleOf = (el) => {
    const m = el.getScreenCTM && el.getScreenCTM();
    return m ? Math.sqrt(Math.abs(m.a * m.d - m.b * m.c)) : 0;
  };
  const visible = (el) => {
    const box = el.getBoundingClientRect();
    if (box.width < 0.5 || box.height < 0.5) return false;
    const style = getComputedStyle(el);
    return style.visibility !== 'hidden' && style.display !== 'none' && style.opacity !== '0';
  };
  const ownText = (el) => [...el.childNodes]
    .filter((n) => n.nodeType === Node.TEXT_NODE).map((n) => n.data).join('').trim();
  const px = (el) => parseFloat(getComputedStyle(el).fontSize) || 0;
  const round = (x) => Math.round(x * 10) / 10;

  // One label: an SVG <text> (its <tspan> runs are glyphs of it) or an HTML label
  // inside a <foreignObject> (Mermaid's node and edge labels).
  function labels(svg) {
    const out = [];
    for (const t of svg.querySelectorAll('text')) {
      if (!visible(t) || !t.textContent.trim()) continue;
      const s = scaleOf(t);
      const runs = [t, ...t.querySelectorAll('tspan')].filter((r) => ownText(r));
      const sizes = runs.map((r) => px(r) * s);
      if (!sizes.length) continue;
      const spans = t.querySelectorAll('tspan');
      const words = spans.length ? [...spans].map((r) => r.textContent).join('') : t.textContent;
      out.push({ el: t, text: words.replace(/\s+/g, ' ').trim().slice(0, 50),
                 label: Math.max(...sizes), glyph: Math.min(...sizes),
                 turned: Math.abs(t.getScreenCTM().b) > 0.01 });
    }
    for (const object of svg.querySelectorAll('foreignObject')) {
      const s = scaleOf(object);
      const runs = [...object.querySelectorAll('*')].filter((r) => ownText(r) && visible(r));
      if (!runs.length) continue;
      const sizes = runs.map((r) => px(r) * s);
      const label = Math.max(...sizes);
      // the label is its longest text at full size; sub/superscripts are its glyph runs
      const main = runs.find((r, i) => sizes[i] === label);
      // the ink of an HTML label is its text, which may spill out of its box
      const range = document.createRange();
      range.selectNodeContents(object);
      out.push({ el: main, box: range.getBoundingClientRect(),
                 text: object.textContent.replace(/\s+/g, ' ').trim().slice(0, 50),
                 label, glyph: Math.min(...sizes), turned: false });
    }
    return out;
  }

  // The part of a label's box that ink fills: a text cell is taller than its letters.
  function core(l) {
    const b = l.box || l.el.getBoundingClientRect();
    const em = l.label;
    const cx = (b.left + b.right) / 2, cy = (b.top + b.bottom) / 2;
    const long = l.turned ? b.height : b.width;
    const along = Math.max(long / 2 - 0.05 * em, 0), across = 0.35 * em;
    return l.turned
      ? { left: cx - across, right: cx + across, top: cy - along, bottom: cy + along }
      : { left: cx - along, right: cx + along, top: cy - across, bottom: cy + across };
  }
  const meets = (a, b) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1
    && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1;

  // Where a mark is drawn at all: its clip path (matplotlib clips data to the axes).
  function clipBox(el, svg) {
    for (let a = el; a && a !== svg; a = a.parentElement) {
      const ref = a.getAttribute && a.getAttribute('clip-path');
      const id = ref && (ref.match(/url\(#([^)]+)\)/) || [])[1];
      const clip = id && svg.querySelector(`[id="${id}"] > *`);
      if (!clip) continue;
      const b = clip.getBBox(), m = a.getScreenCTM();
      const xs = [b.x, b.x + b.width].map((x) => m.a * x + m.e);
      const ys = [b.y, b.y + b.height].map((y) => m.d * y + m.f);
      return { left: Math.min(...xs), right: Math.max(...xs),
               top: Math.min(...ys), bottom: Math.max(...ys) };
    }
    return null;
  }
  const inside = (x, y, b) => x > b.left && x < b.right && y > b.top && y < b.bottom;

  // Data marks of a matplotlib figure: the plot hook gives them ids ending in
  // "-data-<n>" and legends "-legend-<n>" (overrides/hooks/plots.py).
  function marksInside(svg, box) {
    for (const g of svg.querySelectorAll('[id*="-data-"]')) {
      for (const el of g.querySelectorAll('path, use, image, rect, circle, polygon, polyline')) {
        const clip = clipBox(el, svg);
        const b = el.getBoundingClientRect();
        const seen = clip ? { left: Math.max(b.left, clip.left), right: Math.min(b.right, clip.right),
                              top: Math.max(b.top, clip.top), bottom: Math.min(b.bottom, clip.bottom) } : b;
        const near = { left: seen.left - 2, right: seen.right + 2, top: seen.top - 2,
                       bottom: seen.bottom + 2 };           // a straight line has no height
        if (!meets(near, box)) continue;
        if (el.tagName === 'path' && el.getTotalLength && getComputedStyle(el).fill === 'none') {
          // a line: look along it, where it is drawn
          const m = el.getScreenCTM();
          const n = el.getTotalLength();
          const steps = Math.min(400, Math.max(20, Math.ceil(n / 2)));
          for (let i = 0; i <= steps; i++) {
            const p = el.getPointAtLength((n * i) / steps);
            const x = m.a * p.x + m.c * p.y + m.e, y = m.b * p.x + m.d * p.y + m.f;
            if (inside(x, y, box) && (!clip || inside(x, y, clip))) return g.id;
          }
        } else {
          // a filled mark (a bar, a marker, an image): its visible box is its ink
          const w = Math.min(seen.right, box.right) - Math.max(seen.left, box.left);
          const h = Math.min(seen.bottom, box.bottom) - Math.max(seen.top, box.top);
          if (w * h > 4) return g.id;
        }
      }
    }
    return null;
  }

  // The nearest box that scrolls sideways around el (across a shadow root too), and
  // whether it shows that it does: a visible .scroll-cue in it or right next to it.
  function scroller(el) {
    for (let a = el.parentElement || el.getRootNode().host; a;
         a = a.parentElement || (a.getRootNode && a.getRootNode().host)) {
      const style = getComputedStyle(a);
      if (['auto', 'scroll'].includes(style.overflowX) && a.scrollWidth > a.clientWidth + 1) {
        const cues = [...a.querySelectorAll(':scope > .scroll-cue'),
                      ...(a.parentElement ? a.parentElement.querySelectorAll(':scope > .scroll-cue') : [])];
        return { scrolls: true, cue: cues.some(visible) };
      }
    }
    return { scrolls: false, cue: false };
  }

  function measure(kind, name, svg, host) {
    const all = labels(svg);
    const box = svg.getBoundingClientRect();
    const column = host.closest('.md-content__inner, article') || document.body;
    const col = column.getBoundingClientRect();
    const wide = box.width > Math.min(col.width, vw) + 1 || box.left < -1 || box.right > vw + 1;
    const scroll = scroller(svg);
    const overlaps = [];
    const cores = all.map(core);
    for (let i = 0; i < all.length && overlaps.length < 5; i++) {
      for (let j = i + 1; j < all.length && overlaps.length < 5; j++) {
        if (all[i].el.contains(all[j].el) || all[j].el.contains(all[i].el)) continue;
        if (meets(cores[i], cores[j])) overlaps.push(`"${all[i].text}" / "${all[j].text}"`);
      }
    }
    const legends = [];
    for (const g of svg.querySelectorAll('[id*="-legend-"]')) {
      const frame = g.getBoundingClientRect();
      const hit = marksInside(svg, frame);
      if (hit) legends.push(`legend over the data (${hit.replace(/^.*-(data-\d+)$/, '$1')})`);
      const own = new Set(g.querySelectorAll('text'));
      const under = all.filter((l) => !own.has(l.el) && meets(core(l), frame));
      if (under.length) legends.push(`legend over the label "${under[0].text}"`);
    }
    const smallest = all.reduce((a, l) => (l.label < a.label ? l : a), { label: Infinity, text: '' });
    return {
      kind, name,
      label_px: all.length ? round(smallest.label) : null,
      smallest: smallest.text,
      glyph_px: all.length ? round(Math.min(...all.map((l) => l.glyph))) : null,
      labels: all.length,
      width: Math.round(box.width), height: Math.round(box.height),
      taller: box.height > vh + 1,
      wide, scrolls: scroll.scrolls, cue: scroll.cue,
      overlaps, legends,
    };
  }

  const figures = [];
  // a plot of several panels is one SVG per panel
  document.querySelectorAll('figure.plot').forEach((fig, i) => {
    const panels = fig.querySelectorAll(':scope > svg');
    panels.forEach((svg, k) => {
      const name = (fig.id || `plot ${i + 1}`) + (panels.length > 1 ? ` panel ${k + 1}` : '');
      figures.push(measure('plot', name, svg, fig));
    });
  });
  // A notebook's outputs: an SVG is measured; a raster image cannot be, so it is named.
  document.querySelectorAll('.jp-OutputArea-output').forEach((out, i) => {
    const svg = out.querySelector('svg');
    if (svg) figures.push(measure('notebook', `output ${i + 1}`, svg, out));
    else if (out.querySelector('img')) {
      figures.push({ kind: 'notebook', name: `output ${i + 1}`, raster: true, label_px: null });
    }
  });
  document.querySelectorAll('div.mermaid').forEach((host, i) => {
    const svg = host.shadowRoot && host.shadowRoot.querySelector('svg');
    if (svg) figures.push(measure('diagram', `diagram ${i + 1}`, svg, host));
  });
  return { viewport: vw, figures };
}
