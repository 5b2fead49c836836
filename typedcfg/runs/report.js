// typedcfg run report: the page's own script. The data is the JSON in #data; plots are plotly's.
"use strict";
const D = JSON.parse(document.getElementById("data").textContent);
D.runs = rowsOf(D.runs, D.sources);
function rowsOf(c, sources) {  // the runs come as columns (one array per key); the page uses rows
  const rows = c.path.map((path, i) => ({ path, state: c.state[i], created: c.created[i], sweep: c.sweep[i],
    config: {}, summary: {}, source: {} }));
  const fill = (part, columns) => {
    for (const [k, col] of Object.entries(columns)) {
      const gone = new Set(col.missing);
      col.values.forEach((v, i) => { if (!gone.has(i)) rows[i][part][k] = v; });
    }
  };
  fill("config", c.config); fill("summary", c.summary);
  for (const [k, ids] of Object.entries(c.source)) ids.forEach((s, i) => { if (s >= 0) rows[i].source[k] = sources[s]; });
  return rows;
}
const $ = (id) => document.getElementById(id);
const PAGE = 50;
const S = { sort: null, desc: false, page: 0, filters: {}, state: "", chosen: new Set() };
const cols = [...D.keys.map((k) => ({ key: k, kind: "config" })),
  ...D.metrics.map((k) => ({ key: k, kind: "summary" }))];
const val = (r, c) => (c.kind === "config" ? r.config : r.summary)[c.key];
const isNum = (v) => typeof v === "number" && isFinite(v);
function text(v) {
  if (v === undefined) return "-";
  if (isNum(v)) return Number.isInteger(v) ? String(v) : String(+v.toPrecision(6));
  return typeof v === "string" ? v : JSON.stringify(v);
}
function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) k === "class" ? (e.className = v) : e.setAttribute(k, v);
  for (const k of kids) e.append(k instanceof Node ? k : document.createTextNode(String(k)));
  return e;
}
function cmp(a, b) {  // numbers, then text, then anything else; missing last
  const rank = (v) => (v === undefined ? 3 : isNum(v) ? 0 : typeof v === "string" ? 1 : 2);
  const ra = rank(a), rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (ra === 0) return a - b;
  const ta = text(a), tb = text(b);
  return ta < tb ? -1 : ta > tb ? 1 : 0;
}
function test(v, f) {  // a column filter: "text" (substring), or "<0.1", ">=3", "=adam", "!=x"
  const m = /^(<=|>=|!=|<|>|=)\s*(.*)$/.exec(f);
  if (!m) return text(v).toLowerCase().includes(f.toLowerCase());
  const [, op, raw] = m, n = Number(raw), num = raw !== "" && !isNaN(n);
  if (op === "=") return num && isNum(v) ? v === n : text(v) === raw;
  if (op === "!=") return num && isNum(v) ? v !== n : text(v) !== raw;
  if (!num || !isNum(v)) return false;
  return op === "<" ? v < n : op === "<=" ? v <= n : op === ">" ? v > n : v >= n;
}
function shown() {
  let rows = D.runs.filter((r) => !S.state || r.state === S.state);
  for (const [i, f] of Object.entries(S.filters)) if (f) rows = rows.filter((r) => test(val(r, cols[i]), f));
  if (S.sort !== null) {
    const c = cols[S.sort];
    rows = rows.slice().sort((a, b) => {
      const va = val(a, c), vb = val(b, c);
      if (va === undefined || vb === undefined) return (va === undefined) - (vb === undefined);
      return S.desc ? -cmp(va, vb) : cmp(va, vb);
    });
  }
  return rows;
}
function renderRuns() {
  const rows = shown(), pages = Math.max(1, Math.ceil(rows.length / PAGE));
  S.page = Math.min(S.page, pages - 1);
  const body = $("runs-body");
  body.replaceChildren(...rows.slice(S.page * PAGE, S.page * PAGE + PAGE).map((r) => {
    const box = el("input", { type: "checkbox", "data-path": r.path });
    box.checked = S.chosen.has(r.path);
    box.onchange = () => { box.checked ? S.chosen.add(r.path) : S.chosen.delete(r.path); renderCompare(); };
    return el("tr", { "data-path": r.path }, el("td", {}, box), el("td", {}, r.path),
      el("td", { class: "state-" + r.state }, r.state), ...cols.map((c) => el("td", {}, text(val(r, c)))));
  }));
  $("runs-count").textContent = `${rows.length ? S.page * PAGE + 1 : 0}-${Math.min(rows.length, (S.page + 1) * PAGE)} of ${rows.length} runs (page ${S.page + 1} of ${pages})`;
  renderGroups(rows); later(() => renderPlots(shown()));
}
let pending = null;  // plots are redrawn once typing pauses, not on every key
function later(draw) { clearTimeout(pending); pending = setTimeout(draw, 120); }
function header() {
  const head = $("runs-head"), filters = $("runs-filters");
  head.append(el("th", {}, ""), el("th", {}, "run"), el("th", {}, "state"));
  filters.append(el("th"), el("th"), el("th"));
  cols.forEach((c, i) => {
    const th = el("th", { class: c.kind, "data-col": i }, c.key);
    th.onclick = () => { S.desc = S.sort === i ? !S.desc : false; S.sort = i; renderRuns(); mark(); };
    head.append(th);
    const box = el("input", { placeholder: "filter", "data-col": i, size: 6 });
    box.oninput = () => { S.filters[i] = box.value.trim(); S.page = 0; renderRuns(); };
    filters.append(el("th", {}, box));
  });
  const mark = () => head.querySelectorAll("th[data-col]").forEach((th) => {
    const on = +th.dataset.col === S.sort;
    th.setAttribute("aria-sort", on ? (S.desc ? "descending" : "ascending") : "none");
  });
}
function stats(values) {
  const xs = values.filter(isNum), n = xs.length;
  if (!n) return { n, mean: undefined, std: undefined, min: undefined, max: undefined };
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : undefined;
  return { n, mean, std, min: Math.min(...xs), max: Math.max(...xs) };
}
function renderGroups(rows) {
  const by = [...$("group-by").selectedOptions].map((o) => o.value), metric = $("metric").value;
  const groups = new Map();
  for (const r of rows) {
    const vs = by.map((k) => r.config[k]), id = JSON.stringify(vs.map((v) => (v === undefined ? null : v)));
    if (!groups.has(id)) groups.set(id, { vs, members: [] });
    groups.get(id).members.push(r);
  }
  const list = [...groups.values()].sort((a, b) => {
    for (let i = 0; i < by.length; i++) { const c = cmp(a.vs[i], b.vs[i]); if (c) return c; }
    return 0;
  });
  $("groups-head").replaceChildren(el("tr", {}, ...by.map((k) => el("th", {}, k)),
    ...["count", metric + " mean", "std", "min", "max", "n"].map((h) => el("th", {}, h))));
  $("groups-body").replaceChildren(...list.map((g) => {
    const s = stats(g.members.map((r) => r.summary[metric]));
    return el("tr", {}, ...g.vs.map((v) => el("td", {}, text(v))), el("td", {}, g.members.length),
      ...[s.mean, s.std, s.min, s.max].map((v) => el("td", {}, text(v))), el("td", {}, s.n));
  }));
}
function renderCompare() {
  const runs = D.runs.filter((r) => S.chosen.has(r.path)), out = $("compare");
  if (runs.length < 2) { out.replaceChildren(el("p", {}, "Tick two or more runs in the table to compare them.")); return; }
  const keys = D.keys.filter((k) => new Set(runs.map((r) => JSON.stringify(r.config[k]))).size > 1);
  const head = el("tr", {}, el("th", {}, "key"), ...runs.map((r) => el("th", { colspan: 2 }, r.path)));
  const body = keys.map((k) => el("tr", { "data-key": k }, el("td", {}, k),
    ...runs.flatMap((r) => [el("td", {}, text(r.config[k])), el("td", { class: "source" }, r.source[k] || "")])));
  out.replaceChildren(keys.length ? el("table", { id: "compare-table" }, el("thead", {}, head), el("tbody", {}, ...body))
    : el("p", {}, "These runs have the same config."));
}
function dimension(rows, key, get) {
  const vs = rows.map(get);
  if (vs.every((v) => v === undefined || isNum(v))) return { label: key, values: vs.map((v) => (v === undefined ? NaN : v)) };
  const names = [...new Set(vs.map(text))].sort();
  return { label: key, values: vs.map((v) => names.indexOf(text(v))), tickvals: names.map((_, i) => i), ticktext: names };
}
function renderPlots(rows) {
  const metric = $("metric").value, x = $("scatter-x").value, color = $("scatter-color").value;
  const m = rows.map((r) => r.summary[metric]);
  const dims = [...D.keys.map((k) => dimension(rows, k, (r) => r.config[k])), dimension(rows, metric, (r) => r.summary[metric])];
  Plotly.react("parcoords", [{ type: "parcoords", dimensions: dims,
    line: { color: m.map((v) => (isNum(v) ? v : NaN)), colorscale: "Viridis", showscale: true } }],
  { title: { text: "config keys and " + metric }, margin: { l: 60, r: 60, t: 80, b: 40 } }, { responsive: true });
  const traces = [], split = new Map(), kind = rows.length > 2000 ? "scattergl" : "scatter";  // WebGL past a few thousand points
  const colours = color ? rows.map((r) => r.config[color]) : [];
  const point = (members, extra) => ({ type: kind, mode: "markers", x: members.map((r) => r.config[x] ?? null),
    y: members.map((r) => r.summary[metric] ?? null), text: members.map((r) => r.path), ...extra });
  if (color && new Set(colours.map(text)).size > 12 && colours.every((v) => v === undefined || isNum(v))) {
    traces.push(point(rows, { name: color, marker: { color: colours.map((v) => (v === undefined ? null : v)), colorscale: "Viridis", showscale: true } }));
  } else {
    for (const r of rows) { const c = color ? text(r.config[color]) : "runs"; if (!split.has(c)) split.set(c, []); split.get(c).push(r); }
    const names = [...split.keys()].sort((a, b) => cmp(split.get(a)[0].config[color], split.get(b)[0].config[color]));
    for (const name of names.slice(0, 12)) traces.push(point(split.get(name), { name: color ? `${color}=${name}` : name }));
    const rest = names.slice(12).flatMap((n) => split.get(n));
    if (rest.length) traces.push(point(rest, { name: "other values" }));
  }
  Plotly.react("scatter", traces, { title: { text: `${metric} against ${x}` }, xaxis: { title: { text: x } }, yaxis: { title: { text: metric } } }, { responsive: true });
}
function renderSweep() {
  const id = $("sweep").value, metric = $("metric").value, higher = $("higher").checked, out = $("sweep-body");
  const trials = D.runs.filter((r) => r.sweep === id);
  const scored = trials.filter((r) => isNum(r.summary[metric]));
  const best = scored.reduce((b, r) => (b === null || (higher ? r.summary[metric] > b.summary[metric] : r.summary[metric] < b.summary[metric]) ? r : b), null);
  const params = (D.sweeps[id] || {}).params || [];
  $("sweep-head").replaceChildren(el("tr", {}, ...["", "run", "state", ...params, metric].map((h) => el("th", {}, h))));
  out.replaceChildren(...trials.map((r) => el("tr", { class: r === best ? "best" : "", "data-path": r.path },
    el("td", {}, r === best ? "best" : ""), el("td", {}, r.path), el("td", {}, r.state),
    ...params.map((k) => el("td", {}, text(r.config[k]))), el("td", {}, text(r.summary[metric])))));
  $("sweep-best").textContent = best ? `best of ${trials.length} trials: ${best.path} (${metric} = ${text(best.summary[metric])})` : `no trial reports ${metric}`;
}
function options(select, names, chosen) {
  select.replaceChildren(...names.map((n) => { const o = el("option", { value: n }, n); o.selected = chosen.includes(n); return o; }));
}
function init() {
  $("title").textContent = D.title;
  $("generated").textContent = `${D.runs.length} runs, written ${D.generated} by typedcfg`;
  options($("group-by"), D.keys, D.keys.slice(0, 1));
  options($("metric"), D.metrics, D.metrics.slice(0, 1));
  options($("scatter-x"), D.keys, D.keys.slice(0, 1));
  const few = D.keys.filter((k, i) => i > 0 && new Set(D.runs.map((r) => text(r.config[k]))).size <= 12);
  options($("scatter-color"), ["", ...D.keys], few.slice(0, 1));
  options($("state"), ["", ...new Set(D.runs.map((r) => r.state))], [""]);
  options($("sweep"), Object.keys(D.sweeps), Object.keys(D.sweeps).slice(-1));
  $("sweep-view").hidden = !Object.keys(D.sweeps).length;
  $("state").onchange = (e) => { S.state = e.target.value; S.page = 0; renderRuns(); };
  $("prev").onclick = () => { S.page = Math.max(0, S.page - 1); renderRuns(); };
  $("next").onclick = () => { S.page += 1; renderRuns(); };
  for (const id of ["group-by"]) $(id).onchange = () => renderGroups(shown());
  for (const id of ["metric"]) $(id).onchange = () => { renderRuns(); renderSweep(); };
  for (const id of ["scatter-x", "scatter-color"]) $(id).onchange = () => later(() => renderPlots(shown()));
  for (const id of ["sweep", "higher"]) $(id).onchange = renderSweep;
  $("damaged").replaceChildren(...D.damaged.map((d) => el("li", {}, el("b", {}, d.path), ": " + d.problem)));
  $("damaged-view").hidden = !D.damaged.length;
  header(); renderRuns(); renderCompare(); renderSweep();
  document.body.dataset.table = "1";  // the tables are usable; the plots follow
  clearTimeout(pending);
  setTimeout(() => { renderPlots(shown()); document.body.dataset.ready = "1"; }, 0);
}
init();
