// Material fetches one search index, <site root>/search/search_index.json, from every page.
// The build (overrides/hooks/search_ko.py) writes one index per language; on a page whose
// language has its own index, this script (loaded before Material's bundle, see main.html)
// points that one request there, so the results stay in the page's language.
(function () {
  const script = document.currentScript;
  const shared = new URL(script.dataset.shared, location.href).href;
  const own = new URL(script.dataset.own, location.href).href;
  const open = XMLHttpRequest.prototype.open;
  XMLHttpRequest.prototype.open = function (method, url, ...rest) {
    const target = new URL(String(url), location.href).href === shared ? own : url;
    return open.call(this, method, target, ...rest);
  };
})();
