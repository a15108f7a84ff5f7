// MathJax 3 reads this before it loads. Only the spans the generator marked as math are typeset
// (class "arithmatex", as pymdownx.arithmatex emits); every other dollar sign stays text.
window.MathJax = {
  tex: {
    inlineMath: [["\\(", "\\)"]],
    displayMath: [["\\[", "\\]"]],
    processEscapes: true,
    processEnvironments: true
  },
  options: {
    ignoreHtmlClass: ".*|",
    processHtmlClass: "arithmatex"
  }
};
