/* Zone editor: draw and edit staff / queue / exclude / mask polygons over a camera snapshot.
 * Points are kept normalised (0..1 of width and height); the SVG viewBox is the image size.
 * A room camera's staff and queue zones each name a desk (one colour per desk); every zone may set its
 * membership rule (anchor bottom/center, or an overlap share), empty for the kind's default. */
(function () {
  "use strict";

  var NS = "http://www.w3.org/2000/svg";
  var svg = document.getElementById("zone-canvas");
  if (!svg) { return; }
  var W = Number(svg.getAttribute("data-width")) || 1600;
  var H = Number(svg.getAttribute("data-height")) || 900;
  var editable = svg.getAttribute("data-editable") === "true";
  var zones = JSON.parse(svg.getAttribute("data-zones") || "[]");
  var desks = JSON.parse(svg.getAttribute("data-desks") || "[]");
  var room = svg.getAttribute("data-room") === "true";
  var colourOf = {};
  desks.forEach(function (d) { colourOf[d.code] = d.colour; });
  var deskSelect = document.getElementById("zone-desk");
  var ruleSelect = document.getElementById("zone-rule");
  var overlapInput = document.getElementById("zone-overlap");
  function counted(zone) { return zone.kind === "staff" || zone.kind === "queue"; }
  var layer = document.getElementById("zone-layer");
  var select = document.getElementById("zone-select");
  var status = document.getElementById("zone-status");
  var current = zones.length ? 0 : -1;
  var dirty = false;
  var drag = null;
  var suppressClick = false;
  var handleRadius = Math.max(W, H) / 120;

  function message(key) { return status ? (status.getAttribute("data-msg-" + key) || "") : ""; }

  function say(text, kind) {
    if (!status) { return; }
    status.textContent = text;
    status.className = kind ? "status-" + kind : "";
  }

  function el(name, attrs) {
    var node = document.createElementNS(NS, name);
    Object.keys(attrs).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    return node;
  }

  function pointsAttr(polygon) {
    return polygon.map(function (p) { return (p[0] * W).toFixed(1) + "," + (p[1] * H).toFixed(1); }).join(" ");
  }

  function render() {
    while (layer.firstChild) { layer.removeChild(layer.firstChild); }
    zones.forEach(function (zone, index) {
      var selected = index === current;
      var cls = "zone zone-" + zone.kind + (selected ? " selected" : "");
      if (room && counted(zone) && zone.desk && colourOf[zone.desk] !== undefined) { cls += " desk-" + colourOf[zone.desk]; }
      var shape = zone.polygon.length >= 3 ? "polygon" : "polyline";
      var node = el(shape, { "class": cls, points: pointsAttr(zone.polygon), "data-name": zone.name });
      var title = el("title", {});
      title.textContent = zone.name;
      node.appendChild(title);
      layer.appendChild(node);
      if (zone.polygon.length) {
        var top = zone.polygon.reduce(function (a, b) { return b[1] < a[1] ? b : a; });
        var label = el("text", {
          "class": "zone-label label-" + zone.kind, x: (top[0] * W).toFixed(1), y: (top[1] * H - 6).toFixed(1),
          "font-size": (W / 55).toFixed(1)
        });
        label.textContent = zone.name;
        layer.appendChild(label);
      }
    });
    if (editable && current >= 0) {
      zones[current].polygon.forEach(function (p, index) {
        layer.appendChild(el("circle", {
          "class": "handle", cx: (p[0] * W).toFixed(1), cy: (p[1] * H).toFixed(1), r: handleRadius.toFixed(1),
          "data-index": String(index)
        }));
      });
    }
  }

  function fillSelect() {
    if (!select) { return; }
    while (select.firstChild) { select.removeChild(select.firstChild); }
    zones.forEach(function (zone, index) {
      var option = document.createElement("option");
      option.value = String(index);
      option.textContent = zone.name + " (" + zone.kind + (zone.desk ? ", " + zone.desk : "") + ")";
      select.appendChild(option);
    });
    if (current >= 0) { select.value = String(current); }
    showProps();
  }

  function showProps() {
    var zone = current >= 0 ? zones[current] : null;
    if (deskSelect) {
      deskSelect.value = zone && zone.desk ? zone.desk : "";
      deskSelect.disabled = !editable || !room || !zone || !counted(zone);
    }
    if (ruleSelect) {
      ruleSelect.value = !zone ? "" : zone.anchor ? zone.anchor : (zone.overlap !== null && zone.overlap !== undefined ? "overlap" : "");
      ruleSelect.disabled = !editable || !zone || zone.kind === "mask";
    }
    if (overlapInput) {
      overlapInput.value = zone && zone.overlap ? String(zone.overlap) : "0.3";
      overlapInput.disabled = !editable || !zone || !ruleSelect || ruleSelect.value !== "overlap";
    }
  }

  function setRule() {
    if (current < 0) { return; }
    var zone = zones[current];
    var rule = ruleSelect.value;
    zone.anchor = rule === "bottom" || rule === "center" ? rule : null;
    zone.overlap = rule === "overlap" ? Number(overlapInput.value) : null;
    overlapInput.disabled = rule !== "overlap";
    changed();
  }

  function clamp(v) { return Math.min(1, Math.max(0, Math.round(v * 10000) / 10000)); }

  function toPoint(evt) {
    var matrix = svg.getScreenCTM();
    if (!matrix) { return null; }
    var pt = svg.createSVGPoint();
    pt.x = evt.clientX;
    pt.y = evt.clientY;
    var local = pt.matrixTransform(matrix.inverse());
    return [clamp(local.x / W), clamp(local.y / H)];
  }

  function changed() {
    dirty = true;
    render();
    say(message("unsaved"), "info");
  }

  if (select) {
    select.addEventListener("change", function () {
      current = Number(select.value);
      showProps();
      render();
    });
  }
  if (editable && deskSelect) {
    deskSelect.addEventListener("change", function () {
      if (current < 0) { return; }
      zones[current].desk = deskSelect.value || null;
      fillSelect();
      changed();
    });
  }
  if (editable && ruleSelect) { ruleSelect.addEventListener("change", setRule); }
  if (editable && overlapInput) { overlapInput.addEventListener("change", setRule); }

  if (editable) {
    svg.addEventListener("click", function (evt) {
      if (suppressClick) { suppressClick = false; return; }
      if (evt.target.classList && evt.target.classList.contains("handle")) { return; }
      if (current < 0) { say(message("pick"), "error"); return; }
      var point = toPoint(evt);
      if (!point) { return; }
      zones[current].polygon.push(point);
      changed();
    });

    svg.addEventListener("pointerdown", function (evt) {
      if (!(evt.target.classList && evt.target.classList.contains("handle"))) { return; }
      drag = { index: Number(evt.target.getAttribute("data-index")), moved: false };
      svg.setPointerCapture(evt.pointerId);
      evt.preventDefault();
    });

    svg.addEventListener("pointermove", function (evt) {
      if (!drag || current < 0) { return; }
      var point = toPoint(evt);
      if (!point) { return; }
      zones[current].polygon[drag.index] = point;
      drag.moved = true;
      render();
    });

    var endDrag = function (evt) {
      if (!drag) { return; }
      if (svg.hasPointerCapture && svg.hasPointerCapture(evt.pointerId)) { svg.releasePointerCapture(evt.pointerId); }
      var moved = drag.moved;
      drag = null;
      suppressClick = true;  // the click that follows a drag must not add a point
      window.setTimeout(function () { suppressClick = false; }, 0);
      if (moved) { changed(); }
    };
    svg.addEventListener("pointerup", endDrag);
    svg.addEventListener("pointercancel", endDrag);

    document.getElementById("zone-new").addEventListener("click", function () {
      var nameInput = document.getElementById("zone-name");
      var name = nameInput.value.trim();
      var kind = document.getElementById("zone-kind").value;
      if (!name) { say(message("name-missing"), "error"); nameInput.focus(); return; }
      var taken = zones.some(function (z) { return z.name.toLowerCase() === name.toLowerCase(); });
      if (taken) { say(message("name-taken"), "error"); nameInput.focus(); return; }
      var desk = room && (kind === "staff" || kind === "queue") && deskSelect ? (deskSelect.value || null) : null;
      zones.push({ name: name, kind: kind, polygon: [], desk: desk, anchor: null, overlap: null });
      current = zones.length - 1;
      nameInput.value = "";
      fillSelect();
      dirty = true;
      render();
      say(message("draw"), "info");
    });

    document.getElementById("zone-undo").addEventListener("click", function () {
      if (current >= 0 && zones[current].polygon.length) { zones[current].polygon.pop(); changed(); }
    });

    document.getElementById("zone-clear").addEventListener("click", function () {
      if (current >= 0) { zones[current].polygon = []; changed(); }
    });

    document.getElementById("zone-delete").addEventListener("click", function () {
      if (current < 0) { return; }
      zones.splice(current, 1);
      current = zones.length ? 0 : -1;
      fillSelect();
      changed();
    });

    document.getElementById("zone-save").addEventListener("click", function () {
      var button = this;
      var token = document.querySelector('meta[name="csrf-token"]');
      var noteInput = document.getElementById("zone-note");
      var body = {
        zones: zones.map(function (z) {
          var out = { name: z.name, kind: z.kind, polygon: z.polygon };
          if (z.desk && counted(z)) { out.desk = z.desk; }
          if (z.anchor) { out.anchor = z.anchor; }
          if (z.overlap !== null && z.overlap !== undefined) { out.overlap = z.overlap; }
          return out;
        }),
        note: noteInput ? noteInput.value : ""
      };
      button.disabled = true;
      say(message("saving"), "info");
      fetch(svg.getAttribute("data-save-url"), {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": token ? token.content : "" },
        body: JSON.stringify(body)
      }).then(function (response) {
        return response.json().catch(function () { return {}; }).then(function (data) {
          if (response.ok && data.ok) {
            dirty = false;
            var version = document.getElementById("zone-version");
            if (version) { version.textContent = String(data.version); }
            say(message("saved"), "ok");
          } else {
            say(data.message || message("failed"), "error");
          }
        });
      }).catch(function () {
        say(message("failed"), "error");
      }).then(function () {
        button.disabled = false;
      });
    });

    window.addEventListener("beforeunload", function (evt) {
      if (dirty) { evt.preventDefault(); evt.returnValue = ""; }
    });
  }

  fillSelect();
  render();
}());
