// The characters KaTeX shows for each formula: its MathML output, TeX annotation and tags
// removed (HTML entities left for the caller). Input (stdin): JSON [tex]; output: JSON
// [text or null when KaTeX cannot render it].
// Usage: node tests/katex_text.cjs overrides/assets/vendor/katex/katex.min.js < texs.json
"use strict";
const katex = require(require("path").resolve(process.argv[2]));
const texs = JSON.parse(require("fs").readFileSync(0, "utf8"));
const shown = texs.map((tex) => {
  try {
    const mathml = katex.renderToString(tex, { output: "mathml", throwOnError: true,
                                               strict: "ignore" });
    return mathml.replace(/<annotation[\s\S]*?<\/annotation>/g, "").replace(/<[^>]+>/g, "");
  } catch (err) {
    return null;
  }
});
process.stdout.write(JSON.stringify(shown));
