// One ticket: its details, its lifecycle stage by stage, the 2 h / 12 h /
// 48 h clocks, the visits planned and done, the loaner and the escalation.
"use strict";

(function () {
  if (!Ruyi.ready()) return;
  const { t } = Ruyi;
  const box = document.getElementById("ticket");
  const id = box.dataset.ticket;
  let data = null;
  const STAGES = [
    ["reported_at", "报修", "reported"], ["triaged_at", "远程诊断", "triaged"], ["responded_at", "响应", "responded"],
    ["planned_at", "已排班", "planned"], ["en_route_at", "出发", "en route"], ["on_site_at", "到场", "on site"],
    ["fixed_at", "修复", "fixed"], ["closed_at", "关闭", "closed"],
  ];

  function clock(label, c) {
    if (!c) return "";
    const state = c.state === "met" ? `<span class="tag">${t("met")} · ${c.minutes_to_spare} ${t("minutes")} ${t("spare")}</span>`
      : c.state === "missed" ? `<span class="tag late">${t("missed")} · ${c.minutes_late} ${t("minutes")}</span>`
      : `<span class="tag">${t("running")} · ${c.minutes_left} ${t("minutes")} ${t("left")}</span>`;
    return `<tr><td>${label}</td><td>${Ruyi.dateTime(c.due)}</td><td>${state}</td></tr>`;
  }

  function render() {
    if (!data) return;
    const ticket = data.ticket;
    const life = data.lifecycle;
    const esc = data.escalation;
    const planned = (data.visits && data.visits.planned) || [];
    const done = (data.visits && data.visits.done) || [];
    box.innerHTML = `
      <h2>${Ruyi.escape(ticket.id)} ${Ruyi.sevBadge(ticket.severity)} <span class="tag">${Ruyi.escape(data.stage)}</span></h2>
      <div class="grid">
        <div class="panel"><dl class="drawer-like">
          <p><b>${Ruyi.escape(ticket.customer)}</b></p>
          <p>${t("skill")}: ${Ruyi.escape(ticket.skill)} · ${t("service")}: ${ticket.service_minutes} ${t("minutes")} · ${t("status")}: ${Ruyi.escape(ticket.status)}</p>
          <p>${t("address")}: ${Ruyi.escape(ticket.address || "—")}</p>
          <p>${t("phone")}: ${ticket.contact_phone ? `<a href="tel:${Ruyi.escape(ticket.contact_phone)}">${Ruyi.escape(ticket.contact_phone)}</a>` : "—"}</p>
          <p>${t("fault")}: ${Ruyi.escape(ticket.fault || "—")}</p>
          ${ticket.part ? `<p>${t("bring")}: ${Ruyi.escape(ticket.part)}</p>` : ""}
          <p><a href="/hubs/${ticket.hub}?date=${ticket.reported_at.slice(0, 10)}">${ticket.hub}</a></p>
        </dl></div>
        <div class="panel"><h3>${t("stage")}</h3><ol class="timeline">
          ${STAGES.map(([key, zh, en]) => `<li class="${life[key] ? "reached" : ""}">${Ruyi.lang === "zh" ? zh : en}: ${life[key] ? Ruyi.dateTime(life[key]) : "—"}</li>`).join("")}
        </ol></div>
        <div class="panel"><h3>${t("clocks")}</h3><table class="list">
          ${clock(t("respond_by"), data.clocks.response)}${clock(t("on_site_by"), data.clocks.on_site)}${clock(t("repaired_by"), data.clocks.repair)}
        </table></div>
        <div class="panel"><h3>${t("escalation")}</h3>
          <p>${t("notified")}: ${esc.notified.length ? esc.notified.map((n) => `${Ruyi.escape(n.title)} (${Ruyi.dateTime(n.due_at)})`).join(" → ") : t("none")}</p>
          <p>${t("next")}: ${esc.next ? `${Ruyi.escape(esc.next.title)} (${Ruyi.dateTime(esc.next.due_at)})` : t("none")}</p></div>
        <div class="panel"><h3>${t("visits_planned")}</h3><table class="list">
          ${planned.map((v) => `<tr><td>${Ruyi.escape(v.date || "")}</td><td>${Ruyi.escape(v.engineer_id || "")}</td><td>${Ruyi.dateTime(v.arrival)}</td></tr>`).join("") || `<tr><td>${t("none")}</td></tr>`}
          </table>
          <h3>${t("visits_done")}</h3><table class="list">
          ${done.map((v) => `<tr><td>${Ruyi.escape(v.engineer_id)}</td><td>${Ruyi.dateTime(v.arrived_at)}–${Ruyi.time(v.departed_at)}</td><td>${Ruyi.escape(v.finish ? v.finish.outcome : "")}</td></tr>`).join("") || `<tr><td>${t("none")}</td></tr>`}
          </table>
          ${data.loaner ? `<p>${t("loaner")}: ${Ruyi.escape(data.loaner.detail || data.loaner.source || "")}</p>` : ""}
        </div>
      </div>`;
  }

  async function load() {
    try {
      data = await Ruyi.api(`/api/v1/tickets/${encodeURIComponent(id)}`);
      document.title = `${id} · 如意 Ruyi`;
      render();
    } catch (error) {
      box.textContent = error.message;
    }
  }
  document.addEventListener("ruyi:lang", render);
  load();
})();
