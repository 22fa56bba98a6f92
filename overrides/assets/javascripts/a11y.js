// Accessibility fixes the theme leaves to the site (axe-core checks every page).
(() => {
  // Material's search overlay has role="dialog" but no accessible name; a screen
  // reader would announce an unnamed dialog. Name it after its own search field.
  function nameSearchDialog() {
    const dialog = document.querySelector('.md-search[role="dialog"]');
    const field = dialog && dialog.querySelector("input.md-search__input");
    if (dialog && !dialog.hasAttribute("aria-label")) {
      dialog.setAttribute("aria-label", (field && field.getAttribute("aria-label")) || "Search");
    }
  }

  // A wide formula or table scrolls sideways inside its own box; a keyboard user
  // can only scroll a box that takes focus. Give focus to the boxes that scroll
  // now (this depends on the screen width), and take it back from those that don't.
  const SCROLLERS = ".arithmatex, .md-typeset__scrollwrap, .formula > div, .highlight-ipynb";
  function focusableScrollers() {
    for (const box of document.querySelectorAll(SCROLLERS)) {
      const scrolls = box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.dataset.scrollFocus = "";
      } else if (!scrolls && "scrollFocus" in box.dataset) {
        box.removeAttribute("tabindex");
        delete box.dataset.scrollFocus;
      }
    }
  }

  document.addEventListener("DOMContentLoaded", nameSearchDialog);
  window.addEventListener("load", focusableScrollers);
  window.addEventListener("resize", focusableScrollers);
})();
