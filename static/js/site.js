// Small progressive enhancements; every page works without them.
document.addEventListener("DOMContentLoaded", function () {
  // After a failed submit, take keyboard and screen-reader users straight to what needs fixing.
  var errorSummary = document.querySelector(".error-summary");
  if (errorSummary) errorSummary.focus();

  // A copy button on each code block.
  document.querySelectorAll(".prose pre").forEach(function (pre) {
    if (!navigator.clipboard) return;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "copy-button";
    button.textContent = "Copy";
    // Announces "Copied" to screen readers, not only on screen.
    button.setAttribute("aria-live", "polite");
    button.addEventListener("click", function () {
      var code = pre.querySelector("code") || pre;
      navigator.clipboard.writeText(code.innerText).then(function () {
        button.textContent = "Copied";
        setTimeout(function () { button.textContent = "Copy"; }, 2000);
      }, function () {
        button.textContent = "Press Ctrl+C";
      });
    });
    pre.parentNode.classList.add("has-copy");
    pre.parentNode.insertBefore(button, pre);
  });
});

// Ids inside a post body are prefixed with "md-" (portfolio/markdown.py); a link shared before that,
// such as #setup, still lands on its heading.
(function () {
  var id = decodeURIComponent(location.hash.slice(1));
  if (!id || document.getElementById(id)) return;
  var target = document.getElementById("md-" + id);
  if (target) target.scrollIntoView();
})();
