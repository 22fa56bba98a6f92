// Search in the page's language, only when the reader wants it, and Korean query words
// without their particles.
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
//
// Korean glues particles and endings to the noun: a reader types 편차를 or 임베딩이란.
// Material gives each query word a trailing wildcard, so 편차* would find 표준편차가's
// morpheme 편차, but 편차를* finds nothing. Material's worker offers no hook for the query,
// so this script wraps the messages the page sends it: the index (first message) gives the
// words the build listed (each Korean entry's morphemes: content morphemes, word bases such
// as 가중치, spaceless glossary terms such as 순환신경망), and each query is rewritten before
// it reaches the worker. A word loses a particle or ending only when what remains is one
// of those words and the word itself is not: 차이 keeps its 이, 어텐션을 becomes 어텐션.
// Every rewrite only widens what a word finds (Material matches a prefix), except a
// one-syllable word inside a phrase, which is matched whole (see stripQuery).
(function (root) {
  // Particles (조사) and the endings a noun takes in a question or a definition
  // (이란, 입니다, 하는…), longest first so 에서는 goes before 는. Test: tests/test_search.py.
  const ENDINGS = [
    "이", "가", "을", "를", "은", "는", "의", "에", "도", "만", "와", "과", "로", "랑", "란", "나",
    "들", "인", "한", "된",
    "에서", "에게", "한테", "으로", "이랑", "까지", "부터", "보다", "처럼", "마다", "조차", "마저",
    "밖에", "이나", "이란", "라는", "라고", "라면", "로서", "로써", "에는", "에도", "로는", "로도",
    "와는", "과는", "와의", "과의", "로의", "만을", "만이", "이다", "이고", "이며", "이면", "인가",
    "이라", "하는", "하다", "하기", "하고", "하면", "하여", "해서", "했다", "되는", "되다", "에서의",
    "에서는", "에서도", "으로는", "으로도", "으로의", "으로서", "으로써", "이라는", "이라고",
    "이라면", "입니다", "이에요", "인가요", "합니다", "됩니다", "이든지",
  ].sort((a, b) => b.length - a.length);
  const WORD = /[0-9A-Za-z_가-힣]+/g;
  const ENDS_IN_HANGUL = /[가-힣]$/;

  // The word without one particle or ending, down to a listed stem; at most two (벡터들을).
  function stripWord(word, known, depth = 2) {
    const lower = word.toLowerCase();
    if (known.has(lower) || depth === 0 || !ENDS_IN_HANGUL.test(word)) return null;
    for (const ending of ENDINGS) {
      if (!lower.endsWith(ending) || lower.length - ending.length < 2) continue;
      const stem = word.slice(0, word.length - ending.length);
      if (known.has(stem.toLowerCase())) return stem;
      const shorter = stripWord(stem, known, depth - 1);
      if (shorter) return shorter;
    }
    return null;
  }

  // An English plural as the prefix it shares with its singular: gradients -> gradient,
  // matches -> match, copies -> cop (Material adds the wildcard). The index
  // is not stemmed (Material's English default), so the plural would miss the singular.
  function singularPrefix(word) {
    if (!/^[A-Za-z]{3,}s$/.test(word) || /(ss|us|is)$/i.test(word)) return null;
    if (/ies$/i.test(word)) return word.slice(0, -3);
    if (/(s|x|z|ch|sh)es$/i.test(word)) return word.slice(0, -2);
    return word.slice(0, -1);
  }

  // The query with each Hangul word stripped where it can be, each English plural folded,
  // and each one-syllable Hangul word that is followed by another word matched exactly
  // (셀 상태 must not find 셀프 어텐션; the last word may still be being typed, so it
  // keeps its wildcard). Everything else as typed.
  function stripQuery(query, known) {
    return query.replace(WORD, (word, at, whole) => {
      const plain = stripWord(word, known) || singularPrefix(word) || word;
      const next = whole.slice(at + word.length);
      return /^[가-힣]$/.test(plain) && /^\s+[^\s]/.test(next) ? `${plain}^1` : plain;
    });
  }

  // The words the build listed for the Korean entries (empty for other languages).
  function knownWords(index) {
    const known = new Set();
    for (const doc of index.docs || [])
      for (const field of ["morphemes", "title_morphemes"])
        for (const word of (doc[field] || "").split(" ")) if (word) known.add(word);
    return known;
  }

  root.seqcoreSearchQuery = { ENDINGS, stripWord, singularPrefix, stripQuery, knownWords };
  if (typeof document === "undefined") return;   // Node (the tests): the functions only

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

  // Material's messages to its search worker: {type: 0, data: index} sets it up,
  // {type: 2, data: query} asks (its SearchMessageType: SETUP, READY, QUERY, RESULT).
  const SETUP = 0;
  const QUERY = 2;
  let known = new Set();
  const post = Worker.prototype.postMessage;
  Worker.prototype.postMessage = function (message, ...rest) {
    if (message && message.type === SETUP && message.data) {
      known = knownWords(message.data);
    } else if (message && message.type === QUERY && typeof message.data === "string") {
      message = { ...message, data: stripQuery(message.data, known) };
    }
    return post.call(this, message, ...rest);
  };

  const SEARCH = 'input.md-search__input, label[for="__search"], .md-search';
  document.addEventListener("focusin", (e) => e.target.closest?.(SEARCH) && want(), true);
  document.addEventListener("pointerdown", (e) => e.target.closest?.(SEARCH) && want(), true);
  document.addEventListener("change", (e) => e.target.id === "__search" && want(), true);
  // Material opens search on "f", "s" and "/" (its keyboard shortcuts)
  document.addEventListener("keydown", (e) => ["f", "s", "/"].includes(e.key) && want(), true);
})(typeof window !== "undefined" ? window : globalThis);
