// Shows booking times in the visitor's own zone. Without JavaScript the page works in UTC
// (or whichever zone the visitor picks and submits).
document.addEventListener("DOMContentLoaded", function () {
  var form = document.querySelector("[data-tz-form]");
  if (!form) return;
  var select = form.querySelector("select[name=tz]");
  if (!select || new URLSearchParams(window.location.search).has("tz")) return;
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (error) {
    return;
  }
  var known = Array.prototype.some.call(select.options, function (option) { return option.value === zone; });
  if (zone && known && zone !== select.value) {
    select.value = zone;
    form.submit();
  }
});
