// The post editor's small helpers: copy the preview link, and say why an image upload was refused.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-copy-target]").forEach(function (button) {
    var input = button.parentNode.querySelector(button.getAttribute("data-copy-target"));
    if (!input) return;
    button.addEventListener("click", function () {
      input.select();
      var done = function () { button.textContent = "Copied"; };
      if (navigator.clipboard) {
        navigator.clipboard.writeText(input.value).then(done, function () { button.textContent = "Press Ctrl+C"; });
      } else {
        button.textContent = "Press Ctrl+C";
      }
    });
  });

  // markdownx inserts "Invalid response" into the text when an upload fails; show the server's reason instead.
  document.querySelectorAll(".markdownx").forEach(function (box) {
    var editor = box.querySelector("textarea");
    var note = document.createElement("p");
    note.className = "errornote markdownx-upload-error";
    note.setAttribute("role", "alert");
    note.hidden = true;
    box.insertBefore(note, box.firstChild);
    box.addEventListener("markdownx.fileUploadError", function (event) {
      var response = (event.detail && event.detail[0]) || {};
      var reasons = response.image || ["The upload failed."];
      note.textContent = "Image not uploaded: " + reasons.join(" ");
      note.hidden = false;
      setTimeout(function () { editor.value = editor.value.replace("Invalid response", ""); }, 0);
    });
    box.addEventListener("markdownx.fileUploadEnd", function () { note.hidden = true; });
  });
});
