// Applies the saved theme before the first paint, then wires up the toggle.
// Without JavaScript the page simply follows the operating system's preference.
(function () {
  // Not "theme": Django's admin stores its own setting under that name on the same origin.
  var KEY = "site-theme";
  var root = document.documentElement;
  var media = window.matchMedia("(prefers-color-scheme: dark)");

  function saved() {
    try { return localStorage.getItem(KEY); } catch (e) { return null; }
  }
  function current() {
    return saved() || (media.matches ? "dark" : "light");
  }
  function apply(theme) {
    root.setAttribute("data-theme", theme);
    var toggle = document.querySelector("[data-theme-toggle]");
    if (toggle) toggle.setAttribute("aria-pressed", theme === "dark" ? "true" : "false");
  }

  apply(current());
  media.addEventListener("change", function () { if (!saved()) apply(current()); });

  document.addEventListener("DOMContentLoaded", function () {
    var toggle = document.querySelector("[data-theme-toggle]");
    if (!toggle) return;
    toggle.hidden = false;
    apply(current());
    toggle.addEventListener("click", function () {
      var next = current() === "dark" ? "light" : "dark";
      try { localStorage.setItem(KEY, next); } catch (e) { /* private mode: the choice lasts this page only */ }
      apply(next);
    });
  });
})();
