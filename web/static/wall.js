/* Desk wall: refresh the tiles in place from /wall/tiles every few seconds (no page reload). */
(function () {
  "use strict";
  var wall = document.getElementById("wall");
  if (!wall) { return; }
  var url = wall.getAttribute("data-tiles-url");
  var seconds = parseInt(wall.getAttribute("data-refresh-seconds"), 10) || 20;
  var errorLine = document.querySelector("[data-field=error]");
  var generated = document.querySelector("[data-field=generated]");

  function setText(tile, name, value) {
    var node = tile.querySelector("[data-field=" + name + "]");
    if (node) { node.textContent = value; }
  }

  function update(tile, data) {
    tile.className = tile.className.replace(/\bstatus-[a-z_]+/, "status-" + data.status);
    setText(tile, "status", data.status_text);
    setText(tile, "queue", data.queue === null ? "—" : String(data.queue));
    setText(tile, "alerts", String(data.open_alerts));
    setText(tile, "last", data.last_observed);
    var img = tile.querySelector("[data-field=snapshot]");
    var none = tile.querySelector("[data-field=no-snapshot]");
    if (img) {
      if (data.snapshot_url) {
        if (img.getAttribute("src") !== data.snapshot_url) { img.setAttribute("src", data.snapshot_url); }
        img.hidden = false;
        if (none) { none.hidden = true; }
      } else {
        img.hidden = true;
        if (none) { none.hidden = false; }
      }
    }
  }

  function refresh() {
    fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (body) {
        body.tiles.forEach(function (data) {
          var tile = wall.querySelector('[data-desk="' + data.desk_code + '"]');
          if (tile) { update(tile, data); }
        });
        if (generated) { generated.textContent = body.generated; }
        if (errorLine) { errorLine.hidden = true; }
      })
      .catch(function () {
        if (errorLine) { errorLine.hidden = false; }
      });
  }

  window.setInterval(refresh, seconds * 1000);
}());
