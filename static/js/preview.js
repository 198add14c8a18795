// The upload step: show the chosen file's name and size next to the input,
// and keep a file larger than data-max-bytes from being sent at all: the
// server would read the whole upload before it could refuse it.
(function () {
  "use strict";

  function tooLarge(input) {
    var file = input.files && input.files[0];
    var max = parseInt(input.getAttribute("data-max-bytes"), 10);
    return Boolean(file && max && file.size > max);
  }

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
      if (tooLarge(input)) {
        note.textContent += " — " + input.getAttribute("data-too-large");
        note.classList.add("errors");
      } else {
        note.classList.remove("errors");
      }
    });

    if (input.form) {
      input.form.addEventListener("submit", function (event) {
        if (tooLarge(input)) {
          event.preventDefault();
          input.focus();
        }
      });
    }
  });
})();
