// Live status: every element with data-poll-url fetches that JSON endpoint
// and copies each field into its [data-field] children. A <progress
// data-field="percent"> gets the value. At a final state the page reloads
// once to show the new tables, unless data-poll-reload="false" is set.
(function () {
  "use strict";

  var INTERVAL_MS = 2000;
  var MAX_FAILURES = 5;

  function apply(element, data) {
    element.querySelectorAll("[data-field]").forEach(function (target) {
      var name = target.getAttribute("data-field");
      if (!(name in data)) {
        return;
      }
      if (target.tagName === "PROGRESS") {
        target.value = data[name];
      } else if (typeof data[name] === "number") {
        // Counts get the page language's digit grouping, as the server
        // rendered them ("5.607" in Dutch).
        target.textContent = data[name].toLocaleString(document.documentElement.lang);
      } else {
        target.textContent = data[name];
      }
      if (name === "state_label" && target.classList.contains("state")) {
        target.className = "state state--" + data.state;
      }
    });
    // [data-show-when="flag"] is shown while the JSON field "flag" is true.
    element.querySelectorAll("[data-show-when]").forEach(function (target) {
      var flag = target.getAttribute("data-show-when");
      if (flag in data) {
        target.hidden = !data[flag];
      }
    });
  }

  function poll(element) {
    var url = element.getAttribute("data-poll-url");
    var reload = element.getAttribute("data-poll-reload") !== "false";
    var failures = 0;

    function tick() {
      fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) {
            throw new Error("HTTP " + response.status);
          }
          return response.json();
        })
        .then(function (data) {
          failures = 0;
          apply(element, data);
          if (data.is_final) {
            if (reload) {
              window.location.reload();
            }
            return;
          }
          window.setTimeout(tick, INTERVAL_MS);
        })
        .catch(function () {
          // A restarting server or a lost connection: try a few more times,
          // then leave the page as it is.
          failures += 1;
          if (failures < MAX_FAILURES) {
            window.setTimeout(tick, INTERVAL_MS * failures);
          }
        });
    }

    window.setTimeout(tick, INTERVAL_MS);
  }

  document.querySelectorAll("[data-poll-url]").forEach(function (element) {
    if (element.getAttribute("data-poll-url")) {
      poll(element);
    }
  });
})();
