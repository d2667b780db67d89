// The district and service-domain drill-down pages (/districts/{code}, /domains/{code}): the place's names, its
// totals with outcomes (GET /api/districts/{code} or /api/domains/{code}), the teams that worked there ranked with
// links to their pages, a bar chart of those teams, the latest activities there, and links to the other places of the
// same kind. Re-read every 30 s while open. Text typed by users only ever goes in via textContent.
import {
  t, tOther, lang, initPage, initSession, pageId, getJson, formatNumber, el, loadCatalog, renderTiles, activityItem,
  showMessage, setAsOf, withLang,
} from './drill-common.js';

const REFRESH_MS = 30_000;
const CHART_TEAMS = 12;
const $ = (id) => document.getElementById(id);

const STRINGS = {
  zh: {
    district: '区县', domain: '服务领域',
    activities: '活动场次', teamsCount: '参与服务队', leadingTeam: '贡献最多', share: '占全市',
    teamsTitle: '服务队排行', colRank: '名次', teamsEmpty: '暂无服务队在此开展活动', chartTitle: '服务队活动场次',
    siblingsDistrict: '其他区县', siblingsDomain: '其他服务领域',
    noPlaceDistrict: '没有这个区县', noPlaceDomain: '没有这个服务领域', noPlaceHint: '请检查链接中的编号。',
    teamsUnit: (n) => `${n} 支`,
  },
  en: {
    district: 'District', domain: 'Service domain',
    activities: 'Activities', teamsCount: 'Teams', leadingTeam: 'Most active team', share: 'Share of the city',
    teamsTitle: 'Teams ranked', colRank: 'Rank', teamsEmpty: 'No team has worked here yet', chartTitle: 'Activities by team',
    siblingsDistrict: 'Other districts', siblingsDomain: 'Other service domains',
    noPlaceDistrict: 'No such district', noPlaceDomain: 'No such service domain', noPlaceHint: 'Check the code in the link.',
    teamsUnit: (n) => `${n}`,
  },
};

function p(key, ...args) {
  const v = STRINGS[lang][key] ?? STRINGS.zh[key] ?? key;
  return typeof v === 'function' ? v(...args) : v;
}

const cap = (kind) => kind[0].toUpperCase() + kind.slice(1);
const teamName = (row) => (lang === 'en' ? row.nameEn || row.nameZh : row.nameZh || row.nameEn) || row.teamId || '';

export async function startPlacePage(kind) {
  const code = pageId();
  const api = kind === 'district' ? '/api/districts/' : '/api/domains/';
  const pagePath = kind === 'district' ? '/districts/' : '/domains/';
  let catalog;
  let chart = null;
  const teamNames = new Map();

  initPage();
  for (const node of document.querySelectorAll('[data-p18n]')) node.textContent = p(node.dataset.p18n);
  $('siblings-title').textContent = p(`siblings${cap(kind)}`);
  $('place-kind').textContent = p(kind);

  const notFound = () => showMessage(p(`noPlace${cap(kind)}`), p('noPlaceHint'), STRINGS[lang === 'en' ? 'zh' : 'en'][`noPlace${cap(kind)}`]);

  await initSession();
  if (!code) { notFound(); return; }
  catalog = await loadCatalog();

  function renderSiblings() {
    const list = $('place-siblings');
    const entries = kind === 'district' ? catalog.districts : catalog.domains;
    list.replaceChildren();
    for (const entry of entries) {
      if (entry.code === code) continue;
      const li = el('li', 'pill');
      const a = el('a', null, lang === 'en' ? entry.nameEn : entry.nameZh);
      a.href = withLang(`${pagePath}${encodeURIComponent(entry.code)}`);
      li.append(a);
      list.append(li);
    }
  }

  function renderTeams(teams) {
    const body = $('place-teams');
    const max = Math.max(1, ...teams.map((r) => r.tally?.activities ?? 0));
    body.replaceChildren(...teams.map((row, i) => {
      const tr = el('tr');
      tr.dataset.teamId = row.teamId;
      const nameCell = el('td');
      const a = el('a', null, teamName(row));
      a.href = withLang(`/teams/${encodeURIComponent(row.teamId)}`);
      const track = el('div', 'share-track');
      const fill = el('div', 'share-fill');
      fill.style.width = `${(100 * (row.tally?.activities ?? 0)) / max}%`;
      track.append(fill);
      nameCell.append(a, track);
      tr.append(
        el('td', 'num place-rank', String(i + 1)),
        nameCell,
        el('td', 'num', formatNumber(row.tally?.activities ?? 0)),
        el('td', 'num hide-narrow', formatNumber(row.tally?.outcomes?.residentsServed ?? 0)),
      );
      return tr;
    }));
    $('place-teams-empty').hidden = teams.length > 0;
  }

  function renderChart(teams) {
    const box = $('place-chart');
    if (!globalThis.echarts || !box) return;
    if (!chart) {
      chart = globalThis.echarts.init(box, null, { renderer: 'canvas' });
      new ResizeObserver(() => chart.resize()).observe(box);
      chart.on('click', (e) => {
        const id = e?.data?.teamId;
        if (id) location.assign(withLang(`/teams/${encodeURIComponent(id)}`));
      });
    }
    const top = teams.slice(0, CHART_TEAMS);
    chart.setOption({
      animationDuration: 300,
      grid: { left: 8, right: 40, top: 8, bottom: 4, containLabel: true },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      xAxis: { type: 'value', minInterval: 1, axisLabel: { color: '#64748b' }, splitLine: { lineStyle: { color: '#eef2f7' } } },
      yAxis: {
        type: 'category', inverse: true, data: top.map(teamName),
        axisLabel: { color: '#334155', width: 150, overflow: 'truncate' }, axisTick: { show: false },
      },
      series: [{
        name: t('activities'), type: 'bar', barMaxWidth: 18,
        data: top.map((row) => ({ value: row.tally?.activities ?? 0, teamId: row.teamId })),
        itemStyle: { color: '#c8102e', borderRadius: [0, 3, 3, 0] },
        label: { show: true, position: 'right', color: '#475569' },
      }],
    }, { notMerge: false });
  }

  function render(data, board) {
    const name = lang === 'en' ? data.nameEn : data.nameZh;
    $('place-name').textContent = name;
    $('place-other-name').textContent = lang === 'en' ? data.nameZh : data.nameEn;
    document.title = `${name} · ${t('appName')}`;
    const totals = data.totals ?? {};
    $('place-total-activities').textContent = formatNumber(totals.activities ?? 0);
    const teams = Array.isArray(data.teams) ? data.teams : [];
    for (const row of teams) teamNames.set(row.teamId, row);
    $('place-team-count').textContent = p('teamsUnit', formatNumber(teams.length));
    const leader = $('place-leading-team');
    leader.replaceChildren();
    if (teams.length) {
      const a = el('a', null, teamName(teams[0]));
      a.href = withLang(`/teams/${encodeURIComponent(teams[0].teamId)}`);
      leader.append(a);
    } else {
      leader.textContent = t('none');
    }
    const city = board?.totals?.activities;
    $('place-share').textContent = Number.isFinite(city) && city > 0
      ? `${Math.round((1000 * (totals.activities ?? 0)) / city) / 10}%`
      : '–';
    renderTiles($('place-tiles'), totals);
    setAsOf($('place-asof'), data.asOf);
    renderTeams(teams);
    renderChart(teams);
    const recent = (Array.isArray(data.recent) ? data.recent : []).map((f) => f?.activity).filter(Boolean);
    const nameOfTeam = (id) => {
      const row = teamNames.get(id);
      return row ? teamName(row) : id;
    };
    $('place-activities').replaceChildren(...recent.map((a) => activityItem(a, catalog, { teamName: nameOfTeam })));
    $('place-activities-empty').hidden = recent.length > 0;
  }

  let board = null;
  let last = null;
  async function refresh() {
    try {
      const [r, b] = await Promise.all([
        getJson(`${api}${encodeURIComponent(code)}`),
        getJson('/api/board').catch(() => null),
      ]);
      if (b?.ok) board = b.data;
      if (r.ok && r.data) { last = r.data; render(last, board); }
    } catch { /* keep what is shown; the as-of time says how old it is */ }
  }

  let first;
  try {
    first = await getJson(`${api}${encodeURIComponent(code)}`);
  } catch {
    showMessage(t('loadFailed'));
    return;
  }
  if (first.status === 404) { notFound(); return; }
  if (first.status === 403) { showMessage(t('forbidden'), t('forbiddenHint'), tOther('forbidden')); return; }
  if (!first.ok || !first.data) { showMessage(t('loadFailed')); return; }
  renderSiblings();
  last = first.data;
  render(last, null);
  getJson('/api/board').then((b) => { if (b.ok) { board = b.data; render(last, board); } }).catch(() => {});

  setInterval(() => { if (!document.hidden) refresh(); }, REFRESH_MS);
  document.addEventListener('visibilitychange', () => { if (!document.hidden) refresh(); });
}
