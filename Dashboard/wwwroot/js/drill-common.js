// Shared helpers for the drill-down pages (team.html, enterprise.html): language, formatting, fetching,
// small DOM builders and the never-give-up SignalR connection. Text typed by users only ever goes in via textContent.
// Every API call goes through session.js: nobody signed in (401) sends the browser to /login and back.
import { apiFetch, me, mountSessionBar, redirectToLogin, wallToken } from './session.js';

const BEIJING_OFFSET_MS = 8 * 3600 * 1000;

// As session.js reads it, so that the page and its session bar always speak the same language.
export const lang = (new URLSearchParams(location.search).get('lang') || '').toLowerCase().startsWith('en') ? 'en' : 'zh';

const STRINGS = {
  zh: {
    appName: '春城先锋服务队指挥中心',
    backToWall: '返回大屏',
    switchLang: 'English',
    loading: '正在加载…',
    loadFailed: '数据加载失败，请稍后刷新重试。',
    noTeam: '没有这个服务队',
    noTeamHint: '请检查链接中的服务队编号。',
    noEnterprise: '没有这个企业',
    noEnterpriseHint: '请检查链接中的企业编号。',
    sample: '示例',
    members: '队员',
    membersUnit: '人',
    leadUnits: '牵头单位',
    homeDistrict: '所在区县',
    domains: '服务领域',
    rank: '当前排名',
    rankOf: (r, n) => `第 ${r} 名 / 共 ${n} 支`,
    rankNone: '暂无排名',
    totalsTitle: '成效汇总',
    activities: '活动场次',
    participants: '参与人次',
    residentsServed: '服务群众',
    householdsVisited: '入户走访',
    enterprisesServed: '服务企业',
    problemsSolved: '解决问题',
    disputesMediated: '化解纠纷',
    policySessions: '政策宣讲',
    projectsLanded: '落地项目',
    trendTitle: '活动趋势',
    perDay: '近 30 天 · 按日',
    perWeek: '近 13 周 · 按周',
    weekOf: (d) => `${d} 周`,
    byDomainTitle: '服务领域分布',
    byDistrictTitle: '区县分布',
    partnersTitle: '共建企业',
    partnersEmpty: '暂无共建企业',
    timelineTitle: '活动时间线',
    filterFrom: '开始日期',
    filterTo: '结束日期',
    filterDomain: '服务领域',
    allDomains: '全部领域',
    apply: '筛选',
    reset: '重置',
    prev: '上一页',
    next: '下一页',
    pageOf: (n, m) => `第 ${n} 页 / 共 ${m} 页`,
    totalItems: (n) => `共 ${n} 条活动`,
    timelineEmpty: '没有符合条件的活动',
    exportCsv: '导出 CSV',
    exportXlsx: '导出 Excel',
    exportHint: '按当前筛选条件导出',
    people: '人参加',
    partnersLabel: '共建企业：',
    asOf: '数据截至',
    lastActivity: '最近活动',
    live: '实时',
    reconnecting: '正在重连…',
    offline: '离线',
    connecting: '正在连接…',
    kind: '类型',
    district: '所在区县',
    programmes: '共建项目',
    kinds: { 'community-partner': '社区共建伙伴', 'property-alliance': '物业联盟', 'served-enterprise': '服务企业' },
    teamsTitle: '合作服务队',
    teamsEmpty: '暂无服务队与该企业合作的记录',
    recentTitle: '最近活动',
    recentEmpty: '暂无活动记录',
    colTeam: '服务队',
    colActivities: '活动场次',
    colParticipants: '参与人次',
    none: '无',
    badRequest: '筛选条件有误：',
    fromAfterTo: '开始日期不能晚于结束日期',
    forbidden: '无权查看此页面',
    forbiddenHint: '您的账号没有查看权限，请换一个账号登录。',
  },
  en: {
    appName: 'Chuncheng Vanguard Command Centre',
    backToWall: 'Back to the wall',
    switchLang: '中文',
    loading: 'Loading…',
    loadFailed: 'Could not load the data; please refresh later.',
    noTeam: 'No such team',
    noTeamHint: 'Check the team id in the link.',
    noEnterprise: 'No such enterprise',
    noEnterpriseHint: 'Check the enterprise id in the link.',
    sample: 'Sample',
    members: 'Members',
    membersUnit: '',
    leadUnits: 'Lead units',
    homeDistrict: 'Home district',
    domains: 'Domains',
    rank: 'Current rank',
    rankOf: (r, n) => `#${r} of ${n}`,
    rankNone: 'not ranked yet',
    totalsTitle: 'Outcomes',
    activities: 'Activities',
    participants: 'Participants',
    residentsServed: 'Residents served',
    householdsVisited: 'Households visited',
    enterprisesServed: 'Enterprises served',
    problemsSolved: 'Problems solved',
    disputesMediated: 'Disputes mediated',
    policySessions: 'Policy sessions',
    projectsLanded: 'Projects landed',
    trendTitle: 'Activity trend',
    perDay: 'Last 30 days · daily',
    perWeek: 'Last 13 weeks · weekly',
    weekOf: (d) => `wk ${d}`,
    byDomainTitle: 'By service domain',
    byDistrictTitle: 'By district',
    partnersTitle: 'Partner enterprises',
    partnersEmpty: 'No partner enterprises yet',
    timelineTitle: 'Timeline',
    filterFrom: 'From',
    filterTo: 'To',
    filterDomain: 'Domain',
    allDomains: 'All domains',
    apply: 'Apply',
    reset: 'Reset',
    prev: 'Previous',
    next: 'Next',
    pageOf: (n, m) => `Page ${n} of ${m}`,
    totalItems: (n) => `${n} activities`,
    timelineEmpty: 'No activities match',
    exportCsv: 'Export CSV',
    exportXlsx: 'Export Excel',
    exportHint: 'Exports the current filter',
    people: 'participants',
    partnersLabel: 'Partners: ',
    asOf: 'As of',
    lastActivity: 'Last activity',
    live: 'Live',
    reconnecting: 'Reconnecting…',
    offline: 'Offline',
    connecting: 'Connecting…',
    kind: 'Kind',
    district: 'District',
    programmes: 'Programmes',
    kinds: { 'community-partner': 'Community partner', 'property-alliance': 'Property alliance', 'served-enterprise': 'Served enterprise' },
    teamsTitle: 'Teams that worked with it',
    teamsEmpty: 'No team has worked with this enterprise yet',
    recentTitle: 'Recent activities',
    recentEmpty: 'No activities yet',
    colTeam: 'Team',
    colActivities: 'Activities',
    colParticipants: 'Participants',
    none: 'none',
    badRequest: 'Invalid filter: ',
    fromAfterTo: 'The start date is after the end date',
    forbidden: 'Not allowed',
    forbiddenHint: 'Your account may not view this page; sign in with another account.',
  },
};

/** A string in the other language (for messages that should read in both). */
export function tOther(key) {
  const v = STRINGS[lang === 'en' ? 'zh' : 'en'][key];
  return typeof v === 'string' ? v : '';
}

export function t(key, ...args) {
  const v = STRINGS[lang][key] ?? STRINGS.zh[key] ?? key;
  return typeof v === 'function' ? v(...args) : v;
}

export const OUTCOME_KEYS = [
  'residentsServed', 'householdsVisited', 'enterprisesServed', 'problemsSolved',
  'disputesMediated', 'policySessions', 'projectsLanded',
];

/** Sets the document language, translates every [data-i18n] element and points the switch link at the other language. */
export function initPage() {
  document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
  for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
  const sw = document.getElementById('lang-switch');
  if (sw) {
    const params = new URLSearchParams(location.search);
    if (lang === 'en') params.delete('lang'); else params.set('lang', 'en');
    const q = params.toString();
    sw.href = location.pathname + (q ? `?${q}` : '');
    sw.textContent = t('switchLang');
    sw.lang = lang === 'en' ? 'zh-CN' : 'en';
  }
  const back = document.getElementById('back-link');
  if (back) back.href = withLang('/');
}

/** A same-origin link that keeps the current language. */
export function withLang(path) {
  if (lang !== 'en') return path;
  return path + (path.includes('?') ? '&' : '?') + 'lang=en';
}

/** The id this page is about: the last path segment (/teams/{id}), or ?id= on /team.html. */
export function pageId() {
  const qid = new URLSearchParams(location.search).get('id');
  const segs = location.pathname.split('/').filter(Boolean);
  const last = segs.length ? decodeURIComponent(segs[segs.length - 1]) : '';
  if (last && !last.endsWith('.html')) return last;
  return qid ? qid.trim() : '';
}

/**
 * Who is signed in (GET /api/auth/me); nobody: off to /login?return=<this page>. Mounts the session bar in the top
 * bar. Resolves the account, or null when the server cannot be reached (the page's own fetches then say so).
 */
export async function initSession() {
  let account;
  try {
    account = await me();
  } catch {
    return null;
  }
  if (!account) return redirectToLogin();
  const host = document.querySelector('.topbar-right');
  let bar = document.getElementById('session-bar');
  if (!bar && host) {
    bar = el('div', 'session-bar');
    bar.id = 'session-bar';
    host.prepend(bar);
  }
  mountSessionBar({ account });
  return account;
}

/**
 * GET JSON; resolves { status, ok, data } (data null when the body is not JSON). Rejects only on network errors.
 * A 401 goes to /login (and never resolves).
 */
export async function getJson(url, signal) {
  const res = await apiFetch(url, { headers: { accept: 'application/json' }, cache: 'no-store', signal });
  if (res.status === 401) return redirectToLogin();
  let data = null;
  try { data = await res.json(); } catch { /* no body */ }
  return { status: res.status, ok: res.ok, data };
}

export function formatNumber(value) {
  const n = Number.isFinite(value) ? Math.trunc(value) : 0;
  const sign = n < 0 ? '-' : '';
  return sign + String(Math.abs(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

const pad = (n) => String(n).padStart(2, '0');

function bj(ms) {
  const d = new Date(ms + BEIJING_OFFSET_MS);
  return { y: d.getUTCFullYear(), m: d.getUTCMonth() + 1, d: d.getUTCDate(), h: d.getUTCHours(), mi: d.getUTCMinutes(), wd: d.getUTCDay() };
}

/** "YYYY-MM-DD" of the Beijing day of a moment. */
export function beijingDay(ms) {
  const b = bj(ms);
  return `${b.y}-${pad(b.m)}-${pad(b.d)}`;
}

/** "YYYY-MM-DD HH:mm" in Beijing time, from an ISO string. */
export function beijingDateTime(iso) {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) return '';
  const b = bj(ms);
  return `${b.y}-${pad(b.m)}-${pad(b.d)} ${pad(b.h)}:${pad(b.mi)}`;
}

/** Adds n days to a "YYYY-MM-DD" calendar day. */
export function addDays(day, n) {
  const ms = Date.parse(`${day}T00:00:00Z`) + n * 86400000;
  return new Date(ms).toISOString().slice(0, 10);
}

/** 0 = Monday … 6 = Sunday for a "YYYY-MM-DD". */
export function weekdayMon0(day) {
  return (new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7;
}

export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

export function emptyTally() {
  return { activities: 0, participants: 0, outcomes: {} };
}

/** Loads /api/catalog into lookup maps. */
export async function loadCatalog() {
  const out = { domains: [], districts: [], domainName: (c) => c, districtName: (c) => c };
  try {
    const r = await getJson('/api/catalog');
    if (r.ok && r.data) {
      out.domains = r.data.domains ?? [];
      out.districts = r.data.districts ?? [];
    }
  } catch { /* codes are shown instead */ }
  const dm = new Map(out.domains.map((d) => [d.code, d]));
  const di = new Map(out.districts.map((d) => [d.code, d]));
  out.domainName = (c) => { const x = dm.get(c); return x ? (lang === 'en' ? x.nameEn : x.nameZh) : c; };
  out.districtName = (c) => { const x = di.get(c); return x ? (lang === 'en' ? x.nameEn : x.nameZh) : c; };
  return out;
}

export function nameOf(profile) {
  if (!profile) return '';
  return (lang === 'en' ? profile.nameEn || profile.nameZh : profile.nameZh || profile.nameEn) || profile.id || '';
}

/** Fills the tiles container with number tiles for a tally. The activities tile gets id="total-activities". */
export function renderTiles(container, tally) {
  const t0 = tally ?? emptyTally();
  const o = t0.outcomes ?? {};
  const items = [['activities', t0.activities], ['participants', t0.participants], ...OUTCOME_KEYS.map((k) => [k, o[k]])];
  if (container.childElementCount !== items.length) {
    container.replaceChildren();
    for (const [key] of items) {
      const tile = el('div', key === 'activities' ? 'tile tile-primary' : 'tile');
      const value = el('div', 'tile-value', '0');
      value.dataset.key = key;
      if (key === 'activities') value.id = 'total-activities';
      tile.append(el('div', 'tile-label', t(key)), value);
      container.append(tile);
    }
  }
  for (const [key, v] of items) {
    const node = container.querySelector(`.tile-value[data-key="${key}"]`);
    const text = formatNumber(v ?? 0);
    if (node.textContent !== text) {
      node.textContent = text;
      node.classList.remove('bump');
      void node.offsetWidth;
      node.classList.add('bump');
    }
  }
}

/** Horizontal bars: rows of [label, value, href?]; widths set through the CSSOM (allowed by the CSP). */
export function renderBars(container, rows, emptyText) {
  container.replaceChildren();
  const max = Math.max(1, ...rows.map((r) => r.value));
  if (!rows.length) {
    container.append(el('p', 'empty', emptyText ?? t('none')));
    return;
  }
  for (const r of rows) {
    const row = el('div', 'bar-row');
    const label = r.href ? el('a', 'bar-label', r.label) : el('span', 'bar-label', r.label);
    if (r.href) label.href = r.href;
    label.title = r.label;
    const track = el('div', 'bar-track');
    const fill = el('div', 'bar-fill');
    fill.style.width = `${Math.max(1.5, (100 * r.value) / max)}%`;
    track.append(fill);
    row.append(label, track, el('span', 'bar-value', formatNumber(r.value)));
    container.append(row);
  }
}

/** Domain breakdown rows from a { code: TALLY } map, biggest first. */
export function domainRows(byDomain, catalog) {
  return Object.entries(byDomain ?? {})
    .map(([code, tally]) => ({ label: catalog.domainName(code), value: tally?.activities ?? 0 }))
    .filter((r) => r.value > 0)
    .sort((a, b) => b.value - a.value);
}

/** One activity as an <li>: Beijing time, domain, district, title, place, participants, key outcomes, partners. */
export function activityItem(a, catalog, { partnerName, teamName } = {}) {
  const li = el('li', 'activity');
  li.dataset.activityId = a.id ?? '';
  const meta = el('div', 'activity-meta');
  const time = el('time', 'activity-time', beijingDateTime(a.occurredAt));
  time.dateTime = a.occurredAt ?? '';
  meta.append(time, el('span', 'chip chip-domain', catalog.domainName(a.domain)), el('span', 'chip', catalog.districtName(a.district)));
  if (teamName && a.teamId) {
    const link = el('a', 'activity-team', teamName(a.teamId));
    link.href = withLang(`/teams/${encodeURIComponent(a.teamId)}`);
    meta.append(link);
  }
  li.append(meta);
  const title = el('div', 'timeline-title activity-title', a.title ?? '');
  li.append(title);
  if (a.place) li.append(el('div', 'activity-place', a.place));
  const facts = el('div', 'activity-facts');
  facts.append(el('span', 'fact', `${formatNumber(a.participants ?? 0)} ${t('people')}`));
  const o = a.outcomes ?? {};
  for (const k of OUTCOME_KEYS) {
    if (o[k] > 0) facts.append(el('span', 'fact', `${t(k)} ${formatNumber(o[k])}`));
  }
  li.append(facts);
  const partners = Array.isArray(a.partners) ? a.partners : [];
  if (partners.length) {
    const p = el('div', 'activity-partners');
    p.append(el('span', 'muted', t('partnersLabel')));
    partners.forEach((id, i) => {
      if (i > 0) p.append(document.createTextNode(lang === 'en' ? ', ' : '、'));
      const link = el('a', null, partnerName ? partnerName(id) : id);
      link.href = withLang(`/enterprises/${encodeURIComponent(id)}`);
      p.append(link);
    });
    li.append(p);
  }
  return li;
}

/** Shows a full-page message (404 / failure) in #page-message and hides #content. */
export function showMessage(title, hint, other) {
  const box = document.getElementById('page-message');
  const content = document.getElementById('content');
  if (content) content.hidden = true;
  if (!box) return;
  box.replaceChildren(el('h1', 'message-title', title));
  if (other) box.append(el('p', 'message-other', other));
  box.append(el('p', 'message-hint', hint ?? ''));
  const live = document.getElementById('live-state');
  if (live) live.hidden = true;
  const back = el('a', 'button', t('backToWall'));
  back.href = withLang('/');
  box.append(back);
  box.hidden = false;
}

export function setAsOf(node, iso) {
  if (!node) return;
  const s = iso ? beijingDateTime(iso) : '';
  node.textContent = s ? `${t('asOf')} ${s}` : '';
}

/** 0.5 s, 1 s, 2 s … capped at 30 s, plus jitter. */
export function retryDelay(previousRetryCount) {
  return Math.min(30_000, 500 * 2 ** Math.min(previousRetryCount, 16)) + Math.floor(Math.random() * 1000);
}

/**
 * A SignalR connection to /hubs/board that never gives up. onConnected runs after every connect and reconnect.
 * With deltas, the board's pushes come as "boardDelta" (what changed) rather than whole "board" snapshots.
 * The indicator #live-state gets data-state live | reconnecting | offline.
 */
export function startLive({ handlers, onConnected, deltas = false }) {
  const indicator = document.getElementById('live-state');
  const label = indicator?.querySelector('.live-text');
  let lostAt = Date.now();
  let connected = false;
  let everConnected = false;
  const show = () => {
    if (!indicator) return;
    let state;
    if (connected) state = 'live';
    else if (!globalThis.signalR || Date.now() - lostAt > 10_000) state = 'offline';
    else state = 'reconnecting';
    const text = state === 'reconnecting' && !everConnected ? t('connecting') : t(state);
    if (indicator.dataset.state !== state) indicator.dataset.state = state;
    if (label && label.textContent !== text) label.textContent = text;
  };
  setInterval(show, 1000);
  show();
  const signalR = globalThis.signalR;
  if (!signalR) return null;

  const connection = new signalR.HubConnectionBuilder()
    .withUrl(deltas ? '/hubs/board?deltas=3' : '/hubs/board', { accessTokenFactory: () => wallToken() || '' })
    .withAutomaticReconnect({ nextRetryDelayInMilliseconds: (ctx) => retryDelay(ctx.previousRetryCount) })
    .configureLogging(signalR.LogLevel.Warning)
    .build();
  for (const [name, fn] of Object.entries(handlers)) connection.on(name, fn);

  let attempt = 0;
  let timer = null;
  let starting = false;
  const established = () => {
    connected = true;
    everConnected = true;
    lostAt = null;
    show();
    Promise.resolve(onConnected(connection)).catch(() => {});
  };
  const lost = () => {
    connected = false;
    if (lostAt === null) lostAt = Date.now();
    show();
  };
  const schedule = (delay) => {
    if (timer !== null || starting) return;
    timer = setTimeout(async () => {
      timer = null;
      if (connection.state !== signalR.HubConnectionState.Disconnected) {
        if (connection.state === signalR.HubConnectionState.Disconnecting) schedule(1000);
        return;
      }
      starting = true;
      let ok = false;
      try { await connection.start(); ok = true; } catch { /* retry */ }
      starting = false;
      if (ok) { attempt = 0; established(); } else schedule(retryDelay(attempt++));
    }, delay);
  };
  connection.onreconnecting(lost);
  connection.onreconnected(established);
  connection.onclose(() => {
    lost();
    if (!starting) schedule(retryDelay(attempt++));
  });
  schedule(0);
  return connection;
}
