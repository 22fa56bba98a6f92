// Render the math that pymdownx.arithmatex (generic mode) leaves in the page,
// with the KaTeX copy served by this site. Runs on every page load.
document$.subscribe(({ body }) => {
  renderMathInElement(body, {
    delimiters: [
      { left: "$$", right: "$$", display: true },
      { left: "$", right: "$", display: false },
      { left: "\\(", right: "\\)", display: false },
      { left: "\\[", right: "\\]", display: true },
    ],
    throwOnError: false,   // a bad formula becomes a red .katex-error the browser test counts
  });
});
