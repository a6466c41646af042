/* CrisisDesk page behaviour without a framework: SLA clocks that count down, and menus that
   close on Escape or a click elsewhere. No inline scripts: the page CSP forbids them. */
(function () {
  "use strict";

  var body = document.body;

  function pad(n) { return n < 10 ? "0" + n : String(n); }

  // H:MM:SS with unbounded hours: the same text incidents/presentation.py renders.
  function durationText(seconds) {
    seconds = Math.floor(Math.abs(seconds));
    var hours = Math.floor(seconds / 3600);
    var minutes = Math.floor((seconds % 3600) / 60);
    return hours + ":" + pad(minutes) + ":" + pad(seconds % 60);
  }

  function tickClocks() {
    var now = Date.now();
    var overdue = body.dataset.textOverdue || "overdue";
    var clocks = document.querySelectorAll(".clock[data-due]");
    for (var i = 0; i < clocks.length; i++) {
      var clock = clocks[i];
      var due = Date.parse(clock.dataset.due);
      if (isNaN(due)) { continue; }
      var remaining = (due - now) / 1000;
      var value = clock.querySelector("[data-clock-value]");
      if (!value) { continue; }
      var text = durationText(remaining);
      if (remaining < 0) {
        text = overdue + " " + text;
        if (!clock.classList.contains("clock--breached")) {
          clock.classList.remove("clock--pending");
          clock.classList.add("clock--breached");
        }
      }
      if (value.textContent !== text) { value.textContent = text; }
    }
  }

  tickClocks();
  window.setInterval(tickClocks, 1000);

  function closeMenus(except) {
    var menus = document.querySelectorAll("details[data-menu][open]");
    for (var i = 0; i < menus.length; i++) {
      if (menus[i] !== except) { menus[i].removeAttribute("open"); }
    }
  }

  document.addEventListener("click", function (event) {
    var inside = event.target.closest ? event.target.closest("details[data-menu]") : null;
    closeMenus(inside);
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var open = document.querySelector("details[data-menu][open]");
    if (open) {
      open.removeAttribute("open");
      var summary = open.querySelector("summary");
      if (summary) { summary.focus(); }
    }
  });

  // Disclosure buttons of the top bar: "Menu" folds the navigation on a phone, "Set-up"
  // holds the set-up pages on a wide screen. Both stay hidden (everything listed) without JS.
  function disclosure(button, panel) {
    button.hidden = false;
    button.setAttribute("aria-expanded", "false");
    button.addEventListener("click", function () {
      var open = button.getAttribute("aria-expanded") !== "true";
      button.setAttribute("aria-expanded", open ? "true" : "false");
      if (open && panel) {
        var first = panel.querySelector("a, button:not([hidden]), summary");
        if (first && button.dataset.navmoreButton !== undefined) { first.focus(); }
      }
    });
  }

  var navToggle = document.querySelector("[data-nav-toggle]");
  if (navToggle) { disclosure(navToggle, document.getElementById(navToggle.getAttribute("aria-controls"))); }
  var navMore = document.querySelector("[data-navmore-button]");
  if (navMore) {
    var morePanel = document.getElementById(navMore.getAttribute("aria-controls"));
    disclosure(navMore, morePanel);
    // Close the set-up menu on a click elsewhere or on Escape, like the other menus.
    document.addEventListener("click", function (event) {
      if (!event.target.closest || !event.target.closest("[data-navmore]")) {
        navMore.setAttribute("aria-expanded", "false");
      }
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && navMore.getAttribute("aria-expanded") === "true") {
        navMore.setAttribute("aria-expanded", "false");
        navMore.focus();
      }
    });
  }

  // Dialogs: a button's data-dialog names the <dialog> it opens (the incident room's forms);
  // a dialog marked data-open (its form came back with an error) opens at once.
  document.addEventListener("click", function (event) {
    var opener = event.target.closest ? event.target.closest("[data-dialog]") : null;
    if (opener) {
      var dialog = document.getElementById(opener.dataset.dialog);
      if (dialog && dialog.showModal && !dialog.open) { dialog.showModal(); }
      return;
    }
    var closer = event.target.closest ? event.target.closest("[data-dialog-close]") : null;
    if (closer) {
      var own = closer.closest("dialog");
      if (own) { own.close(); }
    }
  });
  var openDialog = document.querySelector("dialog[data-open]");
  if (openDialog && openDialog.showModal) { openDialog.showModal(); }

  // Timeline filters: each button lists kinds (or kind prefixes ending in "_"); entries of
  // other kinds are hidden, live ones too (re-applied after every swap).
  var timelineFilters = document.querySelector("[data-timeline-filters]");
  function kindMatches(kind, wanted) {
    for (var i = 0; i < wanted.length; i++) {
      var w = wanted[i];
      if (w.charAt(w.length - 1) === "_" ? kind.indexOf(w) === 0 : kind === w) { return true; }
    }
    return false;
  }
  function applyTimelineFilter() {
    var timeline = document.getElementById("timeline");
    if (!timelineFilters || !timeline) { return; }
    var pressed = timelineFilters.querySelector("[aria-pressed='true']");
    var wanted = pressed && pressed.dataset.timelineFilter ? pressed.dataset.timelineFilter.split(" ") : [];
    var events = timeline.querySelectorAll("[data-kind]");
    var shown = 0;
    for (var i = 0; i < events.length; i++) {
      var show = !wanted.length || kindMatches(events[i].dataset.kind, wanted);
      events[i].hidden = !show;
      if (show) { shown++; }
    }
    var empty = document.querySelector("[data-timeline-empty]");
    if (empty) { empty.hidden = shown > 0; }
  }
  if (timelineFilters) {
    timelineFilters.hidden = false;
    timelineFilters.addEventListener("click", function (event) {
      var button = event.target.closest ? event.target.closest("[data-timeline-filter]") : null;
      if (!button) { return; }
      var buttons = timelineFilters.querySelectorAll("[data-timeline-filter]");
      for (var i = 0; i < buttons.length; i++) {
        buttons[i].setAttribute("aria-pressed", buttons[i] === button ? "true" : "false");
      }
      applyTimelineFilter();
    });
    document.body.addEventListener("htmx:afterSettle", applyTimelineFilter);
  }

  // A table or chart that scrolls sideways inside its card can be reached and scrolled with
  // the keyboard (a focusable region), and only then.
  function focusableScrollers() {
    var scrollers = document.querySelectorAll(".table-wrap, .chart__scroll");
    for (var i = 0; i < scrollers.length; i++) {
      var el = scrollers[i];
      if (el.scrollWidth > el.clientWidth + 1) {
        el.setAttribute("tabindex", "0");
      } else {
        el.removeAttribute("tabindex");
      }
    }
  }
  focusableScrollers();
  window.addEventListener("resize", focusableScrollers);
  document.body.addEventListener("htmx:afterSettle", focusableScrollers);

  // Filter panels start open on a wide screen and folded on a phone, where they would fill
  // the first screen.
  if (window.matchMedia && window.matchMedia("(min-width: 48rem)").matches) {
    var wide = document.querySelectorAll("details[data-open-wide]");
    for (var w = 0; w < wide.length; w++) { wide[w].setAttribute("open", ""); }
  }

  // Copy buttons: data-copy names the element whose text is copied.
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button[data-copy]") : null;
    if (!button) { return; }
    var source = document.querySelector(button.dataset.copy);
    if (!source) { return; }
    var text = source.textContent.trim();
    function done() { button.textContent = button.dataset.copied || button.textContent; }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(done, function () { selectText(source); });
    } else {
      selectText(source);
    }
  });

  function selectText(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }

  window.CrisisDesk = window.CrisisDesk || {};
  window.CrisisDesk.tickClocks = tickClocks;
})();
