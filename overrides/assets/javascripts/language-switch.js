// The language switch lands on the section being read, not at the top of the twin page.
//
// The build (overrides/hooks/language_switch.py) writes the ids of the page's sections
// (headings below the title and question blocks, in order) for each language into
// <script id="seqcore-sections">. Both translations have the same skeleton, so the n-th
// section here is the n-th there. When the reader uses a link of the language selector
// (a[hreflang] to another language), this script finds the section being read, the last
// one whose heading has passed the top third of the screen, and points the link at the
// twin's section with the same position. Above the first section, the link stays as it is
// (the top of the twin page). Opening the link in a new tab carries the section too.
(function () {
  const lang = document.documentElement.lang;

  // {language: [section ids]}, read when needed: the build writes it after the scripts.
  function sections() {
    const data = document.getElementById("seqcore-sections");
    return data ? JSON.parse(data.textContent) : {};
  }

  // The position of the section being read, or -1 above the first one.
  function reading(own) {
    const header = document.querySelector(".md-header");
    const top = header ? header.getBoundingClientRect().bottom : 0;
    const line = top + (window.innerHeight - top) / 3;
    let at = -1;
    own.forEach((id, i) => {
      const el = document.getElementById(id);
      if (el && el.getBoundingClientRect().top <= line) at = i;
    });
    return at;
  }

  function carry(link) {
    const all = sections();
    const own = all[lang] || [];
    const twin = all[link.hreflang] || [];
    const same = own.length > 0 && twin.length === own.length;   // else: the top
    const at = same ? reading(own) : -1;
    const url = new URL(link.href, location.href);
    url.hash = at >= 0 ? twin[at] : "";
    link.href = url.href;
  }

  // Set the address before the browser follows it: a click, a middle click, the menu of
  // "open in a new tab", or the keyboard (focus, then Enter). Material's own handler of
  // language links (setupAlternate, on <body>) would replace the address with the twin
  // page's top: a click on a language link stops here, and the browser follows the link.
  for (const type of ["click", "auxclick", "contextmenu", "focusin"]) {
    document.addEventListener(type, (event) => {
      const link = event.target.closest?.("a[hreflang]");
      if (!link || link.hreflang === lang) return;
      carry(link);
      if (type === "click") event.stopPropagation();
    }, true);
  }
})();
