/* The public statement page follows itself: it polls its live.json (same origin, no cookie)
   every POLL seconds while the tab is visible and redraws the status and the statements when
   they changed. The browser revalidates with the ETag (cache: "no-cache"), so an unchanged
   page costs a 304. Text only (textContent): nothing from the server is parsed as HTML.
   Alike live.js's opening on purpose: its own data- address and browser API (fetch, not WebSocket). */
(function () {
  "use strict";

  var POLL = 10000;
  var body = document.body;
  var url = body.dataset.liveUrl;
  if (!url || !window.fetch) { return; }
  var list = document.getElementById("statements");
  var words = document.querySelector("[data-status-words]");
  var status = document.querySelector("[data-status]");
  var shown = null;  // the last JSON drawn, as text
  var delay = POLL;

  function paragraphs(text) {
    var box = document.createElement("div");
    box.className = "statement__body";
    text.split(/\n{2,}/).forEach(function (chunk) {
      var p = document.createElement("p");
      chunk.split("\n").forEach(function (line, i) {
        if (i) { p.appendChild(document.createElement("br")); }
        p.appendChild(document.createTextNode(line));
      });
      box.appendChild(p);
    });
    return box;
  }

  function draw(data) {
    if (words) { words.textContent = data.status_words; }
    if (status) { status.dataset.status = data.status; }
    while (list.firstChild) { list.removeChild(list.firstChild); }
    if (!data.statements.length) {
      var empty = document.createElement("p");
      empty.className = "public__empty";
      empty.textContent = body.dataset.textEmpty || "";
      list.appendChild(empty);
      return;
    }
    data.statements.forEach(function (statement) {
      var article = document.createElement("article");
      article.className = "public__card statement";
      article.id = "statement-" + statement.id;
      var when = document.createElement("p");
      when.className = "statement__time";
      var time = document.createElement("time");
      if (statement.published_at) { time.setAttribute("datetime", statement.published_at); }
      time.textContent = statement.time;
      when.appendChild(time);
      article.appendChild(when);
      article.appendChild(paragraphs(statement.body));
      list.appendChild(article);
    });
  }

  function poll() {
    if (document.hidden) { window.setTimeout(poll, POLL); return; }
    fetch(url, { cache: "no-cache", credentials: "omit", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.status === 404) { return null; }  // withdrawn: stop
        if (response.status === 429) {
          delay = Math.min(delay * 2, 120000);
          return undefined;
        }
        delay = POLL;
        return response.ok ? response.text() : undefined;
      })
      .then(function (text) {
        if (text === null) { return "stop"; }
        if (text && text !== shown) {
          draw(JSON.parse(text));
          shown = text;
        }
        return undefined;
      })
      .catch(function () { /* offline: try again later */ })
      .then(function (stop) { if (stop !== "stop") { window.setTimeout(poll, delay); } });
  }

  poll();
})();
