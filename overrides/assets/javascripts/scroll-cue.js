// A formula or code block wider than the screen scrolls inside its own box; on a
// phone nothing else tells the reader so (touch screens draw no scroll bar). Mark
// each such box with the edge(s) where more is hidden, data-scroll-cue = "right",
// "left right" or "left"; text.css fades that edge. Updated as the box scrolls and
// whenever the layout may have changed (load, fonts, resize). Keyboard access is
// a11y.js's: it gives the same boxes focus, so arrow keys scroll them.
(() => {
  const BOXES = ".md-typeset div.arithmatex, .md-typeset pre > code, .highlight-ipynb";

  function cue(box) {
    const hidden = box.scrollWidth - box.clientWidth;  // px out of sight
    const sides = [];
    if (hidden > 1 && box.scrollLeft > 1) sides.push("left");
    if (hidden > 1 && box.scrollLeft < hidden - 1) sides.push("right");
    const value = sides.join(" ");
    if (value && box.dataset.scrollCue !== value) box.dataset.scrollCue = value;
    if (!value && "scrollCue" in box.dataset) delete box.dataset.scrollCue;
  }

  function cueAll() {
    document.querySelectorAll(BOXES).forEach(cue);
  }

  // scroll events do not bubble: listen while they travel down (capture)
  document.addEventListener("scroll", (event) => {
    const box = event.target;
    if (box instanceof Element && box.matches(BOXES)) cue(box);
  }, { capture: true, passive: true });
  window.addEventListener("load", cueAll);
  window.addEventListener("resize", cueAll);
  if (document.fonts) document.fonts.ready.then(cueAll);  // glyph widths change the width
  // Material's document$ fires once the page is in place; katex-init.js has then
  // already drawn the math (it subscribed first).
  if (typeof document$ !== "undefined") document$.subscribe(() => cueAll());
})();
