// The team comparison page: /compare?teams=a,b,c shows 2–4 teams side by side: rank, members, totals, verified,
// outcomes, activities per member, this month against last month (all from GET /api/board's leaderboard entries) and a
// grouped bar chart. Teams are added with the picker and removed from their column; the address follows the choice.
// Re-read every 30 s while open. Team names come from the roster and only ever go in via textContent.
import {
  t, lang, initPage, initSession, getJson, formatNumber, el, showMessage, setAsOf, withLang, OUTCOME_KEYS,
} from './drill-common.js';

const MAX_TEAMS = 4;
const MIN_TEAMS = 2;
const REFRESH_MS = 30_000;
const ID = /^[a-z0-9-]{1,64}$/;
const COLOURS = ['#c8102e', '#d69e2e', '#2563eb', '#0f766e'];
const $ = (id) => document.getElementById(id);

const STRINGS = {
  zh: {
    title: '服务队对比', subtitle: '并排比较 2–4 支服务队的活动、成效、人均与本月进度',
    addTeam: '添加服务队', add: '添加', choose: '选择服务队…', tableTitle: '逐项对比', chartTitle: '对比图', metric: '指标',
    remove: '移除', removeTitle: (n) => `从对比中移除 ${n}`,
    rank: '排名', members: '队员', verified: '已核实场次', perMember: '人均场次',
    thisMonth: '本月场次', lastMonth: '上月场次', change: '本月比上月',
    needMore: (n) => `请至少选择 ${n} 支服务队进行对比。`, full: (n) => `最多同时对比 ${n} 支服务队。`,
    unknown: (ids) => `已忽略未知的服务队：${ids}`,
  },
  en: {
    title: 'Compare teams', subtitle: 'Two to four teams side by side: activities, outcomes, per member and this month',
    addTeam: 'Add a team', add: 'Add', choose: 'Choose a team…', tableTitle: 'Side by side', chartTitle: 'Chart', metric: 'Measure',
    remove: 'Remove', removeTitle: (n) => `Remove ${n} from the comparison`,
    rank: 'Rank', members: 'Members', verified: 'Verified activities', perMember: 'Activities per member',
    thisMonth: 'This month', lastMonth: 'Last month', change: 'This month vs last',
    needMore: (n) => `Choose at least ${n} teams to compare.`, full: (n) => `At most ${n} teams at a time.`,
    unknown: (ids) => `Unknown teams left out: ${ids}`,
  },
};

function c(key, ...args) {
  const v = STRINGS[lang][key] ?? STRINGS.zh[key] ?? key;
  return typeof v === 'function' ? v(...args) : v;
}

const num = (v) => (Number.isFinite(Number(v)) ? Number(v) : 0);
const nameOf = (e) => (lang === 'en' ? e?.nameEn || e?.nameZh : e?.nameZh || e?.nameEn) || e?.teamId || '';
const ratio = (v) => { const n = num(v); return n < 10 ? n.toFixed(2) : n.toFixed(1); };
const signed = (n) => (n > 0 ? `+${formatNumber(n)}` : n < 0 ? `−${formatNumber(-n)}` : '0');

/** The table's rows: label, value of a leaderboard entry, text, and whether more is better (for the highlight). */
const ROWS = [
  { key: 'rank', value: (e) => num(e.rank), text: (v) => (v > 0 ? `#${v}` : '–'), better: 'low' },
  { key: 'members', value: (e) => num(e.members), text: formatNumber },
  { key: 'activities', value: (e) => num(e.tally?.activities), text: formatNumber, better: 'high', label: () => t('activities') },
  { key: 'verified', value: (e) => num(e.verified?.activities), text: formatNumber, better: 'high' },
  { key: 'participants', value: (e) => num(e.tally?.participants), text: formatNumber, better: 'high', label: () => t('participants') },
  ...OUTCOME_KEYS.map((k) => ({ key: k, value: (e) => num(e.tally?.outcomes?.[k]), text: formatNumber, better: 'high', label: () => t(k) })),
  { key: 'perMember', value: (e) => num(e.perMember), text: ratio, better: 'high' },
  { key: 'thisMonth', value: (e) => num(e.thisMonth), text: formatNumber, better: 'high' },
  { key: 'lastMonth', value: (e) => num(e.lastMonth), text: formatNumber },
  { key: 'change', value: (e) => num(e.thisMonth) - num(e.lastMonth), text: signed, better: 'high' },
];

/** The chart's groups: counts of comparable size (people served run to thousands and stay in the table). */
const CHART_KEYS = ['activities', 'thisMonth', 'lastMonth', 'enterprisesServed', 'problemsSolved', 'disputesMediated', 'policySessions', 'projectsLanded'];

let roster = []; // [{ id, nameZh, nameEn }]
let entries = new Map(); // team id → leaderboard entry
let chosen = [];
let unknown = [];
let chart = null;
let asOf = null;

function requested() {
  const raw = new URLSearchParams(location.search).get('teams') ?? '';
  const ids = [];
  for (const part of raw.split(',')) {
    const id = part.trim().toLowerCase();
    if (id && !ids.includes(id)) ids.push(id);
  }
  return ids;
}

function syncAddress() {
  const params = new URLSearchParams(location.search);
  if (chosen.length) params.set('teams', chosen.join(',')); else params.delete('teams');
  const q = params.toString().replaceAll('%2C', ',');
  history.replaceState(null, '', `${location.pathname}${q ? `?${q}` : ''}`);
}

function renderPicker() {
  const select = $('compare-add');
  const keep = select.value;
  select.replaceChildren();
  const none = el('option', null, c('choose'));
  none.value = '';
  select.append(none);
  for (const team of roster) {
    if (chosen.includes(team.id)) continue;
    const o = el('option', null, nameOf(team));
    o.value = team.id;
    select.append(o);
  }
  if ([...select.options].some((o) => o.value === keep)) select.value = keep;
  const full = chosen.length >= MAX_TEAMS;
  select.disabled = full;
  $('compare-add-button').disabled = full;
  const hints = [];
  if (unknown.length) hints.push(c('unknown', unknown.join(', ')));
  if (chosen.length < MIN_TEAMS) hints.push(c('needMore', MIN_TEAMS));
  else if (full) hints.push(c('full', MAX_TEAMS));
  const hint = $('compare-hint');
  hint.textContent = hints.join(' ');
  hint.hidden = hints.length === 0;
}

function entryOf(id) {
  const e = entries.get(id);
  if (e) return e;
  const team = roster.find((x) => x.id === id);
  return { teamId: id, nameZh: team?.nameZh, nameEn: team?.nameEn, members: team?.members ?? 0, tally: team?.totals ?? {} };
}

function renderTable() {
  const table = $('compare-table');
  const headRow = table.tHead.rows[0];
  while (headRow.cells.length > 1) headRow.deleteCell(1);
  const columns = chosen.map(entryOf);
  columns.forEach((e, i) => {
    const th = el('th', 'compare-team');
    th.scope = 'col';
    th.dataset.teamId = e.teamId;
    const swatch = el('span', 'compare-swatch');
    swatch.style.backgroundColor = COLOURS[i % COLOURS.length];
    const a = el('a', 'compare-team-name', nameOf(e));
    a.href = withLang(`/teams/${encodeURIComponent(e.teamId)}`);
    const remove = el('button', 'compare-remove', '×');
    remove.type = 'button';
    remove.title = c('removeTitle', nameOf(e));
    remove.setAttribute('aria-label', c('removeTitle', nameOf(e)));
    remove.dataset.remove = e.teamId;
    remove.addEventListener('click', () => removeTeam(e.teamId));
    th.append(swatch, a, remove);
    headRow.append(th);
  });

  const body = table.tBodies[0];
  body.replaceChildren(...ROWS.map((row) => {
    const tr = el('tr');
    tr.dataset.metric = row.key;
    const label = el('th', 'compare-metric', row.label ? row.label() : c(row.key));
    label.scope = 'row';
    tr.append(label);
    const values = columns.map((e) => row.value(e));
    let best = null;
    if (row.better && columns.length > 1) {
      const candidates = row.better === 'low' ? values.filter((v) => v > 0) : values;
      if (candidates.length) best = row.better === 'low' ? Math.min(...candidates) : Math.max(...candidates);
      if (row.better === 'high' && best <= 0) best = null;
    }
    columns.forEach((e, i) => {
      const td = el('td', 'num', row.text(values[i]));
      td.dataset.teamId = e.teamId;
      if (best !== null && values[i] === best && values.filter((v) => v === best).length < values.length) td.classList.add('best');
      tr.append(td);
    });
    return tr;
  }));
  setAsOf($('compare-asof'), asOf);
}

function renderChart() {
  const box = $('compare-chart');
  if (!globalThis.echarts || !box) return;
  if (!chart) {
    chart = globalThis.echarts.init(box, null, { renderer: 'canvas' });
    new ResizeObserver(() => chart.resize()).observe(box);
  }
  const columns = chosen.map(entryOf);
  const rowOf = new Map(ROWS.map((r) => [r.key, r]));
  const labelOf = (key) => { const r = rowOf.get(key); return r.label ? r.label() : c(key); };
  chart.setOption({
    animationDuration: 300,
    color: COLOURS,
    grid: { left: 8, right: 8, top: 36, bottom: 4, containLabel: true },
    legend: { top: 0, textStyle: { color: '#475569' } },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    xAxis: { type: 'category', data: CHART_KEYS.map(labelOf), axisLabel: { color: '#475569', interval: 0, rotate: lang === 'en' ? 20 : 0 } },
    yAxis: { type: 'value', minInterval: 1, axisLabel: { color: '#64748b' }, splitLine: { lineStyle: { color: '#eef2f7' } } },
    series: columns.map((e) => ({
      name: nameOf(e),
      type: 'bar',
      barMaxWidth: 26,
      data: CHART_KEYS.map((key) => rowOf.get(key).value(e)),
      itemStyle: { borderRadius: [3, 3, 0, 0] },
    })),
  }, { notMerge: true });
}

function render() {
  renderPicker();
  renderTable();
  renderChart();
}

function addTeam(id) {
  if (!id || chosen.includes(id) || chosen.length >= MAX_TEAMS || !roster.some((x) => x.id === id)) return;
  chosen.push(id);
  syncAddress();
  render();
}

function removeTeam(id) {
  chosen = chosen.filter((x) => x !== id);
  syncAddress();
  render();
}

async function loadBoard() {
  const r = await getJson('/api/board');
  if (!r.ok || !r.data) return false;
  entries = new Map((r.data.leaderboard ?? []).map((e) => [e.teamId, e]));
  asOf = r.data.asOf ?? null;
  return true;
}

async function main() {
  initPage();
  for (const node of document.querySelectorAll('[data-c18n]')) node.textContent = c(node.dataset.c18n);
  document.title = `${c('title')} · ${t('appName')}`;
  await initSession();

  let teams;
  try {
    [teams] = await Promise.all([getJson('/api/teams'), loadBoard()]);
  } catch {
    showMessage(t('loadFailed'));
    return;
  }
  if (teams.status === 403) { showMessage(t('forbidden'), t('forbiddenHint')); return; }
  if (!teams.ok || !Array.isArray(teams.data)) { showMessage(t('loadFailed')); return; }
  roster = teams.data
    .filter((x) => x?.profile?.id)
    .map((x) => ({ id: x.profile.id, nameZh: x.profile.nameZh, nameEn: x.profile.nameEn, members: x.profile.members, totals: x.totals }));
  roster.sort((a, b) => (entries.get(a.id)?.rank ?? 999) - (entries.get(b.id)?.rank ?? 999) || a.id.localeCompare(b.id));

  const known = new Set(roster.map((x) => x.id));
  const asked = requested();
  unknown = asked.filter((id) => !ID.test(id) || !known.has(id)).map((id) => id.slice(0, 64));
  chosen = asked.filter((id) => ID.test(id) && known.has(id)).slice(0, MAX_TEAMS);
  if (asked.length === 0) chosen = roster.slice(0, MAX_TEAMS).map((x) => x.id); // the top teams of the race
  syncAddress();

  $('compare-picker').addEventListener('submit', (e) => {
    e.preventDefault();
    addTeam($('compare-add').value);
  });
  $('compare-add').addEventListener('change', () => addTeam($('compare-add').value));
  render();

  const refresh = async () => {
    try { if (await loadBoard()) render(); } catch { /* keep what is shown; the as-of time says how old it is */ }
  };
  setInterval(() => { if (!document.hidden) refresh(); }, REFRESH_MS);
  document.addEventListener('visibilitychange', () => { if (!document.hidden) refresh(); });
}

main();
