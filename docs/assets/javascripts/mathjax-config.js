// MathJax 3 reads this before it loads. Only the spans the generator marked as math are typeset
// (class "arithmatex", as pymdownx.arithmatex emits); every other dollar sign stays text.
//
// Paper text is untrusted, so the TeX packages are an explicit list and every component is a vendored file
// (generator/render/site.py vendor_mathjax copies exactly these; MathJax's root is the folder of startup.js).
// Left out on purpose: html (\href, \class, \cssId, \style), bbox (CSS in a box), unicode (web fonts from any URL),
// require and autoload (load code a formula asks for), newcommand (\def, \newcommand: one abstract could redefine
// \frac for every other paper on the page; recursive macros), color (text coloured like the page is hidden),
// enclose, action, setoptions, physics. A macro of a package not listed is shown in red by noundefined, never
// fetched; a TeX error is shown as the formula's source by noerrors instead of stopping the page's math.
window.MathJax = {
  loader: {
    load: [
      "core", "input/tex-base", "output/chtml", "ui/safe", "a11y/assistive-mml",
      "[tex]/ams", "[tex]/boldsymbol", "[tex]/mathtools", "[tex]/cancel", "[tex]/upgreek", "[tex]/textmacros",
      "[tex]/gensymb", "[tex]/braket", "[tex]/configmacros", "[tex]/noerrors", "[tex]/noundefined"
    ],
    // MathJax 3.2.2's table omits these two: without it they may run before the TeX input they extend
    dependencies: { "[tex]/upgreek": ["input/tex-base"], "[tex]/gensymb": ["input/tex-base"] }
  },
  tex: {
    packages: [
      "base", "ams", "boldsymbol", "mathtools", "cancel", "upgreek", "textmacros", "gensymb", "braket",
      "configmacros", "noerrors", "noundefined"
    ],
    // \bm (the bm package) is how many abstracts write bold symbols; MathJax has \boldsymbol
    macros: { bm: ["\\boldsymbol{#1}", 1] },
    inlineMath: [["\\(", "\\)"]],
    displayMath: [["\\[", "\\]"]],
    processEscapes: true,
    processEnvironments: true
  },
  startup: {
    // an inline formula longer than its column is cut at the column's edge (digest.css); mark it so that it
    // scrolls instead (overflow would move every inline formula off the baseline, so only these get it)
    pageReady: function () {
      return MathJax.startup.defaultPageReady().then(function () {
        document.querySelectorAll('mjx-container:not([display="true"])').forEach(function (c) {
          var m = c.querySelector("mjx-math");
          if (m && m.getBoundingClientRect().width > c.getBoundingClientRect().width + 1) c.setAttribute("data-wide", "");
        });
      });
    }
  },
  options: {
    ignoreHtmlClass: ".*|",
    processHtmlClass: "arithmatex",
    // ui/safe: whatever a formula asks for, no link, no class or id of the page's, no style; sizes in range
    safeOptions: { allow: { URLs: "none", classes: "none", cssIDs: "none", styles: "none" } }
  }
};
