// The writing editor for posts and project case studies (blog/editor.py sets it up):
// - a bar above the Markdown with the status in words, a live word count and reading time, and autosave news;
// - the preview beside the text, following its scroll (Ctrl/Cmd+Alt+P shows or hides it);
// - autosave to this browser, with a restore prompt after a crash or a closed tab, cleared once saved;
// - an alt-text prompt after every image upload;
// - Ctrl/Cmd+S saves and keeps editing; "Save draft and copy preview link" on a new post;
// - and the older helpers: copy the preview link, say why an upload was refused.
(function () {
  "use strict";

  var DRAFT_PREFIX = "writing-draft:";
  var COPY_PREVIEW_FLAG = "writing-copy-preview";
  var AUTOSAVE_DELAY = 800; // ms after the last keystroke
  var MAC = /Mac|iPhone|iPad/.test(navigator.platform || "");
  var MOD = MAC ? "⌘" : "Ctrl+";
  var ALT = MAC ? "⌥" : "Alt+";

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function button(text, className) {
    var node = element("button", className || "button", text);
    node.type = "button";
    return node;
  }

  function clock(date) {
    return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  // --- Reading time: the formula of blog.models.estimate_reading_time, its constants from the page ---

  var FENCED_CODE = /^(```|~~~)[^\n]*\n([\s\S]*?)^\1[ \t]*$/gm;
  var IMAGE = /!\[[^\]]*\]\([^)]*\)|<img\b[^>]*>/gi;
  var LINK_TARGET = /\]\([^)]*\)/g;
  var WORD = /[\p{L}\p{N}]+(?:['’\-][\p{L}\p{N}]+)*/gu;

  function readingStats(text, constants) {
    var seconds = 0;
    text = text || "";
    text.replace(FENCED_CODE, function (match, fence, code) {
      var lines = code.split(/\r\n|\r|\n/);
      if (lines[lines.length - 1] === "") lines.pop();
      seconds += constants.secondsPerCodeBlock + constants.secondsPerCodeLine * lines.length;
      return match;
    });
    text = text.replace(FENCED_CODE, " ");
    var images = text.match(IMAGE) || [];
    seconds += constants.secondsPerImage * images.length;
    var prose = text.replace(IMAGE, " ").replace(LINK_TARGET, "]");
    var words = (prose.match(WORD) || []).length;
    seconds += (words * 60) / constants.wordsPerMinute;
    return { words: words, minutes: Math.max(1, Math.floor(seconds / 60 + 0.5)) };
  }

  // --- Status in words: Draft / Scheduled for … / Live since … ---

  var DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  // What saving the form as it stands will mean, worded as the server words a saved one (blog/editor.py).
  function stateInWords(form, zoneName) {
    var status = form.querySelector("select[name=status]");
    if (!status) return null;
    if (status.value !== "published") return "Draft";
    var dateInput = form.querySelector("input[name=published_at_0]");
    var timeInput = form.querySelector("input[name=published_at_1]");
    if (!dateInput) return "Live";
    var date = /^(\d{4})-(\d{1,2})-(\d{1,2})$/.exec(dateInput.value.trim());
    if (!date) return dateInput.value.trim() ? "Publish at: enter a date as YYYY-MM-DD" : "Goes live when you save";
    var time = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec((timeInput && timeInput.value.trim()) || "0:00");
    if (!time) return "Publish at: enter a time as HH:MM";
    // The admin shows times in the server's zone; body[data-admin-utc-offset] is its offset in seconds.
    var offset = Number(document.body.getAttribute("data-admin-utc-offset") || 0);
    var wall = Date.UTC(+date[1], +date[2] - 1, +date[3], +time[1], +time[2], +(time[3] || 0));
    var instant = wall - offset * 1000;
    var shown = new Date(wall);
    var words =
      DAYS[shown.getUTCDay()] + " " + shown.getUTCDate() + " " + MONTHS[shown.getUTCMonth()] + " " +
      shown.getUTCFullYear() + ", " + String(time[1]).padStart(2, "0") + ":" + time[2] + (zoneName ? " " + zoneName : "");
    return instant > Date.now() ? "Scheduled for " + words : "Live since " + words;
  }

  // --- Autosave ---

  function modelKey() {
    var classes = document.body.className.match(/\bapp-(\S+)\s+model-(\S+)/);
    return classes ? classes[1] + "." + classes[2] : "";
  }

  function draftKey() {
    return DRAFT_PREFIX + modelKey() + ":" + window.location.pathname;
  }

  function readDraft(key) {
    try {
      return JSON.parse(window.localStorage.getItem(key) || "null");
    } catch (error) {
      return null;
    }
  }

  function writeDraft(key, draft) {
    try {
      window.localStorage.setItem(key, JSON.stringify(draft));
      return true;
    } catch (error) {
      return false; // storage full or disabled: the editor still works, just without a safety net
    }
  }

  // After a successful save Django shows a success message, on the page the form was sent from (Save and
  // continue) or the one it redirected to (the list, or the new post's page): the draft sent is then safe.
  // Only that draft: another tab's unsaved work stays.
  function clearSavedDrafts() {
    if (!document.querySelector(".messagelist .success")) return;
    var paths = [window.location.pathname];
    try {
      var from = new URL(document.referrer);
      if (from.origin === window.location.origin) paths.push(from.pathname);
    } catch (error) { /* no referrer */ }
    paths.forEach(function (path) {
      var key = DRAFT_PREFIX + modelKey() + ":" + path;
      var draft = readDraft(key);
      if (draft && draft.submitted) window.localStorage.removeItem(key);
    });
  }

  function savedFields(form) {
    return Array.prototype.filter.call(form.elements, function (field) {
      return (
        field.name &&
        field.name !== "csrfmiddlewaretoken" &&
        field.name.charAt(0) !== "_" &&
        !/^(file|hidden|submit|button|reset|password|image)$/.test(field.type)
      );
    });
  }

  // `only`: the keys the page started with, so widgets that add fields later (the admin's
  // two-box selectors) can't make an untouched form look changed.
  function snapshot(form, only) {
    var values = {};
    savedFields(form).forEach(function (field) {
      if (field.type === "checkbox" || field.type === "radio") {
        if (field.type === "radio" && !field.checked) return;
        values[field.name + (field.type === "checkbox" ? ":" + field.value : "")] =
          field.type === "checkbox" ? field.checked : field.value;
      } else if (field.multiple) {
        values[field.name] = Array.prototype.filter.call(field.options, function (o) { return o.selected; })
          .map(function (o) { return o.value; });
      } else {
        values[field.name] = field.value;
      }
    });
    if (only) {
      Object.keys(values).forEach(function (key) { if (!(key in only)) delete values[key]; });
    }
    return values;
  }

  function sameValues(a, b) {
    return JSON.stringify(a) === JSON.stringify(b);
  }

  // Does the draft hold anything the page doesn't already show?
  function changesIn(draft, current) {
    return Object.keys(draft).some(function (key) {
      return key in current && JSON.stringify(draft[key]) !== JSON.stringify(current[key]);
    });
  }

  function restore(form, values) {
    savedFields(form).forEach(function (field) {
      var key = field.name + (field.type === "checkbox" ? ":" + field.value : "");
      if (!(key in values) && field.type !== "radio") return;
      if (field.type === "checkbox") field.checked = Boolean(values[key]);
      else if (field.type === "radio") field.checked = values[field.name] === field.value;
      else if (field.multiple) {
        var chosen = Array.isArray(values[key]) ? values[key] : [];
        Array.prototype.forEach.call(field.options, function (o) { o.selected = chosen.indexOf(o.value) !== -1; });
      } else if (field.tagName === "SELECT") {
        // An autocomplete select only holds its current option; a value it lacks is left alone.
        if (Array.prototype.some.call(field.options, function (o) { return o.value === values[key]; })) field.value = values[key];
      } else {
        field.value = values[key];
      }
      field.dispatchEvent(new Event("input", { bubbles: true }));
      field.dispatchEvent(new Event("change", { bubbles: true }));
    });
  }

  function setUpAutosave(form, report) {
    var key = draftKey();
    var initial = snapshot(form);
    var timer = null;
    var found = readDraft(key);

    function save(submitted) {
      window.clearTimeout(timer);
      timer = null;
      var values = snapshot(form, initial);
      if (sameValues(values, initial) && !submitted) {
        window.localStorage.removeItem(key);
        report("");
        return;
      }
      if (writeDraft(key, { savedAt: Date.now(), values: values, submitted: Boolean(submitted) })) {
        report("Autosaved in this browser at " + clock(new Date()));
      }
    }

    // Until the owner answers the restore prompt, the kept draft is not overwritten by new typing.
    var awaitingAnswer = false;

    function schedule() {
      if (awaitingAnswer) return;
      window.clearTimeout(timer);
      timer = window.setTimeout(save, AUTOSAVE_DELAY);
    }

    if (found && found.values && changesIn(found.values, initial)) {
      var banner = element("div", "writing-restore");
      banner.setAttribute("role", "alert");
      var when = new Date(found.savedAt);
      var text = element("p", "", "");
      text.append(
        element("strong", "", "Unsaved changes found. "),
        "This browser kept your changes from " + when.toLocaleDateString([], { day: "numeric", month: "short" }) +
          " at " + clock(when) + (found.submitted ? " (the save may not have gone through)." : " (a closed tab or a crash).")
      );
      var restoreButton = button("Restore them", "button default");
      var discardButton = button("Discard");
      var actions = element("p", "writing-restore-actions");
      actions.append(restoreButton, " ", discardButton);
      banner.append(text, actions);
      form.insertBefore(banner, form.firstElementChild.nextSibling);
      awaitingAnswer = true;
      restoreButton.addEventListener("click", function () {
        restore(form, found.values);
        banner.remove();
        awaitingAnswer = false;
        save();
        var editor = form.querySelector("[data-writing-editor]");
        if (editor) editor.focus();
      });
      discardButton.addEventListener("click", function () {
        window.localStorage.removeItem(key);
        banner.remove();
        awaitingAnswer = false;
        save(); // whatever was typed meanwhile is the draft now
      });
    } else if (found) {
      window.localStorage.removeItem(key); // what the server has is what was kept: nothing to offer
    }

    form.addEventListener("input", schedule);
    form.addEventListener("change", schedule);
    form.addEventListener("submit", function () { save(true); });
    // A closed tab fires pagehide: keep the last few keystrokes too.
    window.addEventListener("pagehide", function () { if (timer) save(); });
  }

  // --- The alt-text prompt ---

  function altTextDialog() {
    var dialog = element("dialog", "alt-dialog");
    dialog.setAttribute("aria-labelledby", "alt-dialog-title");
    var inner = element("form");
    inner.method = "dialog";
    var title = element("h2", "", "Describe this image");
    title.id = "alt-dialog-title";
    var picture = element("img", "alt-dialog-image");
    picture.alt = "";
    var label = element("label", "", "Alt text: what a reader who can’t see the image needs to know");
    label.htmlFor = "alt-dialog-text";
    // One line: Enter inserts it (the dialog's first button), Escape leaves it empty.
    var input = element("input", "vTextField");
    input.type = "text";
    input.id = "alt-dialog-text";
    input.maxLength = 250;
    input.autocomplete = "off";
    var size = element("p", "help");
    var actions = element("div", "alt-dialog-actions");
    var insert = element("button", "button default", "Insert description");
    insert.value = "insert";
    var skip = element("button", "button", "Leave it empty");
    skip.value = "skip";
    actions.append(insert, skip);
    inner.append(title, picture, label, input, size, actions);
    dialog.append(inner);
    document.body.append(dialog);
    return { dialog: dialog, image: picture, input: input, size: size };
  }

  function escapeAlt(text) {
    return text.replace(/\s+/g, " ").trim().replace(/[\[\]\\]/g, "\\$&");
  }

  function setUpAltPrompt(box, editor, onChange) {
    var queue = [];
    var prompt = null;

    function next() {
      if (!queue.length || (prompt && prompt.dialog.open)) return;
      var upload = queue.shift();
      prompt = prompt || altTextDialog();
      prompt.image.src = upload.url;
      prompt.input.value = "";
      prompt.size.textContent = upload.width && upload.height ? "Stored at " + upload.width + " × " + upload.height + " px." : "";
      prompt.dialog.returnValue = "";
      prompt.dialog.onclose = function () {
        var alt = prompt.dialog.returnValue === "insert" ? escapeAlt(prompt.input.value) : "";
        var at = editor.value.lastIndexOf(upload.code);
        if (alt && at !== -1) {
          editor.value = editor.value.slice(0, at) + "![" + alt + "]" + editor.value.slice(at + 3);
        }
        onChange(); // markdownx inserted the image without an input event: count it, autosave it
        editor.focus();
        next();
      };
      prompt.dialog.showModal();
      prompt.input.focus();
    }

    box.addEventListener("markdownx.fileUploadEnd", function (event) {
      var response = (event.detail && event.detail[0]) || {};
      var code = response.image_code || "";
      var url = /^!\[\]\(([^)\s]+)\)/.exec(code);
      if (!url) return;
      queue.push({ code: code, url: url[1], width: response.width, height: response.height });
      next();
    });
  }

  // --- The editor bar, the preview and the shortcuts ---

  function setUpEditor(box, form) {
    var editor = box.querySelector("textarea[data-writing-editor]");
    var preview = box.querySelector(".markdownx-preview");
    if (!editor || !preview) return;
    var constants = JSON.parse(editor.getAttribute("data-reading-time"));

    var bar = element("div", "writing-bar");
    bar.setAttribute("role", "group");
    bar.setAttribute("aria-label", "Writing");
    var state = element("span", "writing-state");
    state.setAttribute("data-writing-state", "");
    var words = element("span", "writing-stat");
    words.setAttribute("data-word-count", "");
    var minutes = element("span", "writing-stat");
    minutes.setAttribute("data-reading-estimate", "");
    var missingAlt = element("span", "writing-warning");
    missingAlt.setAttribute("data-missing-alt", "");
    var autosave = element("span", "writing-autosave");
    autosave.setAttribute("data-autosave-status", "");
    autosave.setAttribute("role", "status");
    var previewToggle = button("Preview", "button writing-toggle");
    previewToggle.setAttribute("aria-pressed", "true");
    previewToggle.setAttribute("aria-keyshortcuts", MAC ? "Meta+Alt+P" : "Control+Alt+P");
    previewToggle.title = "Show or hide the preview (" + MOD + ALT + "P)";
    var keys = element("span", "writing-keys", MOD + "S saves · " + MOD + ALT + "P preview");
    bar.append(state, words, minutes, missingAlt, autosave, previewToggle, keys);
    box.parentNode.insertBefore(bar, box);

    function updateStats() {
      var stats = readingStats(editor.value, constants);
      words.textContent = stats.words.toLocaleString("en") + (stats.words === 1 ? " word" : " words");
      minutes.textContent = stats.minutes + " min read";
      var empty = (editor.value.match(/!\[\]\(/g) || []).length;
      missingAlt.textContent = empty ? empty + (empty === 1 ? " image needs" : " images need") + " alt text" : "";
      missingAlt.hidden = !empty;
    }

    // The preview follows the text: the same share of the way down.
    function followScroll() {
      var room = editor.scrollHeight - editor.clientHeight;
      var share = room > 0 ? editor.scrollTop / room : 0;
      preview.scrollTop = share * (preview.scrollHeight - preview.clientHeight);
    }

    function togglePreview() {
      var shown = box.classList.toggle("preview-hidden") === false;
      previewToggle.setAttribute("aria-pressed", String(shown));
      if (shown) followScroll();
    }

    editor.addEventListener("input", updateStats);
    editor.addEventListener("scroll", followScroll);
    box.addEventListener("markdownx.update", followScroll);
    previewToggle.addEventListener("click", togglePreview);
    setUpAltPrompt(box, editor, function () {
      updateStats();
      editor.dispatchEvent(new Event("input", { bubbles: true })); // markdownx re-renders, autosave notices
    });
    updateStats();

    document.addEventListener("keydown", function (event) {
      if (!(event.ctrlKey || event.metaKey)) return;
      if (event.code === "KeyS" && !event.altKey && !event.shiftKey) {
        event.preventDefault();
        var saveAndContinue = form.querySelector("input[name=_continue]");
        if (saveAndContinue) saveAndContinue.click();
      } else if (event.code === "KeyP" && event.altKey) {
        event.preventDefault();
        togglePreview();
      }
    });

    return { state: state, autosave: autosave, bar: bar };
  }

  function setUpState(form, mirror) {
    var shown = form.querySelector("[data-publishing-state]");
    if (!shown) return;
    var zone = shown.getAttribute("data-time-zone") || "";
    function update() {
      var words = stateInWords(form, zone);
      if (!words) return;
      shown.textContent = words;
      if (mirror) {
        mirror.textContent = words;
        mirror.className = "writing-state is-" + words.split(" ")[0].toLowerCase();
      }
    }
    form.addEventListener("input", update);
    form.addEventListener("change", update);
    // The admin's "Now" and calendar links set the fields without an event.
    form.addEventListener("click", function () { window.setTimeout(update, 0); });
    if (form.querySelector("select[name=status]")) update();
    else if (mirror) mirror.textContent = shown.textContent;
  }

  // "Save draft and copy preview link": save as a draft, stay on the page, then hand over the link.
  function setUpSaveAndShare(form, bar) {
    var adding = /\/add\/$/.test(window.location.pathname);
    var previewRow = form.querySelector(".field-preview_link");
    var status = form.querySelector("select[name=status]");
    var saveAndContinue = form.querySelector("input[name=_continue]");
    if (adding && previewRow && status && saveAndContinue && bar) {
      var share = button("Save draft and copy preview link", "button writing-share");
      bar.append(share);
      share.addEventListener("click", function () {
        status.value = "draft";
        window.sessionStorage.setItem(COPY_PREVIEW_FLAG, "1");
        saveAndContinue.click();
      });
    }
    if (!window.sessionStorage.getItem(COPY_PREVIEW_FLAG) || adding) return;
    window.sessionStorage.removeItem(COPY_PREVIEW_FLAG);
    var link = form.querySelector(".preview-url");
    if (!link) return;
    var note = element("p", "writing-shared");
    note.setAttribute("role", "status");
    form.insertBefore(note, form.firstElementChild.nextSibling);
    var url = link.value;
    function fallback() {
      link.focus();
      link.select();
      note.textContent = "Draft saved. Its preview link is selected below: press " + MOD + "C to copy it. " + url;
    }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(url).then(function () {
        note.textContent = "Draft saved, and its preview link is copied: " + url;
      }, fallback);
    } else {
      fallback();
    }
  }

  // --- The older helpers ---

  function setUpCopyButtons() {
    document.querySelectorAll("[data-copy-target]").forEach(function (copy) {
      var input = copy.parentNode.querySelector(copy.getAttribute("data-copy-target"));
      if (!input) return;
      copy.addEventListener("click", function () {
        input.select();
        var done = function () { copy.textContent = "Copied"; };
        if (navigator.clipboard) {
          navigator.clipboard.writeText(input.value).then(done, function () { copy.textContent = "Press Ctrl+C"; });
        } else {
          copy.textContent = "Press Ctrl+C";
        }
      });
    });
  }

  // markdownx inserts "Invalid response" into the text when an upload fails; show the server's reason instead.
  function setUpUploadErrors(box) {
    var editor = box.querySelector("textarea");
    var note = element("p", "errornote markdownx-upload-error");
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
  }

  document.addEventListener("DOMContentLoaded", function () {
    clearSavedDrafts();
    setUpCopyButtons();
    document.querySelectorAll(".markdownx").forEach(setUpUploadErrors);
    var box = document.querySelector(".markdownx");
    var form = box && box.closest("form");
    if (!form || !box.querySelector("[data-writing-editor]")) return;
    var parts = setUpEditor(box, form) || {};
    setUpState(form, parts.state);
    setUpAutosave(form, function (message) { if (parts.autosave) parts.autosave.textContent = message; });
    setUpSaveAndShare(form, parts.bar);
  });
})();
