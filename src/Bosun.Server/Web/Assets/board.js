// "Show more" in a board column: fetches the column's next cards (server-rendered, from this origin) and puts them in
// place of the link, so a person stays on the board. Without this script the link opens those cards as a page.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-more]");
    if (!link || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
    event.preventDefault();
    if (link.dataset.loading) return;
    link.dataset.loading = "true";
    link.textContent = "Loading…";
    var row = link.parentElement;
    var url = link.href + (link.href.indexOf("?") < 0 ? "?" : "&") + "part=cards";
    fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.text();
      })
      .then(function (html) {
        var fetched = new DOMParser().parseFromString("<ol>" + html + "</ol>", "text/html").body.firstChild;
        var list = row.parentElement;
        Array.prototype.slice.call(fetched.children).forEach(function (card) {
          list.insertBefore(document.importNode(card, true), row);
        });
        row.remove();
      })
      .catch(function () {
        delete link.dataset.loading;
        link.textContent = "Show more (try again)";
      });
  });
})();
