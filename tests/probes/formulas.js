// Display formulas: does each fit its box, and where it does not, does the box
// scroll and show the reader that there is more?
//
// For every display formula (div.arithmatex): its id, how wide the math is and how
// wide its box is; whether the box scrolls on its own and stays on the screen; and
// which edge is cued at the start of the scroll and at its end. A cue is a fading
// edge: a mask whose gradient runs transparent at that edge (scroll-cue.js sets
// it). Scrolling to the end and back is the only change the probe makes.
async () => {
  const screen = document.documentElement.clientWidth;
  const frames = () => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  const CLEAR = String.raw`(?:transparent|rgba\(0, 0, 0, 0\))`;
  const cue = box => {
    const style = getComputedStyle(box);
    const mask = [style.maskImage, style.webkitMaskImage].find(m => m && m !== 'none') || '';
    const stops = mask.match(/^linear-gradient\(to right,(.*)\)$/);
    if (!stops) return mask ? 'unknown' : 'none';
    const left = new RegExp(`^\\s*${CLEAR}`).test(stops[1]);
    const right = new RegExp(`${CLEAR}(?:\\s+[\\d.]+(?:px|%))?\\s*$`).test(stops[1]);
    return left && right ? 'both' : left ? 'left' : right ? 'right' : 'none';
  };
  // the drawn math, not its block-level wrapper: from the first glyph run to the last
  const inkWidth = math => {
    const runs = [...math.querySelectorAll('.katex-html > :is(.base, .katex-base, .tag, .katex-tag)')]
      .map(e => e.getBoundingClientRect()).filter(r => r.width > 0);
    if (!runs.length) return math.getBoundingClientRect().width;
    return Math.max(...runs.map(r => r.right)) - Math.min(...runs.map(r => r.left));
  };
  const formulas = [];
  for (const box of document.querySelectorAll('div.arithmatex')) {
    const math = box.querySelector('.katex');
    if (!math) continue;
    const own = box.getBoundingClientRect();
    const style = getComputedStyle(box);
    const cut = box.scrollWidth > box.clientWidth + 1;
    const item = {
      id: (box.closest('.formula') || {}).id || '',
      text: box.textContent.trim().slice(0, 60),
      math: Math.ceil(inkWidth(math)),
      box: box.clientWidth,
      cut,
      // the box itself must stay on the screen, or its own scrolling shows nothing
      scrolls: ['auto', 'scroll'].includes(style.overflowX) && own.left >= -1
        && own.right <= screen + 1,
      focusable: box.tabIndex >= 0,
    };
    if (cut) {
      const start = box.scrollLeft;
      box.scrollLeft = 0;
      await frames();
      item.cueAtStart = cue(box);
      box.scrollLeft = box.scrollWidth;
      await frames();
      item.cueAtEnd = cue(box);
      box.scrollLeft = start;
      await frames();
    }
    formulas.push(item);
  }
  return { screen, formulas };
}
