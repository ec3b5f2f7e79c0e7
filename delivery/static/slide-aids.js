/*
 * Slides (the static decks of the site and the live Voila decks): what a projected slide needs beyond
 * reveal.js, in one place for both.
 *
 * - A slide taller than the screen scrolls inside itself (wheel, touchpad, scroll bar) while the arrow keys
 *   keep moving between slides, and a "more below" cue shows while there is content under the bottom edge.
 * - A figure drawn wider than a slide keeps its smallest text readable. reveal.js shrinks an image to the
 *   slide's width; a figure wider than about 1330 px would then show its smallest text (11 pt at 100 dpi,
 *   15.3 px at natural size; utils.plots) under 14 px on a 1280x720 projector. Such a figure keeps at least
 *   MIN_SCALE of its natural width and scrolls sideways inside its own box, which takes keyboard focus and
 *   carries a visible "scroll sideways" cue. Explorer figures are sized for the slide where they are drawn
 *   (utils.widgets) and are left alone.
 * It reads only the page and makes no request.
 */
(function () {
  "use strict";
  var MIN_SCALE = 14 / (11 * 100 / 72);
  var MARGIN = 60;  /* the slide's padding, in CSS pixels of the 1280-px deck */

  var style = document.createElement("style");
  style.textContent = [
    ".reveal .slides > section > section { box-sizing: border-box; height: 100%; overflow-x: hidden; overflow-y: auto;",
    "  padding: 12px 20px 36px; }",
    ".bmm-more-below { position: fixed; left: 50%; bottom: 10px; transform: translateX(-50%); z-index: 40;",
    "  padding: 4px 16px; border-radius: 16px; background: #1d1d1d; color: #fff;",
    "  font: 600 18px/1.3 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif;",
    "  box-shadow: 0 2px 8px rgba(0, 0, 0, 0.35); pointer-events: none; }",
    ".bmm-more-below[hidden] { display: none; }",
    ".bmm-wide-figure { overflow-x: auto; max-width: 100%; }",
    ".bmm-wide-figure:focus { outline: 3px solid #0072B2; outline-offset: 2px; }",
    ".bmm-scroll-cue { font-size: 16px; color: #333; margin: 0.2em 0; }"
  ].join("\n");
  document.head.appendChild(style);

  /* "more below" */
  var cue = document.createElement("div");
  cue.className = "bmm-more-below";
  cue.setAttribute("aria-hidden", "true");  /* a sighted reader's cue; the content itself is in the page */
  cue.textContent = "\u25BC more below: scroll";
  cue.hidden = true;

  function currentSlide() {
    return document.querySelector(".reveal .slides > section.present > section.present") ||
      document.querySelector(".reveal .slides > section.present");
  }

  function updateCue() {
    var slide = currentSlide();
    cue.hidden = !slide || slide.scrollHeight - slide.clientHeight - slide.scrollTop <= 2;
  }

  /* wide figures */
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
    var hint = document.createElement("p");
    hint.className = "bmm-scroll-cue";
    hint.setAttribute("aria-hidden", "true");  /* a sighted reader's cue; the region's name says it too */
    hint.textContent = "\u25C0 \u25B6 wide figure: scroll sideways to see all of it";
    img.parentNode.insertBefore(hint, img);
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

  function start() {
    document.body.appendChild(cue);
    var slides = document.querySelector(".reveal .slides");
    if (slides) { slides.addEventListener("scroll", updateCue, true); }
    var deck = document.querySelector(".reveal");
    ["ready", "slidechanged", "resize"].forEach(function (name) { if (deck) { deck.addEventListener(name, updateCue); } });
    window.addEventListener("resize", updateCue);
    fitAll();
    updateCue();
  }

  /* a figure is fitted as soon as it has loaded: live decks render their outputs after the page has loaded */
  document.addEventListener("load", function (event) {
    if (event.target && event.target.tagName === "IMG") { fit(event.target); }
  }, true);

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
  window.addEventListener("load", function () { fitAll(); updateCue(); });
  /* images and widgets change a slide's height after it is shown */
  setInterval(function () { fitAll(); updateCue(); }, 1000);
}());
