// Coverage: the network on a map of China, every city shaded by the time
// to its nearest base; a what-if where clicking cities opens candidate
// stations and shows what they change; the siting result for k stations;
// coverage by skill as dispatch counts it, and the skill gaps.
"use strict";

(function () {
  if (!Ruyi.ready()) return;
  const { t, svg } = Ruyi;
  const BANDS = [
    [120, "#1a9850", "≤ 2 h"], [240, "#91cf60", "2–4 h"], [480, "#fee08b", "4–8 h"],
    [720, "#fc8d59", "8–12 h"], [Infinity, "#d73027", "> 12 h"],
  ];
  const SKILLS = ["pc_hardware", "printer", "server", "storage", "network", "systems", "integration"];
  const SKILL_ZH = { pc_hardware: "电脑硬件", printer: "打印机", server: "服务器", storage: "存储", network: "网络", systems: "系统", integration: "集成" };
  const REGION_ZH = { north: "华北", northeast: "东北", east: "华东", south: "华南", southwest: "西南", northwest: "西北", central: "华中" };
  const params = new URLSearchParams(location.search);
  const state = {
    added: (params.get("add") || "").split(",").filter(Boolean).map(Number),
    coverage: null,
    siting: null,
    pending: 0,
  };
  window.ruyiCoverage = state;

  const colour = (minutes) => (BANDS.find(([limit]) => (minutes === null || minutes === undefined ? Infinity : minutes) <= limit) || BANDS[4])[1];
  const pct = (share) => `${(100 * share).toFixed(1)}%`;
  const skillName = (code) => (Ruyi.lang === "zh" ? SKILL_ZH[code] : code.replace("_", " "));
  const regionName = (area) => (area.region ? (Ruyi.lang === "zh" ? REGION_ZH[area.region] : area.name) : t("national"));

  async function load() {
    const ticket = ++state.pending;
    const query = state.added.length ? `?add=${state.added.join(",")}` : "";
    history.replaceState(null, "", location.pathname + query);
    try {
      const [map, coverage] = await Promise.all([Ruyi.mapData(), Ruyi.api(`/api/v1/coverage${query}`)]);
      if (ticket !== state.pending) return;
      state.map = map;
      state.coverage = coverage;
      render();
    } catch (error) {
      Ruyi.toast(error.message, true);
    }
  }

  function render() {
    renderKpis();
    renderMap();
    renderWhatIf();
    renderSkills();
    renderSiting();
  }

  function change(before, after) {
    if (after === undefined || after === null) return `<b>${pct(before)}</b>`;
    const delta = after - before;
    const cls = delta > 1e-9 ? "up" : delta < -1e-9 ? "down" : "";
    return `<b>${pct(before)} → <span class="${cls}" data-after>${pct(after)}</span></b>`;
  }

  function renderKpis() {
    const c = state.coverage;
    const after = c.after;
    const tiles = [
      [t("within_2h"), c.report.national.urgent_share, after && after.national.urgent_share, "urgent"],
      [t("within_12h"), c.report.national.standard_share, after && after.national.standard_share, "standard"],
      [t("by_skill"), c.skills.national.weighted_standard_share, c.skills_after && c.skills_after.national.weighted_standard_share, "skills"],
    ];
    document.getElementById("kpis").innerHTML = tiles
      .map(([label, before, later, key]) => `<div class="tile share-change" data-kpi="${key}">${change(before, later)}<span>${label}</span></div>`)
      .join("") +
      `<div class="tile"><b>${c.report.bases}</b><span>${t("station")} + ${t("hub")}</span></div>` +
      `<div class="tile"><b>${c.report.engineers}</b><span>${t("engineer")}</span></div>`;
  }

  function renderMap() {
    const map = state.map;
    const report = state.coverage.after || state.coverage.report;
    const projection = Ruyi.projection([73, 15.5, 136, 54], 1000);
    const root = svg("svg", { viewBox: `0 0 1000 ${projection.height.toFixed(0)}`, role: "img", "aria-label": "China" });
    root.append(Ruyi.provincePaths(map.provinces, projection));
    const byAdcode = new Map(map.cities.map((c) => [c.adcode, c]));
    const largest = Math.max(...report.cities.map((c) => c.demand));
    const cities = svg("g", { class: "cities" });
    const sorted = [...report.cities].sort((a, b) => b.demand - a.demand);
    for (const city of sorted) {
      const added = state.added.includes(city.adcode);
      const circle = svg("circle", {
        class: "city" + (added ? " added" : ""),
        cx: projection.x(city.lon).toFixed(1),
        cy: projection.y(city.lat).toFixed(1),
        r: (2.5 + 8 * Math.sqrt(city.demand / largest)).toFixed(1),
        fill: colour(city.nearest_minutes),
        "data-adcode": city.adcode,
      });
      const info = byAdcode.get(city.adcode);
      circle.append(Object.assign(svg("title"), {
        textContent: `${Ruyi.lang === "zh" && info ? info.name_zh : city.name} · ${city.nearest_minutes === null ? "—" : Math.round(city.nearest_minutes) + " " + t("minutes")}`,
      }));
      circle.addEventListener("click", () => toggle(city.adcode));
      cities.append(circle);
    }
    const bases = svg("g", { class: "bases" });
    for (const station of map.stations) {
      bases.append(svg("rect", {
        class: "station", x: (projection.x(station.lon) - 1.5).toFixed(1), y: (projection.y(station.lat) - 1.5).toFixed(1), width: 3, height: 3,
      }));
    }
    for (const hub of map.hubs.filter((h) => h.code !== "hotline")) {
      const x = projection.x(hub.lon);
      const y = projection.y(hub.lat);
      bases.append(svg("rect", { class: "hub", x: x - 5, y: y - 5, width: 10, height: 10, transform: `rotate(45 ${x.toFixed(1)} ${y.toFixed(1)})` }));
    }
    const proposed = svg("g", { class: "proposed-marks" });
    const labels = svg("g", { class: "labels" });
    const sites = state.siting ? state.siting.sites.map((s) => s.adcode) : [];
    for (const adcode of new Set([...state.added, ...sites])) {
      const city = byAdcode.get(adcode);
      if (!city) continue;
      const x = projection.x(city.lon);
      const y = projection.y(city.lat);
      const star = [];
      for (let k = 0; k < 10; k++) {
        const angle = (Math.PI * k) / 5 - Math.PI / 2;
        const r = k % 2 === 0 ? 8 : 3.5;
        star.push(`${(x + r * Math.cos(angle)).toFixed(1)},${(y + r * Math.sin(angle)).toFixed(1)}`);
      }
      const mark = svg("polygon", { class: "proposed", points: star.join(" "), "data-proposed": adcode });
      mark.addEventListener("click", () => toggle(adcode));
      proposed.append(mark);
      const label = svg("text", { x: x + 9, y: y - 6 });
      label.textContent = Ruyi.lang === "zh" ? city.name_zh.replace(/(市|地区|盟)$/, "") : city.name_en;
      labels.append(label);
    }
    for (const city of map.cities.filter((c) => (c.population || 0) > 9e6 || c.adcode % 10000 === 100)) {
      if (state.added.includes(city.adcode) || sites.includes(city.adcode)) continue;
      if (!/^(11|12|31|50)0000$/.test(String(city.adcode)) && city.adcode % 10000 !== 100) continue;
      const label = svg("text", { x: projection.x(city.lon) + 5, y: projection.y(city.lat) - 4 });
      label.textContent = Ruyi.lang === "zh" ? city.name_zh.replace(/市$/, "") : city.name_en;
      labels.append(label);
    }
    root.append(cities, bases, proposed, labels);
    document.getElementById("cov-map").replaceChildren(root);
    document.getElementById("cov-legend").innerHTML = BANDS
      .map(([, c, label]) => `<span><i style="background:${c}"></i>${label}</span>`).join("") +
      `<span><i style="background:#253494"></i>${t("station")}</span><span><i style="background:#111"></i>${t("hub")}</span>` +
      `<span><i style="background:#7b1fa2"></i>${t("added")}</span>`;
  }

  function toggle(adcode) {
    const at = state.added.indexOf(adcode);
    if (at >= 0) state.added.splice(at, 1);
    else state.added.push(adcode);
    load();
  }

  function renderWhatIf() {
    const box = document.getElementById("whatif");
    const byAdcode = new Map(state.map.cities.map((c) => [c.adcode, c]));
    if (!state.added.length) {
      box.innerHTML = `<p class="hint">${t("none_added")}</p>`;
      return;
    }
    const c = state.coverage;
    box.innerHTML = `<p>${t("added")}: ${state.added.map((a) => {
      const city = byAdcode.get(a);
      const name = city ? (Ruyi.lang === "zh" ? city.name_zh : city.name_en) : a;
      return `<span class="tag">${Ruyi.escape(name)} <a href="#" data-remove="${a}" title="${t("remove")}">✕</a></span>`;
    }).join(" ")}</p>
    <table class="list"><tr><th></th><th>${t("before")}</th><th>${t("after")}</th></tr>
    <tr><td>${t("within_2h")}</td><td>${pct(c.report.national.urgent_share)}</td><td id="whatif-urgent">${pct(c.after.national.urgent_share)}</td></tr>
    <tr><td>${t("within_12h")}</td><td>${pct(c.report.national.standard_share)}</td><td id="whatif-standard">${pct(c.after.national.standard_share)}</td></tr>
    <tr><td>${t("by_skill")}</td><td>${pct(c.skills.national.weighted_standard_share)}</td><td>${pct(c.skills_after.national.weighted_standard_share)}</td></tr></table>`;
    box.querySelectorAll("a[data-remove]").forEach((a) => a.addEventListener("click", (e) => {
      e.preventDefault();
      toggle(Number(a.dataset.remove));
    }));
  }

  function renderSkills() {
    const c = state.coverage;
    const skills = c.skills_after || c.skills;
    const areas = [skills.national, ...skills.regions];
    const before = [c.skills.national, ...c.skills.regions];
    const cell = (share, old) => {
      const hue = Math.round(120 * share);
      const moved = old !== undefined && Math.abs(share - old) > 1e-9 ? ` <small class="up">(${pct(old)})</small>` : "";
      return `<td class="cell" style="background:hsl(${hue},70%,88%)">${pct(share)}${moved}</td>`;
    };
    document.getElementById("skills").innerHTML = `<table class="list skills"><thead><tr><th>${t("region")}</th>
      ${SKILLS.map((s) => `<th>${skillName(s)}</th>`).join("")}<th>${t("by_skill")}</th></tr></thead><tbody>
      ${areas.map((area, i) => `<tr><td>${regionName(area)}</td>${area.skills.map((s, k) =>
        cell(s.standard_share, c.skills_after ? before[i].skills[k].standard_share : undefined)).join("")}
        ${cell(area.weighted_standard_share, c.skills_after ? before[i].weighted_standard_share : undefined)}</tr>`).join("")}
      </tbody></table>`;
    const byAdcode = new Map(state.map.cities.map((city) => [city.adcode, city]));
    document.getElementById("gaps").innerHTML = `<table class="list"><thead><tr><th>${t("region")}</th><th>${t("customer")}</th>
      <th>${t("skill")}</th><th>${t("reason")}</th><th>${t("nearest")}</th><th>${t("demand")}</th></tr></thead><tbody>
      ${skills.gaps.slice(0, 15).map((gap) => {
        const city = byAdcode.get(gap.adcode);
        return `<tr><td>${Ruyi.lang === "zh" ? REGION_ZH[gap.region] : gap.region}</td>
          <td>${Ruyi.escape(Ruyi.lang === "zh" && city ? city.name_zh : gap.name)}</td><td>${skillName(gap.skill)}</td>
          <td>${gap.reason === "no_qualified_engineer" ? t("no_engineer") : t("day_trip")}</td>
          <td>${gap.nearest_minutes === null ? "—" : `${Math.round(gap.nearest_minutes)} ${t("minutes")} (${Ruyi.escape(gap.nearest_base)})`}</td>
          <td>${Math.round(gap.demand).toLocaleString()}</td></tr>`;
      }).join("")}</tbody></table>`;
  }

  function renderSiting() {
    const box = document.getElementById("siting");
    const s = state.siting;
    if (!s) {
      box.replaceChildren();
      return;
    }
    const byAdcode = new Map(state.map.cities.map((c) => [c.adcode, c]));
    box.innerHTML = `<p>${t("sites")} (${t("gap")} ${(100 * s.solution.gap).toFixed(2)}%):</p>
      <ol>${s.sites.map((site) => {
        const city = byAdcode.get(site.adcode);
        return `<li>${Ruyi.escape(Ruyi.lang === "zh" && city ? city.name_zh : site.name)}</li>`;
      }).join("")}</ol>
      <table class="list"><tr><th></th><th>${t("before")}</th><th>${t("after")}</th></tr>
      <tr><td>${t("within_2h")}</td><td>${pct(s.before.national.urgent_share)}</td><td>${pct(s.after.national.urgent_share)}</td></tr>
      <tr><td>${t("within_12h")}</td><td>${pct(s.before.national.standard_share)}</td><td>${pct(s.after.national.standard_share)}</td></tr></table>
      <button type="button" id="site-use">${t("added")} ⇢ ${Ruyi.lang === "zh" ? "假设分析" : "what-if"}</button>`;
    box.querySelector("#site-use").addEventListener("click", () => {
      state.added = s.sites.map((site) => site.adcode);
      load();
    });
  }

  document.getElementById("site-run").addEventListener("click", async (event) => {
    const button = event.target.closest("button");
    button.disabled = true;
    try {
      const answer = await Ruyi.api("/api/v1/simulations", {
        method: "POST",
        body: {
          kind: "site",
          k: Number(document.getElementById("site-k").value),
          within: document.getElementById("site-within").value,
          time_limit: 10,
        },
      });
      state.siting = answer.siting;
      render();
    } catch (error) {
      Ruyi.toast(error.message, true);
    } finally {
      button.disabled = false;
    }
  });
  document.getElementById("whatif-clear").addEventListener("click", () => {
    state.added = [];
    load();
  });
  const mapPath = (ext) => `/api/v1/coverage/map.${ext}?lang=${Ruyi.lang}${state.added.length ? "&add=" + state.added.join(",") : ""}`;
  document.getElementById("dl-svg").addEventListener("click", () =>
    Ruyi.download(mapPath("svg"), "ruyi-coverage.svg").catch((e) => Ruyi.toast(e.message, true)));
  document.getElementById("dl-png").addEventListener("click", () =>
    Ruyi.download(mapPath("png"), "ruyi-coverage.png").catch((e) => Ruyi.toast(e.message, true)));
  document.addEventListener("ruyi:lang", () => { if (state.coverage) render(); });
  load();
})();
