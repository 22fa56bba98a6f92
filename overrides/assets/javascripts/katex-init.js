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
    // A formula KaTeX cannot parse becomes a .katex-error; an unknown macro is drawn
    // in errorColor. The browser test counts both, so keep the colour as it is.
    throwOnError: false,
    errorColor: "#cc0000",
  });
});
