// An <input data-filter-select="id"> narrows the options of the <select>
// with that id to those containing the typed text, ignoring case.
(function () {
  "use strict";

  document.querySelectorAll("input[data-filter-select]").forEach(function (input) {
    var select = document.getElementById(input.getAttribute("data-filter-select"));
    if (!select) {
      return;
    }
    input.addEventListener("input", function () {
      var term = input.value.trim().toLowerCase();
      Array.prototype.forEach.call(select.options, function (option) {
        var keep = !option.value || option.text.toLowerCase().indexOf(term) !== -1;
        option.hidden = !keep;
      });
    });
  });
})();
