// sitegen serve: live reload, injected into HTML pages by the preview server only.
(function () {
  "use strict";
  var script = document.currentScript;
  var serverId = script.getAttribute("data-server");
  var generation = script.getAttribute("data-generation");
  var scrollKey = "sitegen-scroll:" + location.pathname;
  var overlayId = "sitegen-error-overlay";

  // Land where the reader was after a reload.
  var saved = sessionStorage.getItem(scrollKey);
  if (saved !== null) {
    sessionStorage.removeItem(scrollKey);
    var y = parseInt(saved, 10);
    var restore = function () { window.scrollTo(0, y); };
    if (document.readyState === "complete") restore(); else window.addEventListener("load", restore);
  }

  function reload() {
    sessionStorage.setItem(scrollKey, String(window.scrollY));
    location.reload();
  }

  function swapStylesheets() {
    var links = document.querySelectorAll('link[rel="stylesheet"]');
    var stamp = Date.now();
    links.forEach(function (link) {
      var url = new URL(link.href, location.href);
      if (url.origin !== location.origin) return;
      url.searchParams.set("sitegen-reload", stamp);
      // Load the new sheet beside the old one, then drop the old: no flash of unstyled page.
      var fresh = link.cloneNode();
      fresh.href = url.href;
      fresh.addEventListener("load", function () { link.remove(); });
      fresh.addEventListener("error", function () { link.remove(); });
      link.after(fresh);
    });
  }

  function showErrors(problems) {
    var overlay = document.getElementById(overlayId);
    if (!overlay) {
      overlay = document.createElement("div");
      overlay.id = overlayId;
      overlay.setAttribute("role", "alert");
      overlay.style.cssText = "position:fixed;inset:0;z-index:2147483647;overflow:auto;" +
        "background:rgba(20,20,24,.94);color:#f4f4f5;font:15px/1.5 ui-monospace,Menlo,Consolas,monospace;" +
        "padding:2rem;box-sizing:border-box";
      document.body.appendChild(overlay);
    }
    overlay.textContent = "";
    var title = document.createElement("h2");
    title.textContent = "sitegen: the build failed (" + problems.length + " error" +
      (problems.length === 1 ? "" : "s") + "); the last good build is shown underneath";
    title.style.cssText = "margin:0 0 1rem;font-size:18px;color:#fca5a5";
    overlay.appendChild(title);
    var list = document.createElement("ul");
    list.style.cssText = "list-style:none;margin:0;padding:0";
    problems.forEach(function (p) {
      var item = document.createElement("li");
      item.className = "sitegen-error";
      item.style.cssText = "margin:0 0 .75rem;padding:.5rem .75rem;border-left:3px solid #f87171;background:#27272a";
      var where = document.createElement("strong");
      where.textContent = p.path + (p.line ? ":" + p.line : "");
      item.appendChild(where);
      item.appendChild(document.createTextNode(": " + p.message));
      list.appendChild(item);
    });
    overlay.appendChild(list);
    var hint = document.createElement("p");
    hint.textContent = "Fix the file and save: this page reloads by itself.";
    hint.style.cssText = "color:#a1a1aa";
    overlay.appendChild(hint);
  }

  function connect() {
    var source = new EventSource("/__sitegen/events");
    source.addEventListener("hello", function (event) {
      var state = JSON.parse(event.data);
      window.__sitegenLive = { connected: true, generation: state.generation };
      // A new server, or builds this page has not seen (e.g. while disconnected): catch up.
      if (state.server !== serverId || String(state.generation) !== generation) {
        if (state.errors.length) showErrors(state.errors); else reload();
      } else if (state.errors.length) {
        showErrors(state.errors);
      }
    });
    source.addEventListener("reload", reload);
    source.addEventListener("css", function (event) {
      generation = JSON.parse(event.data).generation.toString();
      swapStylesheets();
    });
    source.addEventListener("errors", function (event) {
      showErrors(JSON.parse(event.data).errors);
    });
    // EventSource reconnects by itself after an error, every `retry` milliseconds.
  }

  connect();
})();
