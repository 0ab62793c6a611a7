// Inspection form: desks and officials follow the chosen unit (a unit shows itself and the units below it).
(function () {
  "use strict";
  var unit = document.getElementById("inspection-unit");
  if (!unit) { return; }
  function filter() {
    var code = unit.value;
    document.querySelectorAll("select.by-unit option[data-units]").forEach(function (option) {
      var show = !code || option.getAttribute("data-units").split(" ").indexOf(code) >= 0;
      option.hidden = !show;
      option.disabled = !show;
      if (!show && option.selected) { option.parentElement.value = ""; }
    });
  }
  unit.addEventListener("change", filter);
  filter();
})();
