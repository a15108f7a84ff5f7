// Wide tables scroll sideways inside Material's wrapper on a phone. A keyboard user must be able to scroll them too,
// so a wrapper that overflows becomes a focusable, named region (WCAG 2.1.1; axe: scrollable-region-focusable).
(function () {
  "use strict";
  var zh = (document.documentElement.getAttribute("lang") || "zh").indexOf("en") !== 0;
  function mark() {
    document.querySelectorAll(".md-typeset__scrollwrap").forEach(function (wrap) {
      var scrolls = wrap.scrollWidth > wrap.clientWidth + 1;
      if (scrolls && !wrap.hasAttribute("tabindex")) {
        wrap.setAttribute("tabindex", "0");
        wrap.setAttribute("role", "region");
        wrap.setAttribute("aria-label", zh ? "表格（可左右滚动）" : "Table (scrolls sideways)");
      } else if (!scrolls && wrap.getAttribute("tabindex") === "0") {
        wrap.removeAttribute("tabindex");
        wrap.removeAttribute("role");
        wrap.removeAttribute("aria-label");
      }
    });
  }
  if (window.document$ && window.document$.subscribe) window.document$.subscribe(mark);
  else document.addEventListener("DOMContentLoaded", mark);
  window.addEventListener("resize", mark);
})();
