// Ruyi web app: what every page shares — the language switch, the API
// token, fetching JSON from the API, times in China Standard Time, toasts,
// and drawing China in SVG (no tiles, no library).
"use strict";

(function () {
  // Errors a page hits are kept for the browser tests as well as logged.
  window.__ruyiErrors = [];
  window.addEventListener("error", (e) => window.__ruyiErrors.push(String(e.message)));
  window.addEventListener("unhandledrejection", (e) =>
    window.__ruyiErrors.push(String(e.reason && e.reason.message || e.reason)));

  const WORDS = {
    zh: {
      tickets: "工单", assigned: "已分配", on_time: "12 小时内到场", engineers: "出勤工程师",
      km: "公里", unassigned: "未分配", loaners: "备机", revision: "版本", no_roster: "这一天还没有排班。点“生成排班”。",
      pins: "固定", pins_not_kept: "未能保持的固定", pin: "固定到此工程师", unpin: "取消固定", move: "移动到", place: "位置", cheapest: "最省位置",
      move_go: "移动", ticket: "工单", customer: "客户", severity: "级别", skill: "技能", arrival: "到达",
      service: "服务", on_site_by: "12 小时到场期限", repaired_by: "48 小时修复期限", late: "迟到",
      minutes: "分钟", reason: "原因", fix: "建议", engineer: "工程师", open_ticket: "工单详情",
      generated: "排班已生成", replanned: "已重新规划", moved: "已移动", pinned: "已固定", unpinned: "已取消固定",
      inserted: "紧急工单已插入", not_placed: "紧急工单未能安排", pins_broken: "未能保持的固定",
      drive: "路途", visit: "上门", lunch: "午餐", preventive: "预防性巡检", shift: "班次", deadline: "12 小时期限",
      sev1: "一级", sev2: "二级", sev3: "三级", sev4: "四级", late_marked: "迟到（黑圈）", unassigned_mark: "未分配（空心）",
      station: "服务站", hub: "区域中心", loading: "加载中…", stops: "个站点", leave: "出发", back: "返回",
      en_route: "出发前往", arrived: "已到达", finished: "完成", outcome: "结果", fixed: "已修复",
      needs_part: "需备件", needs_return: "需再次上门", customer_absent: "客户不在",
      navigate: "导航", call: "电话", bring: "携带备件", from: "取自", no_route: "这一天没有路线。",
      enter_engineer: "输入工程师编号（如 E0001）。", event_saved: "状态已记录", kind_repair: "维修",
      kind_diagnosis: "诊断（备件在途）", kind_return_visit: "再次上门", kind_preventive_analysis: "预防性系统分析",
      within_2h: "2 小时内覆盖", within_12h: "12 小时内覆盖", by_skill: "按技能 12 小时内", added: "新增服务站",
      none_added: "点击地图上的城市来添加候选服务站。", before: "之前", after: "之后", remove: "移除",
      sites: "选址结果", gap: "最优性差距", region: "区域", national: "全国", nearest: "最近", no_engineer: "本区域无此技能工程师",
      day_trip: "超出当日往返", demand: "需求", stage: "阶段", clocks: "服务时钟", escalation: "升级",
      visits_planned: "计划上门", visits_done: "完成上门", loaner: "备机", met: "达成", missed: "未达成", running: "进行中",
      left: "剩余", spare: "提前", notified: "已通知", next: "下一步", address: "地址", phone: "电话", fault: "故障",
      status: "状态", reported: "报修", respond_by: "2 小时响应期限", none: "无", print_title: "打印",
    },
    en: {
      tickets: "tickets", assigned: "assigned", on_time: "on site in 12 h", engineers: "engineers out",
      km: "km", unassigned: "unassigned", loaners: "loaners", revision: "revision", no_roster: "No roster for this day yet. Press “Generate roster”.",
      pins: "pins", pins_not_kept: "pins not kept", pin: "Pin to this engineer", unpin: "Unpin", move: "Move to", place: "place", cheapest: "cheapest place",
      move_go: "Move", ticket: "Ticket", customer: "Customer", severity: "Severity", skill: "Skill", arrival: "Arrival",
      service: "Service", on_site_by: "On site by (12 h)", repaired_by: "Repaired by (48 h)", late: "late",
      minutes: "min", reason: "Reason", fix: "Suggested fix", engineer: "Engineer", open_ticket: "Ticket page",
      generated: "Roster generated", replanned: "Day re-planned", moved: "Visit moved", pinned: "Visit pinned", unpinned: "Pin removed",
      inserted: "Emergency inserted", not_placed: "The emergency could not be placed", pins_broken: "Pins not kept",
      drive: "drive", visit: "visit", lunch: "lunch", preventive: "preventive", shift: "shift", deadline: "12 h deadline",
      sev1: "severity 1", sev2: "severity 2", sev3: "severity 3", sev4: "severity 4", late_marked: "late (black ring)", unassigned_mark: "unassigned (hollow)",
      station: "station", hub: "hub", loading: "loading…", stops: "stops", leave: "leave", back: "back",
      en_route: "On my way", arrived: "Arrived", finished: "Finished", outcome: "Outcome", fixed: "fixed",
      needs_part: "needs a part", needs_return: "needs a return visit", customer_absent: "customer absent",
      navigate: "Navigate", call: "Call", bring: "Bring", from: "from", no_route: "No route on this day.",
      enter_engineer: "Enter your engineer id (e.g. E0001).", event_saved: "Status recorded", kind_repair: "repair",
      kind_diagnosis: "diagnosis (part on order)", kind_return_visit: "return visit", kind_preventive_analysis: "preventive system analysis",
      within_2h: "covered within 2 h", within_12h: "covered within 12 h", by_skill: "by skill within 12 h", added: "New stations",
      none_added: "Click cities on the map to add candidate stations.", before: "before", after: "after", remove: "remove",
      sites: "Sites chosen", gap: "optimality gap", region: "Region", national: "China", nearest: "nearest", no_engineer: "no engineer of the region with this skill",
      day_trip: "beyond a day trip", demand: "demand", stage: "Stage", clocks: "SLA clocks", escalation: "Escalation",
      visits_planned: "Visits planned", visits_done: "Visits done", loaner: "Loaner", met: "met", missed: "missed", running: "running",
      left: "left", spare: "to spare", notified: "Notified", next: "Next", address: "Address", phone: "Phone", fault: "Fault",
      status: "Status", reported: "Reported", respond_by: "Respond by (2 h)", none: "none", print_title: "Print",
    },
  };

  const storage = {
    get(key) { try { return localStorage.getItem(key); } catch (_) { return null; } },
    set(key, value) { try { localStorage.setItem(key, value); } catch (_) { /* private mode */ } },
  };

  // The bearer token lives in this tab's sessionStorage (gone when the
  // tab closes), or in localStorage when the user ticked "remember on this
  // device"; never in a cookie, so no other site can make the browser
  // send it (no CSRF), and the pages' Content-Security-Policy runs no
  // script but these files.
  const tokenStore = {
    get(key) {
      try { return sessionStorage.getItem(key) || localStorage.getItem(key); } catch (_) { return null; }
    },
    set(key, value, remember) {
      try {
        (remember ? localStorage : sessionStorage).setItem(key, value);
        (remember ? sessionStorage : localStorage).removeItem(key);
      } catch (_) { /* private mode */ }
    },
    clear(key) {
      try { sessionStorage.removeItem(key); localStorage.removeItem(key); } catch (_) { /* private mode */ }
    },
  };

  const Ruyi = {
    lang: storage.get("ruyi.lang") === "en" ? "en" : "zh",
    t(key) { return (WORDS[Ruyi.lang] && WORDS[Ruyi.lang][key]) || WORDS.en[key] || key; },
    setLang(lang) {
      Ruyi.lang = lang;
      storage.set("ruyi.lang", lang);
      document.body.classList.toggle("lang-zh", lang === "zh");
      document.body.classList.toggle("lang-en", lang === "en");
      document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
      const button = document.getElementById("lang-switch");
      if (button) button.textContent = lang === "zh" ? "EN" : "中文";
      document.dispatchEvent(new CustomEvent("ruyi:lang"));
    },
    token() { return tokenStore.get("ruyi.token") || ""; },
    // {role, hub, engineer} of the token, as /api/v1/session said.
    session() {
      try { return JSON.parse(tokenStore.get("ruyi.session") || "null"); } catch (_) { return null; }
    },
    signIn(token, session, remember) {
      tokenStore.set("ruyi.token", token, remember);
      tokenStore.set("ruyi.session", JSON.stringify(session), remember);
    },
    signOut() {
      tokenStore.clear("ruyi.token");
      tokenStore.clear("ruyi.session");
    },
    // To the sign-in page, coming back here after.
    toSignIn() {
      location.replace("/signin?next=" + encodeURIComponent(location.pathname + location.search));
    },
    // Whether the page may run: signed in, or on the way to sign in.
    ready() {
      if (document.documentElement.dataset.page === "signin") return true;
      if (Ruyi.token()) return true;
      Ruyi.toSignIn();
      return false;
    },
    // Where a role works.
    home(session) {
      if (!session) return "/";
      if (session.role === "coordinator" && session.hub) return "/hubs/" + session.hub;
      if (session.role === "engineer") return "/me";
      if (session.role === "planner") return "/coverage";
      return "/";
    },

    // Fetches JSON from the API with the saved token; an error answer
    // becomes an Error carrying the API's message and field.
    async api(path, options = {}) {
      const headers = { Accept: "application/json" };
      const token = options.token || Ruyi.token();
      if (token) headers.Authorization = "Bearer " + token;
      if (options.body !== undefined) headers["Content-Type"] = "application/json";
      if (options.etag) headers["If-None-Match"] = options.etag;
      const response = await fetch(path, {
        method: options.method || "GET",
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        cache: "no-store",
      });
      if (response.status === 304) return { notModified: true, etag: options.etag };
      if (response.status === 204) return {};
      const text = await response.text();
      let data = null;
      try { data = text ? JSON.parse(text) : null; } catch (_) { data = { error: text }; }
      if (response.status === 401 && !options.signingIn) {
        Ruyi.signOut();
        Ruyi.toSignIn();
      }
      if (!response.ok) {
        const error = new Error((data && data.error) || response.statusText);
        error.status = response.status;
        error.field = data && data.field;
        throw error;
      }
      if (options.withEtag) return { data, etag: response.headers.get("ETag") };
      return data;
    },

    // Downloads what an API path answers (a token cannot ride on a link).
    async download(path, filename) {
      const headers = {};
      const token = Ruyi.token();
      if (token) headers.Authorization = "Bearer " + token;
      const response = await fetch(path, { headers });
      if (!response.ok) throw new Error(response.statusText);
      const url = URL.createObjectURL(await response.blob());
      const link = document.createElement("a");
      link.href = url;
      link.download = filename;
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    },

    // Server-sent events over fetch (EventSource cannot send the bearer
    // token): calls onEvent(name, data) per event; reconnects after a
    // drop; `stop()` ends it. onState(true|false) says whether it is live.
    stream(path, onEvent, onState) {
      let controller = null;
      let stopped = false;
      const run = async () => {
        while (!stopped) {
          controller = new AbortController();
          try {
            const response = await fetch(path, {
              headers: { Accept: "text/event-stream", Authorization: "Bearer " + Ruyi.token() },
              signal: controller.signal,
              cache: "no-store",
            });
            if (!response.ok || !response.body) throw new Error(String(response.status));
            if (onState) onState(true);
            const reader = response.body.getReader();
            const decoder = new TextDecoder();
            let buffer = "";
            for (;;) {
              const { value, done } = await reader.read();
              if (done) break;
              buffer += decoder.decode(value, { stream: true });
              let end;
              while ((end = buffer.indexOf("\n\n")) >= 0) {
                const block = buffer.slice(0, end);
                buffer = buffer.slice(end + 2);
                let name = "message";
                let data = "";
                for (const line of block.split("\n")) {
                  if (line.startsWith("event:")) name = line.slice(6).trim();
                  else if (line.startsWith("data:")) data += line.slice(5).trim();
                }
                if (data) {
                  try { onEvent(name, JSON.parse(data)); } catch (_) { /* not JSON */ }
                }
              }
            }
          } catch (_) {
            // Dropped, aborted or refused: try again shortly.
          }
          if (onState) onState(false);
          if (!stopped) await new Promise((resolve) => setTimeout(resolve, 3000));
        }
      };
      run();
      return { stop() { stopped = true; if (controller) controller.abort(); } };
    },

    // Times: every instant shown in China Standard Time (UTC+8, no DST).
    cst(iso) { return new Date(Date.parse(iso) + 8 * 3600e3); },
    time(iso) { return iso ? Ruyi.cst(iso).toISOString().slice(11, 16) : "—"; },
    dateTime(iso) { return iso ? Ruyi.cst(iso).toISOString().slice(5, 16).replace("T", " ") : "—"; },
    todayCst() { return new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 10); },
    nowCstIso() { return new Date(Date.now() + 8 * 3600e3).toISOString().slice(0, 19) + "+08:00"; },
    // Seconds since CST midnight of `date` (YYYY-MM-DD) for an instant.
    secondsOfDay(iso, date) { return (Date.parse(iso) - Date.parse(date + "T00:00:00+08:00")) / 1000; },

    toast(message, isError) {
      const toast = document.getElementById("toast");
      if (!toast) return;
      toast.textContent = message;
      toast.className = "show" + (isError ? " error" : "");
      clearTimeout(Ruyi._toastTimer);
      Ruyi._toastTimer = setTimeout(() => { toast.className = ""; }, isError ? 7000 : 3500);
    },

    el(tag, attrs = {}, children = []) {
      const node = document.createElement(tag);
      for (const [key, value] of Object.entries(attrs)) {
        if (value === undefined || value === null || value === false) continue;
        if (key === "text") node.textContent = value;
        else if (key === "html") node.innerHTML = value;
        else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
        else node.setAttribute(key, value === true ? "" : value);
      }
      for (const child of [].concat(children)) {
        if (child === null || child === undefined) continue;
        node.append(child instanceof Node ? child : document.createTextNode(String(child)));
      }
      return node;
    },
    svg(tag, attrs = {}) {
      const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
      for (const [key, value] of Object.entries(attrs)) {
        if (value !== undefined && value !== null) node.setAttribute(key, value);
      }
      return node;
    },
    escape(text) {
      return String(text === undefined || text === null ? "" : text)
        .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
    },
    sevBadge(level) {
      return level ? `<span class="sev s${level}" title="${Ruyi.t("sev" + level)}">${level}</span>` : "";
    },
    severityColour(level) {
      return { 1: "#d32f2f", 2: "#f57c00", 3: "#f9a825", 4: "#1e88e5" }[level] || "#7b1fa2";
    },
    // A stable colour per engineer, for routes.
    colourOf(id) {
      let hash = 0;
      for (const c of String(id)) hash = (hash * 31 + c.charCodeAt(0)) >>> 0;
      return `hsl(${hash % 360}, 65%, ${38 + (hash >> 9) % 18}%)`;
    },

    // China as the coverage map draws it: equirectangular with the
    // standard parallel at 36° N, scaled to a box of `width` pixels.
    projection(bounds, width) {
      const squash = Math.cos(36 * Math.PI / 180);
      const [lonMin, latMin, lonMax, latMax] = bounds;
      const scale = width / ((lonMax - lonMin) * squash);
      return {
        width,
        height: (latMax - latMin) * scale,
        x: (lon) => (lon - lonMin) * squash * scale,
        y: (lat) => (latMax - lat) * scale,
        scale,
      };
    },
    provincePaths(geojson, projection) {
      const group = Ruyi.svg("g", { class: "provinces" });
      for (const feature of geojson.features) {
        const geometry = feature.geometry;
        const polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
        let d = "";
        for (const polygon of polygons) {
          for (const ring of polygon) {
            ring.forEach(([lon, lat], i) => {
              d += (i ? "L" : "M") + projection.x(lon).toFixed(1) + "," + projection.y(lat).toFixed(1);
            });
            d += "Z";
          }
        }
        const path = Ruyi.svg("path", { d, class: "province" });
        const title = Ruyi.svg("title");
        title.textContent = feature.properties.name;
        path.append(title);
        group.append(path);
      }
      return group;
    },
    _mapData: null,
    async mapData() {
      if (!Ruyi._mapData) Ruyi._mapData = Ruyi.api("/api/v1/network/map");
      return Ruyi._mapData;
    },
  };
  window.Ruyi = Ruyi;

  document.addEventListener("DOMContentLoaded", () => {
    Ruyi.setLang(Ruyi.lang);
    document.getElementById("lang-switch").addEventListener("click", () =>
      Ruyi.setLang(Ruyi.lang === "zh" ? "en" : "zh"));
    const session = Ruyi.session();
    const who = document.getElementById("who");
    if (who && session) {
      who.textContent = session.role + (session.hub ? " · " + session.hub : "") +
        (session.engineer ? " · " + session.engineer : "");
    }
    // Only what the role may open is offered.
    const hubLinks = document.querySelectorAll("a[href^='/hubs/']");
    if (session && session.role === "coordinator") {
      hubLinks.forEach((a) => { a.hidden = a.getAttribute("href") !== "/hubs/" + session.hub; });
    }
    if (session && (session.role === "engineer" || session.role === "call_center")) {
      hubLinks.forEach((a) => { a.hidden = true; });
      document.querySelectorAll("a[href='/coverage']").forEach((a) => { a.hidden = true; });
    }
    const signOut = document.getElementById("sign-out");
    if (signOut) {
      signOut.hidden = !session;
      signOut.addEventListener("click", () => {
        Ruyi.signOut();
        location.href = "/signin";
      });
    }
    const hub = location.pathname.match(/^\/hubs\/([a-z]+)/);
    if (hub) {
      const link = document.querySelector(`nav.hubs a[data-hub="${hub[1]}"]`);
      if (link) link.classList.add("current");
    }
  });
})();
