// Render every formula with the KaTeX copy the site serves, failing on any error.
// Input (stdin): JSON [{where, tex, display}]. Output (stdout): JSON [{where, tex, message}].
// Usage: node tests/site/katex_render.cjs overrides/assets/vendor/katex/katex.min.js < items.json
"use strict";
const katex = require(require("path").resolve(process.argv[2]));
const items = JSON.parse(require("fs").readFileSync(0, "utf8"));
const errors = [];
for (const { where, tex, display } of items) {
  try {
    // throwOnError: an unknown macro or a parse error throws instead of being drawn in red.
    katex.renderToString(tex, { displayMode: display, throwOnError: true, strict: "ignore" });
  } catch (err) {
    errors.push({ where, tex, message: String(err.message || err) });
  }
}
process.stdout.write(JSON.stringify(errors));
