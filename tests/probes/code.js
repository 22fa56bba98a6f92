// Code blocks: does each show its longest line without sideways scrolling?
//
// For every code block (Material's `pre > code`, and the notebook's code cells,
// whose box is the `.highlight-ipynb` around the `pre`): the number of characters in
// its longest line, the width of that text and of the box that shows it, and whether
// the box must scroll. On a phone a block may scroll; then the probe also says
// whether it is cued (a mask fades its edge: see formulas.js).
() => {
  const blocks = [];
  for (const code of document.querySelectorAll('pre > code, .highlight-ipynb')) {
    if (code.closest('.mermaid') || code.getClientRects().length === 0) continue;
    const text = (code.querySelector('pre') || code).textContent;
    const lines = text.replace(/\n$/, '').split('\n');
    const longest = Math.max(...lines.map(l => [...l].length));
    const style = getComputedStyle(code);
    const mask = [style.maskImage, style.webkitMaskImage].find(m => m && m !== 'none') || '';
    blocks.push({
      first: lines[0].slice(0, 60),
      longest,
      text: code.scrollWidth,
      box: code.clientWidth,
      scrolls: code.scrollWidth > code.clientWidth + 1,
      cued: mask !== '',
      fontPx: parseFloat(getComputedStyle(code.querySelector('pre') || code).fontSize),
    });
  }
  return { blocks };
}
