/*
 * Static rendering of the ipywidgets stored in a notebook, for the offline site.
 *
 * nbconvert embeds the widget state of a notebook (<script type="application/vnd.jupyter.widget-state+json">)
 * and one <script type="application/vnd.jupyter.widget-view+json"> per displayed widget. No package on the
 * registries we can install from ships the official renderer (@jupyter-widgets/html-manager lives on npm only),
 * and its live-looking controls would do nothing without a kernel anyway. This script draws each widget as it
 * was saved: readings (HTML, images) in full, controls greyed out with their stored setting, and a note that the
 * explorer is live in JupyterLab or Voila. It reads only the page and makes no request.
 */
(function () {
  "use strict";
  var STATE_TYPE = "application/vnd.jupyter.widget-state+json";
  var VIEW_TYPE = "application/vnd.jupyter.widget-view+json";
  var PREFIX = "IPY_MODEL_";

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

  function applyLayout(node, models, reference) {
    var layout = models[modelId(reference)];
    if (!layout || !layout.state) { return; }
    ["display", "visibility", "width", "height", "max_width", "min_width", "flex", "margin", "padding"].forEach(function (key) {
      var value = layout.state[key];
      if (value !== null && value !== undefined && value !== "") { node.style[key.replace("_", "-")] = value; }
    });
  }

  function labelled(state, control) {
    var row = el("div", "sw-row");
    if (state.description) {
      var label = el("label", "sw-description");
      if (state.description_allow_html) { label.innerHTML = state.description; } else { label.textContent = state.description; }
      row.appendChild(label);
    }
    control.disabled = true;
    control.title = "Stored setting; run the notebook to change it";
    row.appendChild(control);
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
    if (multiple) { select.size = Math.min((state._options_labels || []).length, state.rows || 5); }
    return select;
  }

  function slider(state) {
    var wrap = el("span", "sw-slider");
    var input = el("input");
    input.type = "range";
    var labels = state._options_labels;
    if (labels) {  /* selection slider */
      input.min = 0; input.max = labels.length - 1; input.value = state.index;
    } else {
      input.min = state.min; input.max = state.max; input.step = state.step; input.value = state.value;
    }
    input.disabled = true;
    wrap.appendChild(input);
    wrap.appendChild(el("span", "sw-readout", labels ? labels[state.index] : state.value));
    return wrap;
  }

  function render(models, reference) {
    var model = models[modelId(reference)];
    if (!model) { return el("div", "sw-missing", "[widget not stored in this page]"); }
    var state = model.state || {};
    var name = model.model_name;
    var node;
    if (/^(VBox|HBox|Box|GridBox)Model$/.test(name)) {
      node = el("div", "sw-box " + (name === "HBoxModel" ? "sw-hbox" : "sw-vbox"));
      (state.children || []).forEach(function (child) { node.appendChild(render(models, child)); });
    } else if (name === "HTMLModel" || name === "HTMLMathModel") {
      node = el("div", "sw-html");
      if (state.description) { node.appendChild(el("span", "sw-description", state.description)); }
      var body = el("div");
      body.innerHTML = state.value || "";
      node.appendChild(body);
    } else if (name === "LabelModel") {
      node = el("span", "sw-label", state.value);
    } else if (name === "ImageModel") {
      var data = bufferOf(model, "value");
      if (data) {
        node = el("img", "sw-image");
        node.src = "data:image/" + (state.format || "png") + ";base64," + data;
        node.alt = state.description || "figure drawn by the explorer, as stored";
      } else {  /* an explorer whose reading had no figure when it was saved */
        node = el("span", "sw-image-empty");
      }
    } else if (name === "DropdownModel" || name === "SelectModel") {
      node = labelled(state, options(state, false));
    } else if (name === "SelectMultipleModel") {
      node = labelled(state, options(state, true));
    } else if (/SliderModel$/.test(name)) {
      node = labelled(state, slider(state));
    } else if (name === "CheckboxModel") {
      var box = el("input"); box.type = "checkbox"; box.checked = !!state.value;
      node = labelled(state, box);
    } else if (name === "ButtonModel" || name === "ToggleButtonModel") {
      node = el("button", "sw-button", state.description);
      node.disabled = true;
    } else if (/(Text|Textarea)Model$/.test(name)) {
      var text = el("input"); text.value = state.value;
      node = labelled(state, text);
    } else {
      node = el("div", "sw-unknown", "[" + name + ": shown live in JupyterLab]");
    }
    (state._dom_classes || []).forEach(function (cls) { node.classList.add(cls); });
    if (state.layout) { applyLayout(node, models, state.layout); }
    return node;
  }

  function renderAll() {
    var stateScript = document.querySelector('script[type="' + STATE_TYPE + '"]');
    if (!stateScript) { return; }
    var models = JSON.parse(stateScript.textContent).state || {};
    var views = document.querySelectorAll('script[type="' + VIEW_TYPE + '"]');
    Array.prototype.forEach.call(views, function (script) {
      var view = JSON.parse(script.textContent);
      var figure = el("div", "static-widget");
      figure.appendChild(render(models, view.model_id));
      figure.appendChild(el("p", "static-widget-note",
        "Saved copy of the explorer: controls show the stored setting. Run the notebook (make lab) or the slides (make slides) to explore."));
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
