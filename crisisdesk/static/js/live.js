/* The live feed: one WebSocket per page to /ws/v1/orgs/<slug>/ (same origin, session cookie).

   - remembers the last event id seen; after a reconnect (with backoff) it asks the server
     for {"action": "replay", "since": last}, so nothing is lost while offline;
   - on the board, re-fetches the changed incident's row with htmx, or inserts a new one;
   - in the incident room, appends the new timeline entries and refreshes the header;
   - elsewhere, re-fetches the sections marked data-live-reload.
   Messages: {"type": "hello"}, {"type": "incident.event", "incident": id, "event": {id, …}},
   {"type": "replay.done"}. */
(function () {
  "use strict";

  var body = document.body;
  var path = body.dataset.wsUrl;
  if (!path || !window.WebSocket) { return; }

  var board = document.querySelector("[data-live-board]");
  var timeline = document.querySelector("[data-live-timeline]");
  var status = document.querySelector("[data-live-status]");
  var reloadables = document.querySelectorAll("[data-live-reload]");

  // What the page already shows: events up to this id are rendered.
  var last = 0;
  [board, timeline].forEach(function (el) {
    if (el) { last = Math.max(last, Number(el.dataset.lastEvent || 0)); }
  });

  var socket = null;
  var attempt = 0;
  var replaying = false;
  var replayed = {};  // incident ids touched during a replay, refreshed once at replay.done

  // Every fetch of this file goes through one queue: htmx keeps one request per source
  // element and silently drops the older of two queued ones, so concurrent htmx.ajax calls
  // could lose an update. Serialised, each one runs.
  var queue = Promise.resolve();

  function fetchInto(url, target, swap, select) {
    var run = function () {
      if (!target.isConnected) { return null; }
      var options = { source: target, target: target, swap: swap };
      if (select) { options.select = select; }
      return htmx.ajax("GET", url, options);
    };
    queue = queue.then(run, run);
    return queue;
  }

  function setStatus(live) {
    if (!status) { return; }
    status.hidden = false;
    status.textContent = live ? (body.dataset.textLive || "Live") : (body.dataset.textOffline || "…");
    status.classList.toggle("is-live", live);
    status.classList.toggle("is-offline", !live);
    body.dataset.live = live ? "1" : "0";
  }

  // --- Board: one row per incident, fetched by htmx; one request per incident at a time. ---
  var rowBusy = {};
  var rowDirty = {};

  function rowUrl(id) {
    var url = board.dataset.rowUrl.replace("__id__", String(id));
    var query = board.dataset.query;
    return query ? url + "?" + query : url;
  }

  function updateBoardCount() {
    var rows = board.querySelectorAll("tbody tr").length;
    var counter = document.querySelector("[data-board-count]");
    if (counter) { counter.textContent = String(rows); }
    var empty = document.querySelector("[data-board-empty]");
    if (empty) { empty.hidden = rows > 0; }
  }

  // The board's order (incidents/views.py BOARD_ORDER): severity, then the newest first. A
  // new row, or a row whose severity changed, moves to its place.
  function placeRow(row) {
    var tbody = row.parentNode;
    if (!tbody) { return; }
    var severity = row.dataset.severity || "";
    var id = Number(row.dataset.incidentId);
    var rows = tbody.querySelectorAll("tr[data-incident-id]");
    var before = null;
    for (var i = 0; i < rows.length; i++) {
      var other = rows[i];
      if (other === row) { continue; }
      var otherSeverity = other.dataset.severity || "";
      if (otherSeverity > severity || (otherSeverity === severity && Number(other.dataset.incidentId) < id)) {
        before = other;
        break;
      }
    }
    tbody.insertBefore(row, before);
  }

  function refreshRow(id) {
    if (rowBusy[id]) { rowDirty[id] = true; return; }
    rowBusy[id] = true;
    var existing = document.getElementById("incident-" + id);
    var request = existing
      ? fetchInto(rowUrl(id), existing, "outerHTML")
      : fetchInto(rowUrl(id), board.querySelector("tbody"), "afterbegin");
    Promise.resolve(request).then(function () {
      var row = document.getElementById("incident-" + id);
      if (row) { placeRow(row); row.classList.add("is-fresh"); }
    }).catch(function () {}).then(function () {
      rowBusy[id] = false;
      updateBoardCount();
      if (window.CrisisDesk && window.CrisisDesk.tickClocks) { window.CrisisDesk.tickClocks(); }
      if (rowDirty[id]) { rowDirty[id] = false; refreshRow(id); }
    });
  }

  // --- Room: entries after the newest shown, one request at a time, newest first. ---
  var timelineBusy = false;
  var timelineDirty = false;

  function newestShown() {
    var first = timeline.querySelector("[data-event-id]");
    return first ? Number(first.dataset.eventId) : 0;
  }

  function refreshTimeline() {
    if (timelineBusy) { timelineDirty = true; return; }
    timelineBusy = true;
    var url = timeline.dataset.timelineUrl + "?since=" + newestShown();
    Promise.resolve(fetchInto(url, timeline, "afterbegin"))
      .catch(function () {})
      .then(function () {
        timelineBusy = false;
        if (timelineDirty) { timelineDirty = false; refreshTimeline(); }
      });
  }

  var headerBusy = false;
  var headerDirty = false;

  function refreshHeader() {
    var header = document.getElementById("incident-header");
    if (!header) { return; }
    if (headerBusy) { headerDirty = true; return; }
    headerBusy = true;
    Promise.resolve(fetchInto(header.dataset.headerUrl, header, "outerHTML"))
      .catch(function () {})
      .then(function () {
        headerBusy = false;
        if (window.CrisisDesk && window.CrisisDesk.tickClocks) { window.CrisisDesk.tickClocks(); }
        if (headerDirty) { headerDirty = false; refreshHeader(); }
      });
  }

  // --- Room sections (tasks, responses): re-fetched, but never under the user's hands. ---
  var sectionBusy = {};
  var sectionDirty = {};

  function refreshSection(id) {
    var el = document.getElementById(id);
    if (!el || !el.dataset.sectionUrl) { return; }
    if (sectionBusy[id] || el.contains(document.activeElement)) {
      sectionDirty[id] = true;
      return;
    }
    sectionBusy[id] = true;
    Promise.resolve(fetchInto(el.dataset.sectionUrl, el, "outerHTML"))
      .catch(function () {})
      .then(function () {
        sectionBusy[id] = false;
        if (sectionDirty[id]) { sectionDirty[id] = false; refreshSection(id); }
      });
  }

  function refreshSections() {
    var sections = document.querySelectorAll("[data-live-section]");
    for (var i = 0; i < sections.length; i++) {
      if (sections[i].id) { refreshSection(sections[i].id); }
    }
  }

  // A section skipped while focused catches up once the focus leaves it: the focus has left
  // when, after the event, the active element is no longer inside the section. `dirty` holds
  // the skipped sections' ids; `refresh(section)` re-fetches.
  function catchUpOnFocusOut(selector, dirty, refresh) {
    document.addEventListener("focusout", function (event) {
      var section = event.target.closest ? event.target.closest(selector) : null;
      if (section && dirty[section.id]) {
        window.setTimeout(function () {
          if (!section.contains(document.activeElement)) {
            dirty[section.id] = false;
            refresh(section);
          }
        }, 0);
      }
    });
  }

  catchUpOnFocusOut("[data-live-section]", sectionDirty, function (section) {
    refreshSection(section.id);
  });

  // --- Other pages: re-fetch marked sections, at most once a second; a section the user is
  // typing in (the portal's "what should change?") waits until the focus leaves it. ---
  var reloadTimer = null;
  var reloadDirty = {};

  function reloadSections() {
    if (reloadTimer) { return; }
    reloadTimer = window.setTimeout(function () {
      reloadTimer = null;
      for (var i = 0; i < reloadables.length; i++) {
        var el = reloadables[i];
        if (!el.id) { continue; }
        if (el.contains(document.activeElement) && document.activeElement !== document.body) {
          reloadDirty[el.id] = true;
          continue;
        }
        fetchInto(window.location.href, el, "outerHTML", "#" + el.id);
      }
      reloadables = document.querySelectorAll("[data-live-reload]");
    }, 1000);
  }

  catchUpOnFocusOut("[data-live-reload]", reloadDirty, reloadSections);

  function apply(incidentId) {
    if (board) { refreshRow(incidentId); }
    if (timeline && Number(timeline.dataset.incidentId) === incidentId) {
      refreshTimeline();
      refreshHeader();
      refreshSections();
    }
    if (reloadables.length) { reloadSections(); }
  }

  function onMessage(message) {
    if (message.type === "hello") {
      setStatus(true);
      if (attempt > 0 || last > 0) {
        replaying = true;
        replayed = {};
        socket.send(JSON.stringify({ action: "replay", since: last }));
      }
      attempt = 0;
      return;
    }
    if (message.type === "replay.done") {
      replaying = false;
      Object.keys(replayed).forEach(function (id) { apply(Number(id)); });
      replayed = {};
      return;
    }
    if (message.type !== "incident.event" || !message.event) { return; }
    var id = Number(message.event.id);
    if (id <= last && !replaying) { return; }  // already on the page
    last = Math.max(last, id);
    body.dataset.lastEvent = String(last);
    if (replaying) { replayed[message.incident] = true; return; }
    apply(Number(message.incident));
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + window.location.host + path);
    socket.onmessage = function (event) {
      try { onMessage(JSON.parse(event.data)); } catch (e) { /* a bad frame is ignored */ }
    };
    socket.onclose = function (event) {
      setStatus(false);
      // 4401/4404: signed out or not a member any more; reconnecting cannot help.
      if (event.code === 4401 || event.code === 4404) { return; }
      attempt += 1;
      var delay = Math.min(30000, 1000 * Math.pow(2, Math.min(attempt - 1, 5)));
      window.setTimeout(connect, delay * (0.75 + Math.random() * 0.5));
    };
  }

  connect();
})();
