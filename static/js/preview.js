// The upload step: show the chosen file's name and size next to the input,
// and warn before a file larger than data-max-bytes is sent.
(function () {
  "use strict";

  document.querySelectorAll('input[type="file"][data-max-bytes]').forEach(function (input) {
    var note = document.createElement("p");
    note.className = "help";
    note.setAttribute("aria-live", "polite");
    input.insertAdjacentElement("afterend", note);

    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      if (!file) {
        note.textContent = "";
        return;
      }
      var kilobytes = Math.max(1, Math.round(file.size / 1024));
      note.textContent = file.name + " (" + kilobytes.toLocaleString() + " kB)";
      var max = parseInt(input.getAttribute("data-max-bytes"), 10);
      if (max && file.size > max) {
        note.textContent += " — " + input.getAttribute("data-too-large");
        note.classList.add("errors");
      } else {
        note.classList.remove("errors");
      }
    });
  });
})();
