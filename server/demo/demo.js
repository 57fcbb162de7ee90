"use strict";
// The article's front end, in plain JavaScript. The tokens are HttpOnly
// cookies, so nothing here reads, stores or sends them: the browser
// attaches them to same-origin requests by itself.
(function () {
  const body = document.body;
  const refreshMs = Number(body.dataset.refreshMs) || 600000;
  const byId = (id) => document.getElementById(id);
  let timer = null;

  function post(path, payload) {
    const init = { method: "POST", credentials: "same-origin", headers: {} };
    if (payload !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(payload);
    }
    return fetch(path, init);
  }

  function show(user, message) {
    byId("user").textContent = user || "";
    byId("signed-in").hidden = !user;
    byId("login").hidden = !!user;
    byId("status").textContent = message || "";
    body.dataset.state = user ? "signed-in" : "signed-out";
  }

  async function refresh() {
    let ok = false;
    try {
      ok = (await post("/auth/refresh")).ok;
    } catch (e) {
      ok = false;
    }
    if (!ok) {
      await logout("Signed out: the refresh failed.");
      return;
    }
    body.dataset.refreshes = String(Number(body.dataset.refreshes) + 1);
  }

  // setInterval(refresh, 10 * 60 * 1000) in the article.
  function startRefresh() {
    stopRefresh();
    timer = setInterval(refresh, refreshMs);
  }

  function stopRefresh() {
    if (timer !== null) {
      clearInterval(timer);
      timer = null;
    }
  }

  async function logout(message) {
    stopRefresh();
    try {
      await post("/auth/logout");
    } catch (e) {
      // The cookies may already be gone; the page signs out regardless.
    }
    show(null, message || "Signed out.");
  }

  byId("login").addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const username = byId("username").value;
    const res = await post("/auth/login", { username, password: byId("password").value });
    if (!res.ok) {
      show(null, "Sign-in failed (" + res.status + ").");
      return;
    }
    byId("password").value = "";
    show((await res.json()).user);
    startRefresh();
  });

  byId("logout").addEventListener("click", () => logout());

  (async () => {
    const res = await fetch("/api/me", { credentials: "same-origin" });
    if (res.ok) {
      show((await res.json()).user);
      startRefresh();
    } else {
      show(null);
    }
  })();
})();
