/*
 * Static rendering of the ipywidgets stored in a notebook, for the offline site.
 *
 * nbconvert embeds the widget state of a notebook (<script type="application/vnd.jupyter.widget-state+json">)
 * and one <script type="application/vnd.jupyter.widget-view+json"> per displayed widget. No package on the
 * registries we can install from ships the official renderer (@jupyter-widgets/html-manager lives on npm only),
 * and its live-looking controls would do nothing without a kernel anyway. This script draws each widget as it
 * was saved: readings (HTML, images) in full, controls greyed out with their stored setting, and a note that the
 * explorer is live in JupyterLab or Voila. It reads only the page and makes no request.
 *
 * Accessibility: every control is named by its <label> (for/id), a slider's stored value is also its
 * aria-valuetext, and the explorer's image has a short alternative text: the Image's tooltip (the
 * explorer's reading), else its description, else "Figure of the explorer" and the explorer's title.
 */
(function () {
  "use strict";
  var STATE_TYPE = "application/vnd.jupyter.widget-state+json";
  var VIEW_TYPE = "application/vnd.jupyter.widget-view+json";
  var PREFIX = "IPY_MODEL_";
  var counter = 0;

  function uniqueId(stem) {
    counter += 1;
    return "sw-" + stem + "-" + counter;
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function bufferOf(model, key) {
    var buffers = model.buffers || [];
    for (var i = 0; i < buffers.length; i++) {
      if (buffers[i].path && buffers[i].path[0] === key && buffers[i].encoding === "base64") { return buffers[i].data; }
    }
    return null;
  }

  function modelId(reference) {
    return typeof reference === "string" && reference.indexOf(PREFIX) === 0 ? reference.slice(PREFIX.length) : reference;
  }

  /* ipywidgets' Layout traits, as CSS properties (``grid_template_columns`` -> ``grid-template-columns``). */
  var LAYOUT_KEYS = ["display", "visibility", "width", "height", "max_width", "min_width", "max_height", "min_height",
    "flex", "flex_flow", "align_items", "align_content", "align_self", "justify_content", "justify_items", "order",
    "margin", "padding", "overflow", "border", "border_top", "border_right", "border_bottom", "border_left",
    "grid_template_columns", "grid_template_rows", "grid_template_areas", "grid_gap", "grid_area", "grid_row",
    "grid_column", "grid_auto_columns", "grid_auto_rows", "grid_auto_flow", "object_fit", "object_position"];

  function applyLayout(node, models, reference) {
    var layout = models[modelId(reference)];
    if (!layout || !layout.state) { return; }
    LAYOUT_KEYS.forEach(function (key) {
      var value = layout.state[key];
      if (value === null || value === undefined || value === "") { return; }
      if (key === "width" && node.classList.contains("sw-row")) {
        /* a labelled control: at least its stored width (as in JupyterLab), wider for long options, never wider than the page */
        if (value !== "auto") { node.style.minWidth = "min(" + value + ", 100%)"; }
        return;
      }
      node.style.setProperty(key === "grid_gap" ? "gap" : key.replace(/_/g, "-"), value);
    });
  }

  /* The width of a control's description, from its style model (ipywidgets' ``description_width``). */
  function descriptionWidth(models, state) {
    var style = state.style && models[modelId(state.style)];
    var width = style && style.state && style.state.description_width;
    return width && width !== "initial" ? width : "";
  }

  /* A row with the widget's description as the <label> of its control (``input``: the element that takes
     the name, when ``control`` wraps it, as a slider's box does). Without a description the control is
     named by aria-label, so that no control is left without a name. */
  function labelled(state, control, input, width) {
    var row = el("div", "sw-row");
    var target = input || control;
    target.id = uniqueId("control");
    target.disabled = true;
    if (state.description) {
      var label = el("label", "sw-description");
      label.htmlFor = target.id;
      if (state.description_allow_html) { label.innerHTML = state.description; } else { label.textContent = state.description; }
      if (width) { label.style.flexBasis = width; }
      row.appendChild(label);
    } else {
      target.setAttribute("aria-label", state.tooltip || "stored setting");
    }
    row.appendChild(control);
    return row;
  }

  /* A checkbox as ipywidgets draws it: the box, then its description (indented by the description
     width unless ``indent`` is false). */
  function checkbox(state, width) {
    var box = el("input");
    box.type = "checkbox";
    box.checked = !!state.value;
    var row = labelled(state, box);
    row.classList.add("sw-checkbox");
    var label = row.querySelector("label");
    if (label) { row.appendChild(label); }  /* after the box */
    if (state.indent !== false && width) { box.style.marginLeft = width; }
    return row;
  }

  function options(state, multiple) {
    var select = el("select", "sw-select");
    select.multiple = multiple;
    var chosen = multiple ? (state.index || []) : [state.index];
    (state._options_labels || []).forEach(function (text, i) {
      var option = el("option", null, text);
      option.selected = chosen.indexOf(i) >= 0;
      select.appendChild(option);
    });
    if (multiple) { select.size = Math.max((state._options_labels || []).length, 2); }  /* every option in view */
    return select;
  }

  function slider(state) {
    var wrap = el("span", "sw-slider");
    var input = el("input");
    input.type = "range";
    var labels = state._options_labels;
    var shown = labels ? labels[state.index] : state.value;
    if (labels) {  /* selection slider */
      input.min = 0; input.max = labels.length - 1; input.value = state.index;
    } else {
      input.min = state.min; input.max = state.max; input.step = state.step; input.value = state.value;
    }
    input.setAttribute("aria-valuetext", String(shown));
    wrap.appendChild(input);
    var readout = el("span", "sw-readout", shown);
    readout.setAttribute("aria-hidden", "true");  /* read out as the slider's value */
    wrap.appendChild(readout);
    return {wrap: wrap, input: input};
  }

  function render(models, reference) {
    var model = models[modelId(reference)];
    if (!model) { return el("div", "sw-missing", "[widget not stored in this page]"); }
    var state = model.state || {};
    var name = model.model_name;
    var node;
    var width = descriptionWidth(models, state);
    if (/^(VBox|HBox|Box|GridBox)Model$/.test(name)) {
      node = el("div", "sw-box " + ({HBoxModel: "sw-hbox", GridBoxModel: "sw-grid"}[name] || "sw-vbox"));
      (state.children || []).forEach(function (child) { node.appendChild(render(models, child)); });
      var first = node.firstElementChild;
      if (first && first.classList.contains("sw-label") && node.children.length > 1) {
        /* a box headed by a label ("analytes" above its checkboxes) is a named group */
        first.id = uniqueId("group");
        node.setAttribute("role", "group");
        node.setAttribute("aria-labelledby", first.id);
      }
    } else if (name === "HTMLModel" || name === "HTMLMathModel") {
      node = el("div", "sw-html");
      if (state.description) { node.appendChild(el("span", "sw-description", state.description)); }
      var body = el("div", "jp-RenderedHTMLCommon");  /* tables and text styled like the page's own */
      body.innerHTML = state.value || "";
      node.appendChild(body);
    } else if (name === "LabelModel") {
      node = el("span", "sw-label", state.value);
    } else if (name === "ImageModel") {
      var data = bufferOf(model, "value");
      if (data) {
        node = el("img", "sw-image");
        node.src = "data:image/" + (state.format || "png") + ";base64," + data;
        node.alt = state.tooltip || state.description || "";  /* empty: named after the explorer below */
      } else {  /* an explorer whose reading had no figure when it was saved */
        node = el("span", "sw-image-empty");
      }
    } else if (name === "DropdownModel" || name === "SelectModel") {
      node = labelled(state, options(state, false), null, width);
    } else if (name === "SelectMultipleModel") {
      node = labelled(state, options(state, true), null, width);
    } else if (/SliderModel$/.test(name)) {
      var parts = slider(state);
      node = labelled(state, parts.wrap, parts.input, width);
    } else if (name === "CheckboxModel") {
      node = checkbox(state, width);
    } else if (name === "ButtonModel" || name === "ToggleButtonModel") {
      node = el("button", "sw-button", state.description);
      node.disabled = true;
    } else if (/(Text|Textarea)Model$/.test(name)) {
      var text = el("input"); text.type = "text"; text.value = state.value;
      node = labelled(state, text, null, width);
    } else {
      node = el("div", "sw-unknown", "[" + name + ": shown live in JupyterLab]");
    }
    (state._dom_classes || []).forEach(function (cls) { node.classList.add(cls); });
    if (state.layout) { applyLayout(node, models, state.layout); }
    return node;
  }

  /* The explorer's title: the text of the first bold heading of its stored HTML ("Time origin: ..."). */
  function explorerTitle(node) {
    var heading = node.querySelector(".sw-html b, .sw-html strong");
    return heading ? heading.textContent.replace(/\s+/g, " ").trim() : "";
  }

  function renderAll() {
    var stateScript = document.querySelector('script[type="' + STATE_TYPE + '"]');
    if (!stateScript) { return; }
    var models = JSON.parse(stateScript.textContent).state || {};
    var views = document.querySelectorAll('script[type="' + VIEW_TYPE + '"]');
    Array.prototype.forEach.call(views, function (script) {
      var view = JSON.parse(script.textContent);
      var figure = el("div", "static-widget");
      var note = el("p", "static-widget-note",
        "Saved copy of the explorer: the controls show the stored setting and cannot be changed here. " +
        "Run the notebook (make lab) or the slides (make slides) to explore.");
      note.id = uniqueId("note");
      figure.appendChild(note);  /* above the controls it explains */
      figure.appendChild(render(models, view.model_id));
      var title = explorerTitle(figure);
      Array.prototype.forEach.call(figure.querySelectorAll("img.sw-image"), function (image) {
        if (!image.alt) { image.alt = title ? "Figure of the explorer: " + title : "Figure of the explorer, as saved"; }
      });
      Array.prototype.forEach.call(figure.querySelectorAll("input, select, button"), function (control) {
        control.setAttribute("aria-describedby", note.id);
      });
      script.parentNode.insertBefore(figure, script.nextSibling);
    });
    document.body.setAttribute("data-static-widgets", String(views.length));
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", renderAll);
  } else {
    renderAll();
  }
}());
