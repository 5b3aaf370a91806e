// The booking picker: a month view with the free days marked; picking a day shows its times.
// The page embeds every free slot as UTC instants (json_script "booking-slots"), so switching
// the time zone re-draws the picker in place, with no reload. Without JavaScript, the server's
// list inside #slots stays the picker, in whichever zone the visitor picks and submits.
(function () {
  "use strict";

  var LOCALE = "en-GB"; // the server's labels are English, 24-hour, day before month
  // Chromium still reports some zones by their old names; the list offers both, but people know the new ones.
  var RENAMED_ZONES = {
    "Asia/Calcutta": "Asia/Kolkata",
    "Asia/Katmandu": "Asia/Kathmandu",
    "Asia/Rangoon": "Asia/Yangon",
    "Asia/Saigon": "Asia/Ho_Chi_Minh",
    "Atlantic/Faeroe": "Atlantic/Faroe",
    "Europe/Kiev": "Europe/Kyiv",
    "America/Buenos_Aires": "America/Argentina/Buenos_Aires"
  };
  var CLOCK_KEY = "booking-clock";
  var formatters = {};

  function formatter(zone, options) {
    var key = zone + JSON.stringify(options);
    if (!formatters[key]) formatters[key] = new Intl.DateTimeFormat(LOCALE, Object.assign({ timeZone: zone }, options));
    return formatters[key];
  }

  // "2026-12-01": the calendar day an instant falls on in `zone`.
  function dayKey(date, zone) {
    var parts = {};
    formatter(zone, { year: "numeric", month: "2-digit", day: "2-digit" })
      .formatToParts(date)
      .forEach(function (part) { parts[part.type] = part.value; });
    return parts.year + "-" + parts.month + "-" + parts.day;
  }

  // Calendar arithmetic on plain days is done in UTC, where every day has 24 hours.
  function keyToDate(key) {
    var bits = key.split("-").map(Number);
    return new Date(Date.UTC(bits[0], bits[1] - 1, bits[2]));
  }

  function dateToKey(date) {
    return date.toISOString().slice(0, 10);
  }

  // "Tuesday 1 December" (and " 2026"), as the server writes it.
  function dayLabel(key, withYear) {
    var label = formatter("UTC", { weekday: "long", day: "numeric", month: "long" }).format(keyToDate(key));
    return withYear ? label + " " + key.slice(0, 4) : label;
  }

  function timeLabel(date, zone, hour12) {
    var options = hour12 ? { hour: "numeric", minute: "2-digit", hour12: true } : { hour: "2-digit", minute: "2-digit", hourCycle: "h23" };
    return formatter(zone, options).format(date);
  }

  // The visitor's own habit (9:00 am or 09:00) unless they picked one here before.
  function prefersTwelveHours() {
    try {
      var saved = window.localStorage.getItem(CLOCK_KEY);
      if (saved) return saved === "12h";
    } catch (error) { /* storage disabled */ }
    var cycle = new Intl.DateTimeFormat(undefined, { hour: "numeric" }).resolvedOptions().hourCycle;
    return cycle === "h12" || cycle === "h11";
  }

  // The server knows every zone in its tz database; a browser's may lack a new one.
  function browserKnows(zone) {
    try {
      formatter(zone, {});
      return true;
    } catch (error) {
      return false;
    }
  }

  function zoneName(zone) {
    return zone.replace(/_/g, " ");
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function initPicker() {
    var dataNode = document.getElementById("booking-slots");
    var form = document.querySelector("[data-booking-form]");
    var tzForm = document.querySelector("[data-tz-form]");
    var fallback = form && form.querySelector("[data-slot-fallback]");
    if (!dataNode || !form || !tzForm || !fallback) return;
    var slots = JSON.parse(dataNode.textContent).map(function (slot) {
      return { value: slot.start, start: new Date(slot.start), end: new Date(slot.end) };
    });
    if (!slots.length) return; // the server's "no times are open" note stays

    var select = tzForm.querySelector("select[name=tz]");
    var zoneInput = form.querySelector("input[name=tz]");
    var zoneLabel = form.querySelector("[data-zone-label]");
    var details = document.getElementById("booking-details");
    var summary = form.querySelector("[data-booking-summary]");
    var summaryEmpty = form.querySelector("[data-summary-empty]");
    var summaryWhen = form.querySelector("[data-summary-when]");
    var checked = fallback.querySelector("input[name=slot]:checked");
    var known = {};
    Array.prototype.forEach.call(select.options, function (option) { known[option.value] = true; });

    var state = {
      zone: select.value || "UTC",
      selected: checked ? checked.value : "",
      day: "",
      month: "",
      hour12: prefersTwelveHours()
    };
    // First visit: show the browser's own zone (a zone in the address is the visitor's explicit choice).
    if (!new URLSearchParams(window.location.search).has("tz")) {
      try {
        var browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
        if (known[RENAMED_ZONES[browserZone]]) browserZone = RENAMED_ZONES[browserZone];
        if (known[browserZone]) state.zone = browserZone;
      } catch (error) { /* keep the server's zone */ }
    }

    // A zone this browser can't show: keep the server's list, in the zone the server rendered.
    if (!browserKnows(state.zone)) return;

    // The chosen slot travels in one hidden field, so browsing other days never loses it.
    var slotInput = element("input");
    slotInput.type = "hidden";
    slotInput.name = "slot";
    slotInput.value = state.selected;

    var picker = element("div", "picker");
    picker.setAttribute("data-picker", "");
    var month = element("div", "picker-month");
    var head = element("div", "picker-month-head");
    var previous = element("button", "picker-nav");
    previous.type = "button";
    previous.setAttribute("aria-label", "Previous month");
    previous.textContent = "‹";
    var next = element("button", "picker-nav");
    next.type = "button";
    next.setAttribute("aria-label", "Next month");
    next.textContent = "›";
    var title = element("p", "picker-month-title");
    title.id = "picker-month-title";
    title.setAttribute("aria-live", "polite");
    head.append(title, previous, next);
    var grid = element("table", "picker-grid");
    grid.setAttribute("aria-labelledby", "picker-month-title");
    month.append(head, grid);
    var times = element("fieldset", "picker-times");
    var clock = element("div", "picker-clock");
    clock.setAttribute("role", "group");
    clock.setAttribute("aria-label", "Time format");
    // Named "12h clock" and "24h clock": the visible text starts the accessible name, as it should.
    var twelve = element("button", "", "12h");
    twelve.type = "button";
    twelve.append(element("span", "visually-hidden", " clock"));
    var twentyFour = element("button", "", "24h");
    twentyFour.type = "button";
    twentyFour.append(element("span", "visually-hidden", " clock"));
    clock.append(twelve, twentyFour);
    picker.append(month, times);
    fallback.replaceWith(picker);
    form.append(slotInput);
    summary.hidden = false;
    // The zone applies as it changes, so its button gives way to the clock format, which sits with it.
    tzForm.querySelector("[data-tz-submit]").hidden = true;
    tzForm.querySelector(".tz-row").append(clock);

    var byDay; // day key -> slots, in the current zone
    var months; // "2026-12" keys that have a free day, in order

    function group() {
      byDay = {};
      months = [];
      slots.forEach(function (slot) {
        var key = dayKey(slot.start, state.zone);
        (byDay[key] = byDay[key] || []).push(slot);
        var monthKey = key.slice(0, 7);
        if (months.indexOf(monthKey) === -1) months.push(monthKey);
      });
    }

    function selectedSlot() {
      return slots.filter(function (slot) { return slot.value === state.selected; })[0];
    }

    function drawMonth() {
      var bits = state.month.split("-").map(Number);
      var first = new Date(Date.UTC(bits[0], bits[1] - 1, 1));
      var length = new Date(Date.UTC(bits[0], bits[1], 0)).getUTCDate();
      var offset = (first.getUTCDay() + 6) % 7; // weeks start on Monday
      var today = dayKey(new Date(), state.zone);
      title.textContent = formatter("UTC", { month: "long", year: "numeric" }).format(first);
      var index = months.indexOf(state.month);
      previous.disabled = index <= 0;
      next.disabled = index >= months.length - 1;

      grid.textContent = "";
      var headRow = element("tr");
      ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"].forEach(function (name) {
        var cell = element("th");
        cell.scope = "col";
        var abbr = element("abbr", "", name.slice(0, 3));
        abbr.title = name;
        cell.append(abbr);
        headRow.append(cell);
      });
      var thead = element("thead");
      thead.append(headRow);
      var body = element("tbody");
      var row;
      for (var cellIndex = 0; cellIndex < offset + length; cellIndex++) {
        if (cellIndex % 7 === 0) {
          row = element("tr");
          body.append(row);
        }
        var cell = element("td");
        row.append(cell);
        if (cellIndex < offset) continue;
        var number = cellIndex - offset + 1;
        var key = state.month + "-" + (number < 10 ? "0" : "") + number;
        var free = byDay[key];
        var mark;
        if (free) {
          mark = element("button", "picker-day");
          mark.type = "button";
          mark.setAttribute("data-day", key);
          mark.setAttribute("aria-pressed", String(key === state.day));
          var count = free.length + (free.length === 1 ? " free time" : " free times");
          mark.setAttribute("aria-label", dayLabel(key) + ", " + count);
          mark.tabIndex = key === state.day ? 0 : -1;
        } else {
          mark = element("span", "picker-day picker-day-off");
        }
        mark.append(element("span", "picker-day-number", String(number)));
        if (key === today) mark.setAttribute("aria-current", "date");
        cell.append(mark);
      }
      grid.append(thead, body);
      // One tab stop in the grid (arrow keys move within it): the chosen day, or the month's first free one.
      if (!grid.querySelector(".picker-day[tabindex='0']")) {
        var firstFree = grid.querySelector("button.picker-day");
        if (firstFree) firstFree.tabIndex = 0;
      }
    }

    function range(slot) {
      return timeLabel(slot.start, state.zone, state.hour12) + "–" + timeLabel(slot.end, state.zone, state.hour12);
    }

    function drawTimes() {
      times.textContent = "";
      var legend = element("legend", "picker-times-title", dayLabel(state.day));
      var list = element("ul", "picker-slots");
      (byDay[state.day] || []).forEach(function (slot) {
        var item = element("li");
        var radio = element("input");
        radio.type = "radio";
        radio.name = "picker-slot"; // the form sends the hidden "slot" field instead
        radio.id = "pick-" + slot.value.replace(/[^0-9]/g, "");
        radio.value = slot.value;
        radio.checked = slot.value === state.selected;
        var label = element("label");
        label.htmlFor = radio.id;
        var time = element("time", "", range(slot));
        time.dateTime = slot.value;
        label.append(time);
        item.append(radio, label);
        list.append(item);
      });
      times.append(legend, list);
    }

    function drawSummary() {
      var slot = selectedSlot();
      summaryEmpty.hidden = Boolean(slot);
      summaryWhen.hidden = !slot;
      summary.classList.toggle("is-chosen", Boolean(slot));
      if (!slot) return;
      var minutes = Math.round((slot.end - slot.start) / 60000);
      summaryWhen.textContent = "";
      // Spaces between the lines, so a screen reader doesn't run "2026" into "15:00".
      summaryWhen.append(
        element("strong", "booking-summary-day", dayLabel(dayKey(slot.start, state.zone), true)),
        " ",
        element("span", "booking-summary-time", range(slot) + " · " + minutes + " min"),
        " ",
        element("span", "booking-summary-zone", zoneName(state.zone) + " time")
      );
    }

    function draw() {
      twelve.setAttribute("aria-pressed", String(state.hour12));
      twentyFour.setAttribute("aria-pressed", String(!state.hour12));
      drawMonth();
      drawTimes();
      drawSummary();
    }

    function useClock(hour12) {
      state.hour12 = hour12;
      try {
        window.localStorage.setItem(CLOCK_KEY, hour12 ? "12h" : "24h");
      } catch (error) { /* remembered for this page only */ }
      draw();
    }

    twelve.addEventListener("click", function () { useClock(true); });
    twentyFour.addEventListener("click", function () { useClock(false); });

    function showDay(key) {
      state.day = key;
      state.month = key.slice(0, 7);
      draw();
    }

    function applyZone(zone) {
      state.zone = known[zone] ? zone : "UTC";
      select.value = state.zone;
      zoneInput.value = state.zone;
      zoneLabel.textContent = "Times in " + state.zone;
      var action = new URL(form.action, window.location.href);
      action.searchParams.set("tz", state.zone);
      form.action = action.pathname + action.search;
      var address = new URL(window.location.href);
      address.searchParams.set("tz", state.zone);
      window.history.replaceState(null, "", address.pathname + address.search + address.hash);
      group();
      // Keep the chosen slot in view; otherwise the day shown stays, if it still has free times.
      var slot = selectedSlot();
      var day = slot ? dayKey(slot.start, state.zone) : byDay[state.day] ? state.day : Object.keys(byDay)[0];
      showDay(day);
    }

    previous.addEventListener("click", function () { moveMonth(-1); });
    next.addEventListener("click", function () { moveMonth(1); });

    function moveMonth(step) {
      var index = months.indexOf(state.month) + step;
      if (index < 0 || index >= months.length) return;
      state.month = months[index];
      drawMonth();
    }

    grid.addEventListener("click", function (event) {
      var button = event.target.closest("button[data-day]");
      if (!button) return;
      showDay(button.getAttribute("data-day"));
      grid.querySelector("[data-day='" + state.day + "']").focus();
    });

    // Arrow keys move between the free days, as in a date picker; Enter or Space picks one.
    grid.addEventListener("keydown", function (event) {
      var steps = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -7, ArrowDown: 7 };
      var button = event.target.closest("button[data-day]");
      if (!button || !(event.key in steps)) return;
      event.preventDefault();
      var days = Object.keys(byDay).sort();
      var from = button.getAttribute("data-day");
      var target = dateToKey(new Date(keyToDate(from).getTime() + steps[event.key] * 86400000));
      if (!byDay[target]) {
        // No free slot that day: go to the nearest free day in that direction.
        var later = steps[event.key] > 0;
        var candidates = days.filter(function (key) { return later ? key > from : key < from; });
        target = later ? candidates[0] : candidates[candidates.length - 1];
      }
      if (!target) return;
      if (target.slice(0, 7) !== state.month) {
        state.month = target.slice(0, 7);
        drawMonth();
      }
      grid.querySelectorAll("button[data-day]").forEach(function (day) { day.tabIndex = -1; });
      var targetButton = grid.querySelector("[data-day='" + target + "']");
      targetButton.tabIndex = 0;
      targetButton.focus();
    });

    var pointerChoice = false;
    times.addEventListener("pointerdown", function () { pointerChoice = true; });
    times.addEventListener("keydown", function () { pointerChoice = false; });
    times.addEventListener("change", function (event) {
      if (event.target.name !== "picker-slot") return;
      state.selected = event.target.value;
      slotInput.value = state.selected;
      drawSummary();
      // On a phone the form sits below the picker: bring it up, so the next step is in view.
      if (pointerChoice && details && window.matchMedia("(max-width: 1099px)").matches) {
        var smooth = !window.matchMedia("(prefers-reduced-motion: reduce)").matches;
        details.scrollIntoView({ behavior: smooth ? "smooth" : "auto", block: "start" });
      }
      pointerChoice = false;
    });

    function changeZone(event) {
      if (!browserKnows(select.value)) return; // the form goes to the server, which shows that zone
      if (event.type === "submit") event.preventDefault();
      applyZone(select.value);
    }
    select.addEventListener("change", function (event) {
      if (browserKnows(select.value)) changeZone(event);
      else tzForm.submit();
    });
    tzForm.addEventListener("submit", changeZone);

    applyZone(state.zone);
  }

  document.addEventListener("DOMContentLoaded", initPicker);
})();
