// The copy button of a Python session copies code that runs when pasted.
//
// Material's copy button (theme feature content.code.copy) copies the value of the
// nearest enclosing `data-copy` attribute if there is one, else the block's
// innerText: for a `>>>` session that is prompts and printed output, which Python
// rejects. Each such block gets a `data-copy` with the code alone, read the way
// doctest reads it: a `>>>` line starts an example, the `...` lines right after it
// continue it, and every other line is output. A compound statement (for, with,
// def…) is followed by an empty line, which the interactive prompt needs to run it.
// Other blocks (plain python, bash…) keep Material's behaviour: copied as shown.
(() => {
  const PS1 = /^>>>(?: |$)/;
  const PS2 = /^\.\.\.(?: |$)/;
  const COMPOUND = /^(?:async\s+)?(?:for|while|if|with|def|class|try|match)\b|^@/;

  function runnable(session) {
    const code = [];
    let example = null;  // the lines of the example being read
    const finish = () => {
      if (!example) return;
      code.push(...example);
      const head = example[0].replace(/#.*$/, "").trimEnd();
      if (COMPOUND.test(head) || head.endsWith(":")) code.push("");
      example = null;
    };
    for (const line of session.split("\n")) {
      if (PS1.test(line)) {
        finish();
        example = [line.slice(4).trimEnd()];
      } else if (example && PS2.test(line)) {
        example.push(line.slice(4).trimEnd());
      } else {
        finish();  // output, or a blank line: neither is code
      }
    }
    finish();
    return code.join("\n").replace(/\n{3,}/g, "\n\n").trim() + "\n";
  }

  function prepare() {
    for (const code of document.querySelectorAll(".md-typeset pre > code")) {
      const text = code.textContent;
      if (PS1.test(text.trimStart())) code.parentElement.dataset.copy = runnable(text);
    }
  }

  if (typeof document$ !== "undefined") document$.subscribe(prepare);
  else document.addEventListener("DOMContentLoaded", prepare);
})();
