// The hub board: the day's map beside a Gantt of every engineer's day,
// the unassigned list with reasons and fixes, and the coordinator's hand
// on the day (generate, re-plan, pin, move, emergency insertion). A stream
// of the day's revisions (server-sent events) says when to fetch the board
// again, with its ETag; a slow poll covers a dropped stream and pins made
// elsewhere. A change made anywhere shows without a reload.
"use strict";

(function () {
  if (!Ruyi.ready()) return;
  const { t, el, svg } = Ruyi;
  const hub = document.querySelector(".toolbar").dataset.hub;
  const params = new URLSearchParams(location.search);
  const state = {
    date: params.get("date") || Ruyi.todayCst(),
    board: null,
    etag: null,
    selected: null,
    focus: null,
    loading: false,
  };
  window.ruyiBoard = state;
  const POLL_MS = 30000;

  const dateInput = document.getElementById("board-date");
  dateInput.value = state.date;
  dateInput.addEventListener("change", () => {
    state.date = dateInput.value;
    history.replaceState(null, "", `?date=${state.date}`);
    state.etag = null;
    state.selected = null;
    load();
    listen();
  });

  async function load() {
    if (state.loading) {
      // Asked again meanwhile: once more when this one is done.
      state.again = true;
      return;
    }
    state.loading = true;
    const live = document.getElementById("live");
    try {
      const [answer, mapData] = await Promise.all([
        Ruyi.api(`/api/v1/hubs/${hub}/board?date=${state.date}`, { etag: state.etag, withEtag: true }),
        Ruyi.mapData(),
      ]);
      state.mapData = mapData;
      live.classList.remove("stale");
      if (answer.notModified) return;
      const arrived = performance.now();
      state.board = answer.data;
      state.etag = answer.etag;
      render();
      // Measured when the browser has laid out and painted the board.
      requestAnimationFrame(() => setTimeout(() => {
        window.ruyiRenderMs = performance.now() - arrived;
        window.ruyiRenders = (window.ruyiRenders || 0) + 1;
      }, 0));
    } catch (error) {
      live.classList.add("stale");
      Ruyi.toast(error.message, true);
    } finally {
      state.loading = false;
      if (state.again) {
        state.again = false;
        load();
      }
    }
  }

  function ticketsById() {
    const map = new Map();
    for (const ticket of state.board.tickets) map.set(ticket.id, ticket);
    return map;
  }

  function pinOf(ticketId) {
    return state.board.pins.find((p) => p.ticket_id === ticketId);
  }

  function render() {
    const board = state.board;
    state.tickets = ticketsById();
    renderSummary(board);
    renderMap(board);
    renderGantt(board);
    renderUnassigned(board);
    document.getElementById("replan").disabled = !board.roster;
    document.getElementById("emergency-open").disabled = !board.roster;
    document.getElementById("generate").disabled = !!board.roster;
    if (state.selected) openVisit(state.selected);
  }

  function tile(value, label, cls) {
    return el("div", { class: "tile " + (cls || "") }, [el("b", { text: value }), el("span", { text: label })]);
  }

  function renderSummary(board) {
    const box = document.getElementById("summary");
    box.replaceChildren();
    const roster = board.roster;
    if (!roster) {
      box.append(el("p", { class: "hint", text: t("no_roster") }));
      return;
    }
    const s = roster.summary;
    const share = s.assigned ? Math.round((100 * s.on_time) / s.assigned) : 0;
    box.append(
      tile(s.tickets, t("tickets")),
      tile(s.assigned, t("assigned")),
      tile(`${s.on_time} (${share}%)`, t("on_time"), share >= 50 ? "good" : "bad"),
      tile(`${roster.routes.length}/${s.engineers_available}`, t("engineers")),
      tile(Math.round(s.km).toLocaleString(), t("km")),
      tile(roster.unassigned.length, t("unassigned"), roster.unassigned.length ? "bad" : "good"),
      tile(roster.loaners.length, t("loaners")),
      tile(`#${roster.id} · ${board.revisions}`, t("revision")),
      tile(board.pins.length, t("pins")),
    );
    // A pin the last re-plan could not keep, with the rule it would break.
    const broken = board.pins.filter((p) => p.not_kept);
    if (broken.length) {
      box.append(tile(broken.length, t("pins_not_kept"), "bad"));
      const list = el("ul", { id: "pins-not-kept", class: "hint down" });
      for (const pin of broken) {
        const item = el("li", { "data-ticket": pin.ticket_id, text: `${pin.ticket_id} → ${pin.engineer_id}: ${pin.not_kept}` });
        item.addEventListener("click", () => openVisit(pin.ticket_id));
        list.append(item);
      }
      box.append(list);
    }
  }

  // ---- the map -------------------------------------------------------

  function renderMap(board) {
    const box = document.getElementById("map");
    const data = state.mapData;
    const points = [];
    for (const s of board.stations) points.push([s.location.lon, s.location.lat]);
    if (board.hub_location) points.push([board.hub_location.lon, board.hub_location.lat]);
    for (const ticket of board.tickets) points.push([ticket.site.lon, ticket.site.lat]);
    if (!points.length) return;
    const lons = points.map((p) => p[0]);
    const lats = points.map((p) => p[1]);
    const pad = 0.6;
    const projection = Ruyi.projection(
      [Math.min(...lons) - pad, Math.min(...lats) - pad, Math.max(...lons) + pad, Math.max(...lats) + pad],
      1000,
    );
    const root = svg("svg", {
      viewBox: `0 0 1000 ${projection.height.toFixed(0)}`,
      role: "img",
      "aria-label": "map",
    });
    root.append(Ruyi.provincePaths(data.provinces, projection));
    const roster = board.roster;
    const k = 1000 / 900;
    const routes = svg("g", { class: "routes" });
    const marks = svg("g", { class: "marks" });
    if (roster) {
      for (const route of roster.routes) {
        const line = [[route.base.lon, route.base.lat]]
          .concat(route.visits.map((v) => [v.location.lon, v.location.lat]))
          .concat([[route.base.lon, route.base.lat]]);
        const polyline = svg("polyline", {
          class: "route" + (state.focus && state.focus !== route.engineer_id ? " dim" : ""),
          points: line.map(([lon, lat]) => `${projection.x(lon).toFixed(1)},${projection.y(lat).toFixed(1)}`).join(" "),
          stroke: Ruyi.colourOf(route.engineer_id),
          "data-engineer": route.engineer_id,
        });
        polyline.append(Object.assign(svg("title"), { textContent: route.engineer_id }));
        routes.append(polyline);
        for (const visit of route.visits) {
          const ticket = state.tickets.get(visit.ticket_id);
          const level = ticket ? ticket.severity : 0;
          const circle = svg("circle", {
            class: "ticket" + (visit.late_minutes > 0 ? " late" : ""),
            cx: projection.x(visit.location.lon).toFixed(1),
            cy: projection.y(visit.location.lat).toFixed(1),
            r: (level === 1 ? 6 : 4.5) * k,
            fill: Ruyi.severityColour(level),
            "data-ticket": visit.ticket_id,
          });
          circle.append(Object.assign(svg("title"), {
            textContent: `${visit.ticket_id} · ${route.engineer_id} · ${Ruyi.time(visit.arrival)}` +
              (visit.late_minutes > 0 ? ` · ${t("late")} ${visit.late_minutes} ${t("minutes")}` : ""),
          }));
          circle.addEventListener("click", () => openVisit(visit.ticket_id));
          marks.append(circle);
        }
      }
      for (const left of roster.unassigned) {
        const ticket = state.tickets.get(left.ticket_id);
        if (!ticket) continue;
        const circle = svg("circle", {
          class: "ticket open",
          cx: projection.x(ticket.site.lon).toFixed(1),
          cy: projection.y(ticket.site.lat).toFixed(1),
          r: 4.5 * k,
          stroke: Ruyi.severityColour(ticket.severity),
          "data-unassigned": ticket.id,
        });
        circle.append(Object.assign(svg("title"), { textContent: `${ticket.id} · ${left.reason}` }));
        circle.addEventListener("click", () => openVisit(ticket.id));
        marks.append(circle);
      }
    }
    const bases = svg("g", { class: "bases" });
    for (const station of board.stations) {
      const rect = svg("rect", {
        class: "station",
        x: (projection.x(station.location.lon) - 3).toFixed(1),
        y: (projection.y(station.location.lat) - 3).toFixed(1),
        width: 6, height: 6,
      });
      rect.append(Object.assign(svg("title"), { textContent: `${station.id} ${station.name}` }));
      bases.append(rect);
    }
    if (board.hub_location) {
      const x = projection.x(board.hub_location.lon);
      const y = projection.y(board.hub_location.lat);
      bases.append(svg("rect", {
        class: "hub", x: x - 7, y: y - 7, width: 14, height: 14,
        transform: `rotate(45 ${x.toFixed(1)} ${y.toFixed(1)})`,
      }));
    }
    // Labels for the region's larger cities.
    const labels = svg("g", { class: "labels" });
    const region = data.cities.filter((c) => c.region === hub && (c.population || 0) > 4e6);
    for (const city of region) {
      const text = svg("text", { x: projection.x(city.lon) + 7, y: projection.y(city.lat) - 5 });
      text.textContent = Ruyi.lang === "zh" ? city.name_zh.replace(/市$/, "") : city.name_en;
      labels.append(text);
    }
    root.append(routes, bases, marks, labels);
    box.replaceChildren(root);
    document.getElementById("map-legend").innerHTML = [1, 2, 3, 4]
      .map((l) => `<span><i style="background:${Ruyi.severityColour(l)}"></i>${t("sev" + l)}</span>`)
      .join("") +
      `<span><i style="background:#fff;border:2px solid #000"></i>${t("late_marked")}</span>` +
      `<span><i style="background:#fff;border:2px solid #999"></i>${t("unassigned_mark")}</span>` +
      `<span><i style="background:#253494"></i>${t("station")}</span>`;
  }

  // ---- the Gantt -----------------------------------------------------

  function renderGantt(board) {
    const box = document.getElementById("gantt");
    const roster = board.roster;
    if (!roster) {
      box.replaceChildren();
      return;
    }
    const engineers = new Map(board.engineers.map((e) => [e.id, e]));
    const sec = (iso) => Ruyi.secondsOfDay(iso, state.date);
    let from = 24 * 3600;
    let to = 0;
    // The hours the routes span, an hour either side (a round-the-clock
    // shift is drawn clipped to them).
    for (const route of roster.routes) {
      from = Math.min(from, sec(route.leave_at));
      to = Math.max(to, sec(route.return_at));
    }
    from = Math.max(0, Math.floor(from / 3600) * 3600 - 3600);
    to = Math.min(30 * 3600, Math.ceil(to / 3600) * 3600 + 3600);
    if (to <= from) to = from + 3600;
    const labelWidth = 170;
    const width = Math.max(720, box.clientWidth - 2);
    const rowHeight = 22;
    const top = 24;
    const height = top + rowHeight * roster.routes.length + 6;
    const x = (seconds) => labelWidth + ((Math.min(Math.max(seconds, from), to) - from) / (to - from)) * (width - labelWidth - 8);
    const root = svg("svg", { width, height, viewBox: `0 0 ${width} ${height}` });
    for (let h = from; h <= to; h += 3600) {
      root.append(svg("line", { class: "hour", x1: x(h), x2: x(h), y1: top - 6, y2: height }));
      const label = svg("text", { class: "hour-label", x: x(h) - 12, y: 13 });
      label.textContent = String((h / 3600) % 24).padStart(2, "0") + ":00";
      root.append(label);
    }
    const fragment = document.createDocumentFragment();
    roster.routes.forEach((route, index) => {
      const y = top + index * rowHeight;
      const row = svg("g", { class: "row", "data-engineer": route.engineer_id });
      const engineer = engineers.get(route.engineer_id);
      row.append(svg("line", { class: "row-line", x1: 0, x2: width, y1: y + rowHeight, y2: y + rowHeight }));
      if (engineer && engineer.shift) {
        row.append(svg("rect", {
          class: "shift", x: x(sec(engineer.shift.start)), y: y + 2,
          width: Math.max(0, x(sec(engineer.shift.end)) - x(sec(engineer.shift.start))), height: rowHeight - 4,
        }));
      }
      const label = svg("text", { class: "row-label", x: 4, y: y + 15 });
      label.textContent = `${route.engineer_id} ${engineer ? engineer.name : ""}`.slice(0, 24);
      label.addEventListener("click", () => {
        state.focus = state.focus === route.engineer_id ? null : route.engineer_id;
        renderMap(state.board);
      });
      row.append(label);
      let previous = sec(route.leave_at);
      for (const visit of route.visits) {
        const arrival = sec(visit.arrival);
        if (arrival > previous) {
          row.append(svg("rect", { class: "drive", x: x(previous), y: y + 9, width: Math.max(1, x(arrival) - x(previous)), height: 5 }));
        }
        const ticket = state.tickets.get(visit.ticket_id);
        const level = ticket ? ticket.severity : 0;
        const start = sec(visit.start);
        const end = sec(visit.departure);
        const rect = svg("rect", {
          class: "visit" + (visit.late_minutes > 0 ? " late" : "") + (pinOf(visit.ticket_id) ? " pinned" : "") +
            (state.selected === visit.ticket_id ? " selected" : ""),
          x: x(start), y: y + 4, width: Math.max(2, x(end) - x(start)), height: rowHeight - 8, rx: 2,
          fill: visit.kind === "preventive" ? "#7b1fa2" : Ruyi.severityColour(level),
          "data-ticket": visit.ticket_id,
          "data-sequence": visit.sequence,
        });
        rect.append(Object.assign(svg("title"), {
          textContent: `${visit.ticket_id} ${ticket ? ticket.customer : ""}\n${t("arrival")} ${Ruyi.time(visit.arrival)} · ${t("on_site_by")} ${Ruyi.dateTime(visit.on_site_by)}` +
            (visit.late_minutes > 0 ? `\n${t("late")} ${visit.late_minutes} ${t("minutes")}` : ""),
        }));
        rect.addEventListener("click", () => openVisit(visit.ticket_id));
        row.append(rect);
        if (visit.kind !== "preventive") {
          const deadline = x(sec(visit.on_site_by));
          row.append(svg("line", {
            class: "deadline" + (visit.late_minutes > 0 ? "" : " met"),
            x1: deadline, x2: deadline, y1: y + 1, y2: y + rowHeight - 1,
          }));
        }
        previous = end;
      }
      const back = sec(route.return_at);
      if (back > previous) {
        row.append(svg("rect", { class: "drive", x: x(previous), y: y + 9, width: Math.max(1, x(back) - x(previous)), height: 5 }));
      }
      if (route.lunch) {
        const [a, b] = route.lunch.map(sec);
        row.append(svg("rect", { class: "lunch", x: x(a), y: y + 6, width: Math.max(2, x(b) - x(a)), height: rowHeight - 12 }));
      }
      fragment.append(row);
    });
    root.append(fragment);
    const now = Ruyi.secondsOfDay(new Date().toISOString(), state.date);
    if (now > from && now < to) {
      root.append(svg("line", { class: "now", x1: x(now), x2: x(now), y1: top - 6, y2: height }));
    }
    const scroll = box.scrollTop;
    box.replaceChildren(root);
    box.scrollTop = scroll;
    document.getElementById("gantt-legend").innerHTML =
      `<span><i style="background:var(--drive)"></i>${t("drive")}</span>` +
      `<span><i style="background:var(--sev2)"></i>${t("visit")}</span>` +
      `<span><i style="background:var(--lunch)"></i>${t("lunch")}</span>` +
      `<span><i style="background:var(--preventive)"></i>${t("preventive")}</span>` +
      `<span><i style="background:#eef3f7;border:1px solid #ccd"></i>${t("shift")}</span>` +
      `<span><i style="background:var(--sev1);width:3px"></i>${t("deadline")}</span>`;
  }

  // ---- the unassigned list -------------------------------------------

  const REASONS = {
    zh: {
      no_engineer_with_skill: "无合格工程师", unreachable: "班次内无法到达", no_room: "工程师日程已满",
      exceeds_capacity: "超出携带能力", awaiting_part: "等待备件", planned_tomorrow: "已排入明天",
      too_many_changes: "改动过多", deferred_for_emergency: "为紧急工单让路",
    },
  };
  function reasonText(code) {
    return (Ruyi.lang === "zh" && REASONS.zh[code]) || code.replace(/_/g, " ");
  }

  function renderUnassigned(board) {
    const box = document.getElementById("unassigned");
    const roster = board.roster;
    if (!roster || !roster.unassigned.length) {
      box.replaceChildren(el("p", { class: "hint", text: roster ? "—" : t("no_roster") }));
      return;
    }
    const rows = roster.unassigned.map((left) => {
      const ticket = state.tickets.get(left.ticket_id) || {};
      return `<tr data-ticket="${Ruyi.escape(left.ticket_id)}">
        <td><a href="/tickets/${encodeURIComponent(left.ticket_id)}">${Ruyi.escape(left.ticket_id)}</a></td>
        <td>${Ruyi.sevBadge(ticket.severity)}</td>
        <td>${Ruyi.escape(ticket.customer || "")}</td>
        <td>${Ruyi.escape(ticket.skill || "")}</td>
        <td><span class="tag">${Ruyi.escape(reasonText(left.reason))}</span></td>
        <td>${Ruyi.escape(left.detail)}</td>
        <td><button type="button" data-open="${Ruyi.escape(left.ticket_id)}">${t("move")}…</button></td></tr>`;
    });
    box.innerHTML = `<table class="list"><thead><tr><th>${t("ticket")}</th><th>${t("severity")}</th>
      <th>${t("customer")}</th><th>${t("skill")}</th><th>${t("reason")}</th><th>${t("fix")}</th><th></th></tr></thead>
      <tbody>${rows.join("")}</tbody></table>`;
    box.querySelectorAll("button[data-open]").forEach((button) =>
      button.addEventListener("click", () => openVisit(button.dataset.open)));
  }

  // ---- one visit: details, pin, move -----------------------------------

  function openVisit(ticketId) {
    state.selected = ticketId;
    const panel = document.getElementById("visit-panel");
    const roster = state.board.roster;
    if (!roster) return;
    const route = roster.routes.find((r) => r.visits.some((v) => v.ticket_id === ticketId));
    const visit = route && route.visits.find((v) => v.ticket_id === ticketId);
    const left = roster.unassigned.find((u) => u.ticket_id === ticketId);
    const ticket = state.tickets.get(ticketId) || {};
    const pin = pinOf(ticketId);
    const working = state.board.engineers.filter((e) => e.shift);
    const options = working
      .map((e) => `<option value="${e.id}" ${route && route.engineer_id === e.id ? "selected" : ""}>${e.id} ${Ruyi.escape(e.name)} · ${e.skills.join("/")}${e.certification === "senior" ? " ★" : ""}</option>`)
      .join("");
    panel.innerHTML = `<button type="button" class="close" aria-label="close">✕</button>
      <h2>${Ruyi.escape(ticketId)} ${Ruyi.sevBadge(ticket.severity)} ${pin ? `<span class="tag pin">${t("pins")}: ${pin.engineer_id}</span>` : ""}</h2>
      ${pin && pin.not_kept ? `<p class="hint down" id="pin-not-kept">${t("pins_not_kept")}: ${Ruyi.escape(pin.not_kept)}</p>` : ""}
      <dl>
        <dt>${t("customer")}</dt><dd>${Ruyi.escape(ticket.customer || "—")}</dd>
        <dt>${t("skill")}</dt><dd>${Ruyi.escape(ticket.skill || "—")}</dd>
        <dt>${t("address")}</dt><dd>${Ruyi.escape(ticket.address || "—")}</dd>
        <dt>${t("engineer")}</dt><dd>${route ? route.engineer_id : "—"}</dd>
        <dt>${t("arrival")}</dt><dd>${visit ? Ruyi.time(visit.arrival) : "—"}${visit && visit.late_minutes > 0 ? ` <span class="tag late">${t("late")} ${visit.late_minutes} ${t("minutes")}</span>` : ""}</dd>
        <dt>${t("on_site_by")}</dt><dd>${Ruyi.dateTime(ticket.on_site_by || (visit && visit.on_site_by))}</dd>
        <dt>${t("repaired_by")}</dt><dd>${Ruyi.dateTime(ticket.repaired_by || (visit && visit.repaired_by))}</dd>
        ${left ? `<dt>${t("reason")}</dt><dd>${Ruyi.escape(left.detail)}</dd>` : ""}
        ${visit && visit.late_reason ? `<dt>${t("late")}</dt><dd>${Ruyi.escape(visit.late_reason)}</dd>` : ""}
      </dl>
      <div class="row">${route ? `<button type="button" id="pin-toggle">${pin ? t("unpin") : t("pin")}</button>` : ""}
        ${ticketId.startsWith("PM-") ? "" : `<a href="/tickets/${encodeURIComponent(ticketId)}">${t("open_ticket")}</a>`}</div>
      <div class="row"><label>${t("move")} <select id="move-engineer">${options}</select></label>
        <label>${t("place")} <select id="move-position"><option value="">${t("cheapest")}</option></select></label>
        <button type="button" id="move-go" class="primary">${t("move_go")}</button></div>
      <p id="move-result" class="hint"></p>`;
    panel.hidden = false;
    const positions = () => {
      const engineer = panel.querySelector("#move-engineer").value;
      const target = roster.routes.find((r) => r.engineer_id === engineer);
      const count = target ? target.visits.filter((v) => v.ticket_id !== ticketId).length : 0;
      let html = `<option value="">${t("cheapest")}</option>`;
      for (let i = 1; i <= count + 1; i++) html += `<option value="${i}">${i}</option>`;
      panel.querySelector("#move-position").innerHTML = html;
    };
    positions();
    panel.querySelector("#move-engineer").addEventListener("change", positions);
    panel.querySelector(".close").addEventListener("click", () => {
      panel.hidden = true;
      state.selected = null;
      renderGantt(state.board);
    });
    const pinButton = panel.querySelector("#pin-toggle");
    if (pinButton) pinButton.addEventListener("click", () => togglePin(ticketId, !!pin));
    panel.querySelector("#move-go").addEventListener("click", () => move(ticketId));
  }

  async function togglePin(ticketId, pinned) {
    const id = state.board.roster.id;
    try {
      if (pinned) {
        await Ruyi.api(`/api/v1/hubs/${hub}/rosters/${id}/pins/${encodeURIComponent(ticketId)}`, { method: "DELETE" });
        Ruyi.toast(t("unpinned"));
      } else {
        await Ruyi.api(`/api/v1/hubs/${hub}/rosters/${id}/pins`, { method: "POST", body: { ticket_id: ticketId } });
        Ruyi.toast(t("pinned"));
      }
      await load();
    } catch (error) {
      Ruyi.toast(error.message, true);
    }
  }

  async function move(ticketId) {
    const panel = document.getElementById("visit-panel");
    const engineer = panel.querySelector("#move-engineer").value;
    const position = panel.querySelector("#move-position").value;
    const result = panel.querySelector("#move-result");
    const body = { ticket_id: ticketId, engineer_id: engineer };
    if (position) body.position = Number(position);
    try {
      const moved = await Ruyi.api(`/api/v1/hubs/${hub}/rosters/${state.board.roster.id}/moves`, { method: "POST", body });
      Ruyi.toast(`${t("moved")}: ${ticketId} → ${moved.to_engineer} ${Ruyi.time(moved.arrival)}`);
      await load();
    } catch (error) {
      result.textContent = error.message;
      result.className = "hint down";
      Ruyi.toast(error.message, true);
    }
  }

  // ---- generate, re-plan, emergency --------------------------------------

  document.getElementById("generate").addEventListener("click", async (event) => {
    event.target.disabled = true;
    Ruyi.toast(t("loading"));
    try {
      await Ruyi.api(`/api/v1/hubs/${hub}/rosters?date=${state.date}`, { method: "POST" });
      Ruyi.toast(t("generated"));
      await load();
    } catch (error) {
      Ruyi.toast(error.message, true);
      event.target.disabled = false;
    }
  });

  // Re-planning is planning the day again now: the roster endpoint keeps
  // what has begun and every pin.
  document.getElementById("replan").addEventListener("click", async (event) => {
    const button = event.target.closest("button");
    button.disabled = true;
    Ruyi.toast(t("loading"));
    try {
      await Ruyi.api(`/api/v1/hubs/${hub}/rosters?date=${state.date}`, { method: "POST" });
      Ruyi.toast(t("replanned"));
      await load();
    } catch (error) {
      Ruyi.toast(error.message, true);
    } finally {
      button.disabled = false;
    }
  });

  const dialog = document.getElementById("emergency-dialog");
  document.getElementById("emergency-open").addEventListener("click", async () => {
    const data = await Ruyi.mapData();
    const select = document.getElementById("emergency-city");
    select.innerHTML = data.cities
      .filter((c) => c.region === hub)
      .sort((a, b) => (b.population || 0) - (a.population || 0))
      .map((c) => `<option value="${c.adcode}">${Ruyi.escape(Ruyi.lang === "zh" ? c.name_zh : c.name_en)}</option>`)
      .join("");
    const form = document.getElementById("emergency-form");
    if (!form.customer.value) form.customer.value = Ruyi.lang === "zh" ? "紧急客户" : "Urgent customer";
    // Effective now, on today's board.
    if (state.date === Ruyi.todayCst()) form.at.value = Ruyi.nowCstIso().slice(11, 16);
    dialog.showModal();
  });
  document.getElementById("emergency-cancel").addEventListener("click", () => dialog.close());
  document.getElementById("emergency-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    const at = `${state.date}T${form.at.value}:00+08:00`;
    const ticket = {
      customer: form.customer.value,
      city_adcode: Number(form.city_adcode.value),
      severity: 1,
      skill: form.skill.value,
      service_minutes: Number(form.service_minutes.value),
    };
    for (const field of ["address", "contact_phone", "fault"]) {
      if (form[field].value) ticket[field] = form[field].value;
    }
    const submit = document.getElementById("emergency-submit");
    submit.disabled = true;
    try {
      const answer = await Ruyi.api(`/api/v1/hubs/${hub}/rosters/${state.board.roster.id}/insert`, {
        method: "POST",
        body: { ticket, at, max_changes: Number(form.max_changes.value), pinned: state.board.pins.map((p) => p.ticket_id) },
      });
      dialog.close();
      window.ruyiLastInserted = answer.ticket.id;
      if (answer.placement) {
        Ruyi.toast(`${t("inserted")}: ${answer.ticket.id} → ${answer.placement.engineer_id} ${Ruyi.time(answer.placement.arrival)}`);
      } else {
        Ruyi.toast(`${t("not_placed")}: ${answer.unassigned ? answer.unassigned.detail : ""}`, true);
      }
      state.selected = answer.ticket.id;
      await load();
    } catch (error) {
      Ruyi.toast(error.message, true);
    } finally {
      submit.disabled = false;
    }
  });

  document.addEventListener("ruyi:lang", () => { if (state.board) render(); });
  window.addEventListener("resize", () => { if (state.board) renderGantt(state.board); });
  let stream = null;
  function listen() {
    if (stream) stream.stop();
    const live = document.getElementById("live");
    stream = Ruyi.stream(`/api/v1/hubs/${hub}/board/events?date=${state.date}`, (name, data) => {
      if (name === "board" && (!state.board || !state.board.roster || data.roster_id !== state.board.roster.id)) load();
    }, (on) => live.classList.toggle("stale", !on));
  }

  window.ruyiLoadedAt = Date.now();
  load();
  listen();
  setInterval(load, POLL_MS);
})();
