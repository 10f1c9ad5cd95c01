// Sign-in: checks the token with GET /api/v1/session, keeps it (this tab
// only, or this device when asked) and opens the page the role works on,
// or the page that sent the user here.
"use strict";

(function () {
  const form = document.getElementById("signin-form");
  const error = document.getElementById("signin-error");
  const next = new URLSearchParams(location.search).get("next");
  // Only a path of this site: never an address elsewhere.
  const safeNext = next && /^\/(?!\/)/.test(next) && !next.startsWith("/signin") ? next : null;

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const token = document.getElementById("signin-token").value.trim();
    const remember = document.getElementById("signin-remember").checked;
    error.textContent = "";
    try {
      const session = await Ruyi.api("/api/v1/session", { token, signingIn: true });
      Ruyi.signIn(token, session, remember);
      location.replace(safeNext || Ruyi.home(session));
    } catch (failure) {
      error.textContent = failure.message;
    }
  });
})();
