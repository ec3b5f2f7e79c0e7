/*
 * Slides (static and live): a figure drawn wider than a slide keeps its smallest text readable.
 *
 * reveal.js shrinks an image to the slide's width. A figure drawn wider than about 1330 px would then
 * show its smallest text (11 pt at 100 dpi, 15.3 px at natural size; utils.plots) under 14 px on a
 * 1280x720 projector. Such a figure keeps at least MIN_SCALE of its natural width instead, and scrolls
 * sideways inside its own box, which takes keyboard focus and carries a visible "scroll sideways" cue.
 * Explorer figures are sized for the slide where they are drawn (utils.widgets) and are left alone.
 */
(function () {
  "use strict";
  var MIN_SCALE = 14 / (11 * 100 / 72);
  var MARGIN = 60;  /* the slide's padding, in CSS pixels of the 1280-px deck */

  function room() {
    var slides = document.querySelector(".reveal .slides");
    return (slides ? slides.offsetWidth : window.innerWidth) - MARGIN;
  }

  function fit(img) {
    if (!img.naturalWidth || img.closest(".explorer, .static-widget, .bmm-wide-figure")) { return; }
    var least = Math.ceil(img.naturalWidth * MIN_SCALE);
    if (least <= room()) { return; }
    var box = document.createElement("div");
    box.className = "bmm-wide-figure";
    box.tabIndex = 0;
    box.setAttribute("role", "region");
    box.setAttribute("aria-label", "wide figure, scrolls sideways");
    var cue = document.createElement("p");
    cue.className = "bmm-scroll-cue";
    cue.setAttribute("aria-hidden", "true");  /* a sighted reader's cue; the region's name says it too */
    cue.textContent = "\u25C0 \u25B6 wide figure: scroll sideways to see all of it";
    img.parentNode.insertBefore(cue, img);
    img.parentNode.insertBefore(box, img);
    box.appendChild(img);
    img.style.width = least + "px";
    img.style.maxWidth = "none";
  }

  function fitAll() {
    Array.prototype.forEach.call(document.querySelectorAll(".reveal .slides img"), function (img) {
      if (img.complete) { fit(img); } else { img.addEventListener("load", function () { fit(img); }, {once: true}); }
    });
  }

  var style = document.createElement("style");  /* the same look in the static and the live slides */
  style.textContent = ".bmm-wide-figure { overflow-x: auto; max-width: 100%; }\n" +
    ".bmm-wide-figure:focus { outline: 3px solid #0072B2; outline-offset: 2px; }\n" +
    ".bmm-scroll-cue { font-size: 16px; color: #333; margin: 0.2em 0; }";
  document.head.appendChild(style);

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", fitAll); } else { fitAll(); }
  window.addEventListener("load", fitAll);
  setInterval(fitAll, 1000);  /* live slides render their outputs after the page has loaded */
}());
