// How far the page, and any formula outside a box that scrolls, runs past the screen.
() => {
  const width = document.documentElement.clientWidth;
  const page = document.documentElement.scrollWidth - width;
  const math = [...document.querySelectorAll('.katex-display, .arithmatex, .katex')]
    .filter(e => {
      const box = e.getBoundingClientRect();
      if (box.width === 0 || (box.left >= -1 && box.right <= width + 1)) return false;
      // wider than the screen is fine inside a box that scrolls on its own and fits
      // the screen (a table is no such box: it grows, whatever its overflow says)
      for (let a = e.parentElement; a; a = a.parentElement) {
        const style = getComputedStyle(a);
        if (['auto', 'scroll'].includes(style.overflowX) && !style.display.startsWith('table')) {
          const own = a.getBoundingClientRect();
          if (own.left >= -1 && own.right <= width + 1) return false;
        }
      }
      return true;
    })
    .map(e => e.textContent.trim().slice(0, 60));
  return { page, math };
}
