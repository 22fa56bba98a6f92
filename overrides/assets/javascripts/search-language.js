// Search in the page's language, and only when the reader wants it.
//
// Material fetches one search index, <site root>/search/search_index.json, as every page
// starts. The build (overrides/hooks/search_ko.py) writes one index per language; this
// script (loaded before Material's bundle, see main.html) points that request at the index
// of the page's language, so the results stay in that language.
//
// It also holds the request back until the reader turns to search (focus or click on the
// search field, Material's search keys, or a ?q= query in the address). The index is the
// largest file a page would load (about 0.5 MB); a reader who never searches never pays
// for it, and one who does gets it within a local round trip, before the first results.
(function () {
  const script = document.currentScript;
  const shared = new URL(script.dataset.shared, location.href).href;
  const own = new URL(script.dataset.own || script.dataset.shared, location.href).href;
  const held = [];
  let wanted = new URLSearchParams(location.search).has("q");

  function want() {
    if (wanted) return;
    wanted = true;
    held.splice(0).forEach((release) => release());
  }

  const open = XMLHttpRequest.prototype.open;
  const send = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.open = function (method, url, ...rest) {
    this.seqcoreSearchIndex = new URL(String(url), location.href).href === shared;
    return open.call(this, method, this.seqcoreSearchIndex ? own : url, ...rest);
  };
  XMLHttpRequest.prototype.send = function (body) {
    if (this.seqcoreSearchIndex && !wanted) {
      held.push(() => send.call(this, body));
      return undefined;
    }
    return send.call(this, body);
  };

  const SEARCH = 'input.md-search__input, label[for="__search"], .md-search';
  document.addEventListener("focusin", (e) => e.target.closest?.(SEARCH) && want(), true);
  document.addEventListener("pointerdown", (e) => e.target.closest?.(SEARCH) && want(), true);
  document.addEventListener("change", (e) => e.target.id === "__search" && want(), true);
  // Material opens search on "f", "s" and "/" (its keyboard shortcuts)
  document.addEventListener("keydown", (e) => ["f", "s", "/"].includes(e.key) && want(), true);
})();
