// My day: an engineer's stops in order on a phone — ETA, customer,
// address, severity, deadlines, the part to bring — with a `geo:` link
// (the phone hands it to its map app), a `tel:` link, the status buttons,
// printing and the day as an iCalendar file.
"use strict";

(function () {
  if (!Ruyi.ready()) return;
  const { t } = Ruyi;
  const params = new URLSearchParams(location.search);
  const engineerInput = document.getElementById("me-engineer");
  const dateInput = document.getElementById("me-date");
  // An engineer sees their own day only; a coordinator picks one of theirs.
  const session = Ruyi.session();
  const own = session && session.engineer;
  engineerInput.value = own || params.get("engineer") || "";
  if (own) engineerInput.closest("label").hidden = true;
  dateInput.value = params.get("date") || Ruyi.todayCst();
  let route = null;
  let events = null;

  async function load() {
    const engineer = engineerInput.value.trim().toUpperCase();
    const list = document.getElementById("stops");
    const head = document.getElementById("me-head");
    if (!engineer) {
      head.textContent = t("enter_engineer");
      list.replaceChildren();
      return;
    }
    history.replaceState(null, "", own
      ? `?date=${dateInput.value}`
      : `?engineer=${encodeURIComponent(engineer)}&date=${dateInput.value}`);
    try {
      route = await Ruyi.api(`/api/v1/engineers/${encodeURIComponent(engineer)}/route?date=${dateInput.value}`);
    } catch (error) {
      route = null;
      head.textContent = error.status === 404 ? t("no_route") : error.message;
      list.replaceChildren();
      return;
    }
    try {
      events = await Ruyi.api(`/api/v1/engineers/${encodeURIComponent(engineer)}/events?date=${dateInput.value}`);
    } catch (_) {
      events = null;
    }
    render();
  }

  function doneTickets() {
    const done = new Map();
    for (const event of (events && events.events) || []) {
      if (event.ticket_id) done.set(event.ticket_id, event.kind);
    }
    return done;
  }

  function render() {
    if (!route) return;
    const head = document.getElementById("me-head");
    head.innerHTML = `<b>${Ruyi.escape(route.engineer_name)}</b> (${Ruyi.escape(route.engineer_id)}) ·
      ${route.stops.length} ${t("stops")} · ${t("leave")} ${Ruyi.time(route.leave_at)} · ${t("back")} ${Ruyi.time(route.return_at)}
      · ${Math.round(route.km)} ${t("km")}${route.lunch ? ` · ${t("lunch")} ${Ruyi.time(route.lunch.start)}` : ""}`;
    const last = doneTickets();
    const list = document.getElementById("stops");
    list.replaceChildren(...route.stops.map((stop) => stopCard(stop, last.get(stop.ticket_id))));
  }

  function stopCard(stop, lastEvent) {
    const kind = stop.visit_kind;
    const level = stop.severity;
    const who = stop.customer || stop.ticket_id;
    const lat = stop.location.lat.toFixed(6);
    const lon = stop.location.lon.toFixed(6);
    const geo = `geo:${lat},${lon}?q=${lat},${lon}(${encodeURIComponent(who)})`;
    const item = Ruyi.el("li", {
      class: `stop ${kind === "preventive_analysis" ? "preventive" : "s" + level}${lastEvent === "finished" ? " done" : ""}`,
      "data-ticket": stop.ticket_id,
      "data-sequence": stop.sequence,
    });
    const late = stop.late_minutes > 0 ? ` <span class="tag late">${t("late")} ${stop.late_minutes} ${t("minutes")}</span>` : "";
    item.innerHTML = `
      <div class="stop-head"><span class="stop-seq">${stop.sequence}</span>
        <span class="stop-eta">${Ruyi.time(stop.arrival)}</span>
        <span class="stop-meta">${Ruyi.time(stop.service_window.start)}–${Ruyi.time(stop.service_window.end)}</span>
        ${Ruyi.sevBadge(level)}${late}</div>
      <div class="stop-customer">${Ruyi.escape(who)}</div>
      <div class="stop-meta">${Ruyi.escape(stop.address || "")}</div>
      <div class="stop-meta">${Ruyi.escape(t("kind_" + kind))} · <a href="/tickets/${encodeURIComponent(stop.ticket_id)}">${Ruyi.escape(stop.ticket_id)}</a>
        ${stop.fault ? ` · ${Ruyi.escape(stop.fault)}` : ""}</div>
      ${kind === "preventive_analysis" ? "" : `<div class="deadlines"><span>12 h: <b>${Ruyi.dateTime(stop.on_site_by)}</b></span>
        <span>48 h: <b>${Ruyi.dateTime(stop.repaired_by)}</b></span></div>`}
      ${stop.part_to_bring ? `<div class="part">${t("bring")} ${Ruyi.escape(stop.part_to_bring.part)} ${t("from")} ${Ruyi.escape(stop.part_to_bring.from)}</div>` : ""}
      <div class="stop-links">
        <a class="nav" href="${geo}">${t("navigate")}</a>
        ${stop.contact_phone ? `<a class="tel" href="tel:${Ruyi.escape(stop.contact_phone.replace(/[^+\d]/g, ""))}">${t("call")} ${Ruyi.escape(stop.contact_phone)}</a>` : ""}
      </div>`;
    if (kind !== "preventive_analysis") {
      const buttons = Ruyi.el("div", { class: "stop-buttons" });
      const outcome = Ruyi.el("select", { "aria-label": t("outcome") });
      for (const value of ["fixed", "needs_part", "needs_return", "customer_absent"]) {
        outcome.append(Ruyi.el("option", { value, text: t(value) }));
      }
      buttons.append(
        Ruyi.el("button", { type: "button", text: t("en_route"), onclick: () => send(stop, "en_route") }),
        Ruyi.el("button", { type: "button", text: t("arrived"), onclick: () => send(stop, "arrived") }),
        outcome,
        Ruyi.el("button", { type: "button", class: "primary", text: t("finished"), onclick: () => send(stop, "finished", outcome.value) }),
      );
      if (lastEvent) buttons.append(Ruyi.el("span", { class: "tag", text: t(lastEvent) }));
      item.append(buttons);
    }
    return item;
  }

  async function send(stop, kind, outcome) {
    const body = {
      event_id: `web-${route.engineer_id}-${stop.ticket_id}-${kind}-${Date.now()}`,
      kind,
      ticket_id: stop.ticket_id,
      at: Ruyi.nowCstIso(),
    };
    if (kind === "finished") {
      body.outcome = outcome;
      if (outcome === "needs_part") body.part = stop.part_to_bring ? stop.part_to_bring.part : "SRV-PSU";
      if (outcome === "needs_return") body.minutes = 60;
    }
    try {
      await Ruyi.api(`/api/v1/engineers/${encodeURIComponent(route.engineer_id)}/events`, { method: "POST", body });
      Ruyi.toast(t("event_saved"));
      await load();
    } catch (error) {
      Ruyi.toast(error.message, true);
    }
  }

  // The route as it changes: the server announces each new version.
  let stream = null;
  let version;
  function listen() {
    const engineer = engineerInput.value.trim().toUpperCase();
    if (stream) stream.stop();
    if (!engineer) return;
    version = undefined;
    stream = Ruyi.stream(
      `/api/v1/engineers/${encodeURIComponent(engineer)}/route/events?date=${dateInput.value}`,
      (name, data) => {
        if (name !== "route") return;
        if (version !== undefined && data.version !== version) load();
        version = data.version;
      },
    );
  }

  document.getElementById("me-load").addEventListener("click", () => { load(); listen(); });
  engineerInput.addEventListener("keydown", (e) => { if (e.key === "Enter") { load(); listen(); } });
  dateInput.addEventListener("change", () => { load(); listen(); });
  document.getElementById("me-print").addEventListener("click", () => window.print());
  document.getElementById("me-ics").addEventListener("click", async () => {
    if (!route) return;
    try {
      await Ruyi.download(
        `/api/v1/engineers/${encodeURIComponent(route.engineer_id)}/route?date=${route.date}&format=ics`,
        `ruyi-${route.engineer_id}-${route.date}.ics`,
      );
    } catch (error) {
      Ruyi.toast(error.message, true);
    }
  });
  document.addEventListener("ruyi:lang", render);
  load();
  listen();
})();
