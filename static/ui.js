// Optional: the pages work without this script. It shows a print button and, on a
// print-out, the actual time of printing instead of the time the page was generated.
(function () {
  "use strict";
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function now() {
    // Beijing time, like every other time on the page.
    try {
      return new Date().toLocaleString("sv-SE", { timeZone: "Asia/Shanghai", hour12: false });
    } catch (e) { /* an old browser without time zones: local time below */ }
    var d = new Date();
    return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " +
      pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds());
  }
  window.addEventListener("beforeprint", function () {
    var cell = document.getElementById("printed-at");
    if (cell) { cell.textContent = now(); }
  });
  document.addEventListener("DOMContentLoaded", function () {
    var buttons = document.querySelectorAll(".js-print");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].hidden = false;
      buttons[i].addEventListener("click", function () { window.print(); });
    }
  });
})();
