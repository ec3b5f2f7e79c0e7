/*
 * The offline site's page script (delivery/site.py): reads only the page and makes no request.
 *
 * 1. Every figure (stored figures and the images of saved explorers) is a button that opens the
 *    figure at its natural size in a dialog, where it scrolls: on a phone, figure text is otherwise
 *    too small to read. The dialog closes with its Close button, the Escape key, or a tap on the
 *    figure or around it; focus then returns to the figure.
 * 2. Tables of Markdown cells and of saved explorers scroll sideways inside their own box instead of
 *    widening the page. Any box that scrolls sideways (tables, code, outputs) is made focusable and
 *    named while it does, so that a keyboard can scroll it as well.
 * 3. The empty corner cells of pandas tables are plain cells, not headers that name nothing.
 */
(function () {
  "use strict";
  var dialog = null;
  var opener = null;

  function each(selector, action, root) {
    Array.prototype.forEach.call((root || document).querySelectorAll(selector), action);
  }

  /* 1. Figures at natural size -------------------------------------------------------------------------- */
  function buildDialog() {
    dialog = document.createElement("dialog");
    dialog.className = "figure-dialog";
    dialog.setAttribute("aria-labelledby", "figure-dialog-title");
    dialog.innerHTML =
      '<div class="figure-dialog-bar"><span id="figure-dialog-title"></span>' +
      '<button type="button" class="figure-dialog-close">Close</button></div>' +
      '<div class="figure-dialog-body" tabindex="0" role="region" aria-label="Figure at full size; scroll to see all of it">' +
      "<img alt=\"\"></div>";
    dialog.querySelector(".figure-dialog-close").addEventListener("click", function () { dialog.close(); });
    dialog.addEventListener("click", function (event) {
      /* a tap on the figure or on the space around it closes; the bar (title, Close) handles its own */
      if (!event.target.closest(".figure-dialog-bar")) { dialog.close(); }
    });
    dialog.addEventListener("close", function () {
      if (opener) { opener.focus(); }
    });
    document.body.appendChild(dialog);
  }

  function openFigure(image, button) {
    if (!dialog) { buildDialog(); }
    opener = button;
    var copy = dialog.querySelector(".figure-dialog-body img");
    copy.src = image.src;
    copy.alt = image.alt;
    copy.width = image.naturalWidth;   /* natural size: one image pixel per CSS pixel */
    copy.height = image.naturalHeight;
    var describedBy = image.getAttribute("aria-describedby");
    if (describedBy) { copy.setAttribute("aria-describedby", describedBy); } else { copy.removeAttribute("aria-describedby"); }
    dialog.querySelector("#figure-dialog-title").textContent = (image.alt || "Figure") + ", full size";
    dialog.showModal();
    var body = dialog.querySelector(".figure-dialog-body");
    body.scrollTop = 0;
    body.scrollLeft = 0;
    dialog.querySelector(".figure-dialog-close").focus();
  }

  function zoomable(image) {
    if (image.closest(".figure-open") || image.closest(".figure-dialog")) { return; }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "figure-open";
    button.setAttribute("aria-haspopup", "dialog");
    /* a button's content is presentational: the caption link moves from the image to the button */
    var describedBy = image.getAttribute("aria-describedby");
    if (describedBy) { button.setAttribute("aria-describedby", describedBy); }
    image.parentNode.insertBefore(button, image);
    button.appendChild(image);
    var hint = document.createElement("span");
    hint.className = "visually-hidden";
    hint.textContent = " (opens at full size)";
    button.appendChild(hint);
    button.addEventListener("click", function () { openFigure(image, button); });
  }

  /* 2. Boxes that scroll sideways ------------------------------------------------------------------------- */
  function wrapTables() {
    each(".jp-RenderedMarkdown table, .sw-html table", function (table) {
      if (table.parentNode.classList.contains("table-scroll")) { return; }
      var box = document.createElement("div");
      box.className = "table-scroll";
      var headers = Array.prototype.slice.call(table.querySelectorAll("th"), 0, 3)
        .map(function (th) { return th.textContent.replace(/\s+/g, " ").trim(); })
        .filter(function (text) { return text; });
      box.setAttribute("data-label", headers.length ? "Table: " + headers.join(", ") : "Table");
      table.parentNode.insertBefore(box, table);
      box.appendChild(table);
    });
  }

  var SCROLLERS = ".table-scroll, .jp-OutputArea-output, .jp-InputArea-editor, .jp-RenderedText, .jp-RenderedMarkdown, " +
    ".sw-html, .page pre";

  function labelFor(box) {
    if (box.getAttribute("data-label")) { return box.getAttribute("data-label"); }
    if (box.classList.contains("jp-InputArea-editor")) { return "Code"; }
    if (box.querySelector("table")) { return "Table"; }
    if (box.classList.contains("jp-RenderedMarkdown")) { return "Text"; }
    if (box.matches("pre") || box.classList.contains("jp-RenderedText")) { return "Code or text output"; }
    return "Output";
  }

  var regions = 0;

  function markScrollers() {
    each(SCROLLERS, function (box) {
      var scrolls = box.scrollWidth > box.clientWidth + 1;
      var marked = box.hasAttribute("data-scroll-marked");
      if (scrolls && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("data-scroll-marked", "");
        if (!box.getAttribute("role")) { box.setAttribute("role", "region"); }
        if (!box.getAttribute("aria-label")) {  /* numbered: regions of one page need distinct names */
          regions += 1;
          box.setAttribute("aria-label", labelFor(box) + " (" + regions + "), scrolls sideways");
        }
      } else if (!scrolls && marked) {
        box.removeAttribute("tabindex");
        box.removeAttribute("data-scroll-marked");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
      }
    });
  }

  /* 3. Empty header cells ------------------------------------------------------------------------------------ */
  function plainCorners() {
    each("thead th", function (th) {
      if (th.textContent.trim() || th.querySelector("img, svg")) { return; }
      var cell = document.createElement("td");
      Array.prototype.forEach.call(th.attributes, function (attribute) { cell.setAttribute(attribute.name, attribute.value); });
      th.parentNode.replaceChild(cell, th);
    });
  }

  function start() {
    plainCorners();
    each(".jp-RenderedImage img, img.sw-image", zoomable);
    wrapTables();
    markScrollers();
    var pending = null;
    window.addEventListener("resize", function () {
      window.clearTimeout(pending);
      pending = window.setTimeout(markScrollers, 150);
    });
    window.addEventListener("load", markScrollers);  /* images and MathJax may change the widths */
    document.body.setAttribute("data-site-js", "ready");
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
