// Live activity: listens to the page's event stream and puts each new entry at the top of the feed.
// Entries are built with DOM calls and textContent only, so nothing from the server is parsed as HTML.
(function () {
  "use strict";
  var feed = document.getElementById("feed");
  var state = document.getElementById("live-state");
  if (!feed || !window.EventSource) {
    if (state) state.textContent = "live updates unavailable";
    return;
  }

  var url = feed.dataset.stream;
  var after = feed.dataset.after;
  var source = new EventSource(after ? url + "?after=" + encodeURIComponent(after) : url);

  function time(iso) {
    var d = new Date(iso);
    var pad = function (n) { return String(n).padStart(2, "0"); };
    return d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate()) + " " +
      pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes()) + " UTC";
  }

  function entry(e) {
    var li = document.createElement("li");
    li.dataset.id = e.id;
    li.className = "fresh";
    var t = document.createElement("time");
    t.dateTime = e.at;
    t.textContent = time(e.at);
    var actor = document.createElement("span");
    actor.className = "actor";
    actor.textContent = e.actor_name;
    var action = document.createElement("span");
    action.className = "action";
    action.textContent = e.text;
    li.append(t, " ", actor, " ", action);
    if (!e.subject) return li;
    var subject;
    if (e.link && e.link.charAt(0) === "/" && e.link.charAt(1) !== "/") {
      subject = document.createElement("a");
      subject.href = e.link;
    } else {
      subject = document.createElement("span");
    }
    subject.textContent = e.subject;
    li.append(" ", subject);
    return li;
  }

  source.addEventListener("open", function () { state.textContent = "live"; state.className = "live on"; });
  source.addEventListener("error", function () { state.textContent = "reconnecting…"; state.className = "live"; });
  source.addEventListener("activity", function (message) {
    var e = JSON.parse(message.data);
    if (feed.querySelector('[data-id="' + CSS.escape(e.id) + '"]')) return;
    var empty = document.getElementById("feed-empty");
    if (empty) empty.remove();
    feed.insertBefore(entry(e), feed.firstChild);
    while (feed.children.length > 500) feed.removeChild(feed.lastChild);
  });
})();
