// The team drill-down page: /teams/{teamId} (or /team.html?id=…). Profile, rank, outcome tiles, trend, breakdowns,
// partner enterprises and a filterable, paged timeline with exports; kept live through WatchTeam on /hubs/board.
import {
  t, tOther, lang, initPage, initSession, pageId, getJson, formatNumber, beijingDay, beijingDateTime, addDays, weekdayMon0, el,
  loadCatalog, nameOf, renderTiles, renderBars, domainRows, activityItem, showMessage, setAsOf, startLive, withLang,
} from './drill-common.js';
import { decorateTimelineItem, captureOpenState, restoreOpenState } from './drill-corrections.js';
import { applyRaceDelta } from './wall-state.js';
import { measureChartTextByCharacter } from './chart-text.js';

const PAGE_SIZE = 20;
const teamId = pageId();
const $ = (id) => document.getElementById(id);

let catalog;
let profile = null;
let aggregates = null;
let lastActivityAt = null;
let trendMode = 'day';
let chart = null;
const enterpriseNames = new Map(); // id → profile
let partners = []; // [{ profile, totals, team }]: the enterprises the team worked with, the team's part of each, most first
let partnersTimer = null;
const seenRevisions = new Map(); // activity id → revision, of the activities live messages brought
const filter = { from: '', to: '', domain: '', page: 1 };
let timelineTotal = 0;
let timelineSeq = 0;
let account = null; // the signed-in account (for who may correct and void)

const partnerName = (id) => nameOf(enterpriseNames.get(id)) || id;

/** An activity of the timeline; one logged more than 7 days after it happened (backFilled) carries a "补录" mark. */
function teamActivityItem(a) {
  const li = activityItem(a, catalog, { partnerName });
  if (a?.backFilled === true) {
    const mark = el('span', 'backfilled-mark', lang === 'en' ? 'back-filled' : '补录');
    mark.title = lang === 'en' ? 'Logged more than 7 days after it happened' : '活动发生 7 天后才登记';
    const meta = li.querySelector('.activity-meta');
    if (meta) meta.append(mark);
    else li.prepend(mark);
  }
  return decorateTimelineItem(li, a, correctionOptions());
}

function correctionOptions() {
  return { account, teamId, catalog, partnerName, onVoided };
}

/** An activity was voided from the timeline: it stops counting, so the totals and the timeline are read again. */
function onVoided(voided) {
  if (voided?.partners?.length) schedulePartners();
  if (timelineTotal > 0) {
    timelineTotal--;
    $('timeline-total').textContent = t('totalItems', formatNumber(timelineTotal));
  }
  $('timeline-empty').hidden = $('timeline').childElementCount > 0;
  refreshSummary();
  loadTimeline();
}

/** Reads the team's totals again (after a change made from this page; the hub's WatchTeam also pushes them). */
async function refreshSummary() {
  try {
    const r = await getJson(`/api/teams/${encodeURIComponent(teamId)}`);
    if (r.ok && r.data) applySummary(r.data);
  } catch { /* the live updates catch up */ }
}

function renderProfile() {
  $('team-name').textContent = nameOf(profile);
  document.title = `${nameOf(profile)} · ${t('appName')}`;
  $('team-sample').hidden = !profile.sample;
  const units = (lang === 'en' ? profile.leadUnitsEn : profile.leadUnitsZh) ?? [];
  const unitsBox = $('team-lead-units');
  unitsBox.replaceChildren();
  if (units.length) {
    unitsBox.append(el('span', 'muted', `${t('leadUnits')}${lang === 'en' ? ': ' : '：'}`));
    unitsBox.append(document.createTextNode(units.join(lang === 'en' ? '; ' : '；')));
  }
  $('team-members').textContent = `${formatNumber(profile.members ?? 0)}${t('membersUnit') ? ` ${t('membersUnit')}` : ''}`;
  $('team-district').textContent = catalog.districtName(profile.homeDistrict);
  const dBox = $('team-domains');
  dBox.replaceChildren();
  for (const code of profile.domains ?? []) dBox.append(el('span', 'chip chip-domain', catalog.domainName(code)));
}

function renderLast() {
  $('team-last').textContent = lastActivityAt ? beijingDateTime(lastActivityAt) : t('none');
}

/** The race as last known (team id → row) and its version: "boardDelta" pushes bring only the rows that changed. */
let race = null;
let lastBoardVersion = -1;

/** The whole race from GET /api/board. */
let raceLoading = false;
function loadRace() {
  if (raceLoading) return;
  raceLoading = true;
  getJson('/api/board').finally(() => { raceLoading = false; }).then((r) => {
    if (!r.ok || !Array.isArray(r.data?.leaderboard)) return;
    if (typeof r.data.version === 'number' && r.data.version < lastBoardVersion) return;
    lastBoardVersion = r.data.version ?? lastBoardVersion;
    race = new Map(r.data.leaderboard.map((row) => [row.teamId, row]));
    renderRank(r.data.leaderboard);
  }).catch(() => {});
}

function renderRank(leaderboard) {
  if (!Array.isArray(leaderboard)) return;
  const row = leaderboard.find((r) => r.teamId === teamId);
  const box = $('team-rank');
  box.replaceChildren();
  if (!row) { box.textContent = t('rankNone'); return; }
  box.append(el('strong', 'rank-number', t('rankOf', row.rank, leaderboard.length)));
  if (row.previousRank && row.previousRank !== row.rank) {
    const up = row.previousRank > row.rank;
    box.append(el('span', up ? 'rank-move up' : 'rank-move down', `${up ? '▲' : '▼'}${Math.abs(row.previousRank - row.rank)}`));
  }
}

function renderAggregates(asOf) {
  renderTiles($('team-tiles'), aggregates?.total);
  setAsOf($('team-asof'), asOf);
  renderBars($('team-domains-bars'), domainRows(aggregates?.byDomain, catalog));
  const districts = Object.entries(aggregates?.byDistrict ?? {})
    .map(([code, tally]) => ({ label: catalog.districtName(code), value: tally?.activities ?? 0 }))
    .filter((r) => r.value > 0)
    .sort((a, b) => b.value - a.value)
    .slice(0, 8);
  renderBars($('team-districts-bars'), districts);
  renderTrend();
}

function trendSeries() {
  const byDay = new Map((aggregates?.daily ?? []).map((d) => [d.day, d.tally]));
  const today = beijingDay(Date.now());
  const labels = [];
  const acts = [];
  const residents = [];
  if (trendMode === 'day') {
    for (let i = 29; i >= 0; i--) {
      const day = addDays(today, -i);
      const tally = byDay.get(day);
      labels.push(day.slice(5));
      acts.push(tally?.activities ?? 0);
      residents.push(tally?.outcomes?.residentsServed ?? 0);
    }
  } else {
    const thisMonday = addDays(today, -weekdayMon0(today));
    for (let w = 12; w >= 0; w--) {
      const monday = addDays(thisMonday, -7 * w);
      let a = 0;
      let r = 0;
      for (let i = 0; i < 7; i++) {
        const tally = byDay.get(addDays(monday, i));
        a += tally?.activities ?? 0;
        r += tally?.outcomes?.residentsServed ?? 0;
      }
      labels.push(t('weekOf', monday.slice(5)));
      acts.push(a);
      residents.push(r);
    }
  }
  return { labels, acts, residents };
}

function renderTrend() {
  const box = $('trend-chart');
  if (!globalThis.echarts || !box) return;
  if (!chart) {
    measureChartTextByCharacter(globalThis.echarts);
    chart = globalThis.echarts.init(box, null, { renderer: 'canvas' });
    new ResizeObserver(() => chart.resize()).observe(box);
  }
  const s = trendSeries();
  chart.setOption({
    animationDuration: 300,
    grid: { left: 8, right: 8, top: 34, bottom: 4, containLabel: true },
    legend: { top: 0, textStyle: { color: '#475569' }, data: [t('activities'), t('residentsServed')] },
    tooltip: { trigger: 'axis' },
    xAxis: { type: 'category', data: s.labels, axisLabel: { color: '#64748b' }, axisLine: { lineStyle: { color: '#cbd5e1' } } },
    yAxis: [
      { type: 'value', minInterval: 1, axisLabel: { color: '#64748b' }, splitLine: { lineStyle: { color: '#eef2f7' } } },
      { type: 'value', minInterval: 1, axisLabel: { color: '#94a3b8' }, splitLine: { show: false } },
    ],
    series: [
      { name: t('activities'), type: 'bar', data: s.acts, itemStyle: { color: '#c8102e', borderRadius: [3, 3, 0, 0] }, barMaxWidth: 22 },
      { name: t('residentsServed'), type: 'line', yAxisIndex: 1, data: s.residents, smooth: false, symbol: 'none', lineStyle: { color: '#d69e2e', width: 2 }, itemStyle: { color: '#d69e2e' } },
    ],
  }, { notMerge: false });
}

/** The enterprises the team worked with, and how often, from the enterprises' own figures (all of the team's log). */
async function loadPartners() {
  try {
    const r = await getJson(`/api/enterprises?teamId=${encodeURIComponent(teamId)}`);
    if (!r.ok || !Array.isArray(r.data)) return;
    partners = r.data.filter((p) => p?.profile?.id);
    for (const p of partners) if (!enterpriseNames.has(p.profile.id)) enterpriseNames.set(p.profile.id, p.profile);
    renderPartners();
  } catch {
    // kept as shown: read again with the team's next change that involves an enterprise
  }
}

/** Enterprises hear of a team's activity a moment after its 201: their figures are read once that has passed. */
function schedulePartners() {
  if (partnersTimer !== null) return;
  partnersTimer = setTimeout(() => {
    partnersTimer = null;
    loadPartners();
  }, 1500);
}

/** Activities a live message brought that are new, or newly revised, and name an enterprise: its figures changed. */
function noteLiveActivities(activities, first) {
  let partnered = false;
  for (const a of activities ?? []) {
    if (!a?.id) continue;
    const known = seenRevisions.has(a.id);
    if (known && seenRevisions.get(a.id) === a.revision) continue;
    seenRevisions.set(a.id, a.revision);
    if (a.partners?.length || known) partnered = true;
  }
  if (partnered && !first) schedulePartners();
}

function renderPartners() {
  const list = $('team-partners');
  list.replaceChildren();
  if (!partners.length) {
    list.append(el('li', 'empty', t('partnersEmpty')));
    return;
  }
  for (const p of partners) {
    const li = el('li', 'pill');
    li.dataset.enterpriseId = p.profile.id;
    const a = el('a', null, partnerName(p.profile.id));
    a.href = withLang(`/enterprises/${encodeURIComponent(p.profile.id)}`);
    li.append(a, el('span', 'pill-count', formatNumber(p.team?.activities ?? 0)));
    list.append(li);
  }
}

function filterParams() {
  const p = new URLSearchParams();
  if (filter.from) p.set('from', filter.from);
  if (filter.to) p.set('to', filter.to);
  if (filter.domain) p.set('domain', filter.domain);
  return p;
}

function updateExports() {
  const p = filterParams();
  p.set('teamId', teamId);
  $('export-csv').href = `/api/exports/activities.csv?${p}`;
  $('export-xlsx').href = `/api/exports/activities.xlsx?${p}`;
}

function showFilterError(text) {
  const box = $('filter-error');
  box.textContent = text ?? '';
  box.hidden = !text;
}

async function loadTimeline() {
  const seq = ++timelineSeq;
  const p = filterParams();
  p.set('page', String(filter.page));
  p.set('pageSize', String(PAGE_SIZE));
  let r;
  try {
    r = await getJson(`/api/teams/${encodeURIComponent(teamId)}/activities?${p}`);
  } catch {
    if (seq === timelineSeq) showFilterError(t('loadFailed'));
    return;
  }
  if (seq !== timelineSeq) return;
  if (r.status === 400) {
    const errs = r.data?.errors ?? {};
    const msgs = Object.entries(errs).map(([f, m]) => `${f}: ${[].concat(m).join(' ')}`);
    showFilterError(t('badRequest') + (msgs.join('; ') || r.data?.detail || r.data?.title || ''));
    return;
  }
  if (!r.ok || !r.data) { showFilterError(t('loadFailed')); return; }
  showFilterError('');
  const data = r.data;
  timelineTotal = data.total ?? 0;
  const pages = Math.max(1, Math.ceil(timelineTotal / (data.pageSize || PAGE_SIZE)));
  if (filter.page > pages && timelineTotal > 0) {
    filter.page = pages;
    loadTimeline();
    return;
  }
  const list = $('timeline');
  const items = (data.items ?? []).filter((a) => a && a.voided !== true);
  const open = captureOpenState(list);
  list.replaceChildren(...items.map(teamActivityItem));
  restoreOpenState(list, open, new Map(items.map((a) => [a.id, a])), correctionOptions());
  $('timeline-empty').hidden = items.length > 0;
  $('timeline-total').textContent = t('totalItems', formatNumber(timelineTotal));
  $('page-info').textContent = t('pageOf', filter.page, pages);
  $('page-prev').disabled = filter.page <= 1;
  $('page-next').disabled = filter.page >= pages;
}

function isFirstUnfiltered() {
  return filter.page === 1 && !filter.from && !filter.to && !filter.domain;
}

let refreshTimer = null;
function scheduleTimelineRefresh() {
  if (refreshTimer !== null) return;
  refreshTimer = setTimeout(() => {
    refreshTimer = null;
    if (isFirstUnfiltered()) loadTimeline();
  }, 800);
}

function applySummary(s, first = false) {
  if (!s) return;
  if (s.profile) profile = s.profile;
  if (s.aggregates) aggregates = s.aggregates;
  if (s.lastActivityAt !== undefined) lastActivityAt = s.lastActivityAt;
  else if (s.recent?.length) lastActivityAt = s.recent[0].occurredAt ?? lastActivityAt;
  renderAggregates(s.asOf);
  renderLast();
  noteLiveActivities(s.recent, first);
}

function wireControls() {
  const select = $('filter-domain');
  for (const d of catalog.domains) {
    const o = el('option', null, lang === 'en' ? d.nameEn : d.nameZh);
    o.value = d.code;
    select.append(o);
  }
  $('filters').addEventListener('submit', (e) => {
    e.preventDefault();
    const from = $('filter-from').value;
    const to = $('filter-to').value;
    if (from && to && from > to) { showFilterError(t('badRequest') + t('fromAfterTo')); return; }
    filter.from = from;
    filter.to = to;
    filter.domain = select.value;
    filter.page = 1;
    updateExports();
    loadTimeline();
  });
  $('filter-reset').addEventListener('click', () => {
    $('filter-from').value = '';
    $('filter-to').value = '';
    select.value = '';
    filter.from = filter.to = filter.domain = '';
    filter.page = 1;
    updateExports();
    loadTimeline();
  });
  $('page-prev').addEventListener('click', () => {
    if (filter.page > 1) { filter.page--; loadTimeline(); }
  });
  $('page-next').addEventListener('click', () => {
    filter.page++;
    loadTimeline();
  });
  $('trend-day').addEventListener('click', () => setTrend('day'));
  $('trend-week').addEventListener('click', () => setTrend('week'));
}

function setTrend(mode) {
  trendMode = mode;
  $('trend-day').setAttribute('aria-pressed', String(mode === 'day'));
  $('trend-week').setAttribute('aria-pressed', String(mode === 'week'));
  renderTrend();
}

async function main() {
  initPage();
  account = await initSession();
  if (!teamId) { showMessage(t('noTeam'), t('noTeamHint'), tOther('noTeam')); return; }
  catalog = await loadCatalog();
  let team;
  try {
    team = await getJson(`/api/teams/${encodeURIComponent(teamId)}`);
  } catch {
    showMessage(t('loadFailed'));
    return;
  }
  if (team.status === 404) { showMessage(t('noTeam'), t('noTeamHint'), tOther('noTeam')); return; }
  if (team.status === 403) { showMessage(t('forbidden'), t('forbiddenHint'), tOther('forbidden')); return; }
  if (!team.ok || !team.data) { showMessage(t('loadFailed')); return; }

  profile = team.data.profile;
  renderProfile();
  wireControls();
  updateExports();
  applySummary(team.data, true);
  loadTimeline();
  loadPartners();

  getJson('/api/enterprises').then((r) => {
    if (!r.ok || !Array.isArray(r.data)) return;
    for (const e of r.data) if (e?.profile?.id) enterpriseNames.set(e.profile.id, e.profile);
    renderPartners();
    // re-label partner links already in the timeline
    for (const a of document.querySelectorAll('.activity-partners a')) {
      const id = decodeURIComponent(new URL(a.href).pathname.split('/').pop());
      a.textContent = partnerName(id);
    }
  }).catch(() => {});
  loadRace();

  startLive({
    handlers: {
      heartbeat: () => {},
      team: (msg) => {
        if (!msg || msg.teamId !== teamId) return;
        applySummary({ aggregates: msg.aggregates, recent: msg.recent, asOf: msg.asOf });
        if (isFirstUnfiltered()) scheduleTimelineRefresh();
      },
      board: (snap) => {
        if (!snap || !Array.isArray(snap.leaderboard)) return;
        if (typeof snap.version === 'number') {
          if (snap.version <= lastBoardVersion) return;
          lastBoardVersion = snap.version;
        }
        race = new Map(snap.leaderboard.map((row) => [row.teamId, row]));
        renderRank([...race.values()]);
      },
      // Only the race rows whose figures changed, with the order, gaps and yesterday's ranks that place every row.
      boardDelta: (delta) => {
        if (!delta || typeof delta.version !== 'number' || delta.version <= lastBoardVersion) return;
        if (!race || delta.since > lastBoardVersion) { loadRace(); return; } // missed one: take the whole race
        const next = applyRaceDelta([...race.values()], delta);
        if (!next) { loadRace(); return; }
        lastBoardVersion = delta.version;
        race = new Map(next.map((row) => [row.teamId, row]));
        renderRank([...race.values()]);
      },
    },
    deltas: true,
    onConnected: async (connection) => {
      const summary = await connection.invoke('WatchTeam', teamId);
      applySummary(summary);
      if (isFirstUnfiltered()) scheduleTimelineRefresh();
      loadRace();
    },
  });
}

main();
