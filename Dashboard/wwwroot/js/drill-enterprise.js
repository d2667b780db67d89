// The partner-enterprise drill-down page: /enterprises/{enterpriseId} (or /enterprise.html?id=…). Profile, totals,
// the teams that worked with it, by-domain breakdown and recent activities; re-read every 30 s while open.
import {
  t, tOther, lang, initPage, initSession, pageId, getJson, formatNumber, el, loadCatalog, nameOf, renderTiles, renderBars, domainRows,
  activityItem, showMessage, setAsOf, withLang,
} from './drill-common.js';

const REFRESH_MS = 30_000;
const enterpriseId = pageId();
const $ = (id) => document.getElementById(id);

let catalog;
const teamProfiles = new Map();
const teamName = (id) => nameOf(teamProfiles.get(id)) || id;

function renderProfile(p) {
  $('enterprise-name').textContent = nameOf(p);
  document.title = `${nameOf(p)} · ${t('appName')}`;
  $('enterprise-sample').hidden = !p.sample;
  $('enterprise-kind').textContent = t('kinds')[p.kind] ?? p.kind ?? '–';
  $('enterprise-district').textContent = p.district ? catalog.districtName(p.district) : '–';
  const progs = (lang === 'en' ? p.programmesEn : p.programmesZh) ?? [];
  const box = $('enterprise-programmes');
  box.replaceChildren();
  if (!progs.length) box.textContent = t('none');
  for (const name of progs) box.append(el('span', 'chip chip-domain', name));
}

function renderTeams(byTeam) {
  const rows = Object.entries(byTeam ?? {})
    .map(([id, tally]) => ({ id, activities: tally?.activities ?? 0, participants: tally?.participants ?? 0 }))
    .filter((r) => r.activities > 0)
    .sort((a, b) => b.activities - a.activities || a.id.localeCompare(b.id));
  const max = Math.max(1, ...rows.map((r) => r.activities));
  const body = $('enterprise-teams');
  body.replaceChildren();
  for (const r of rows) {
    const tr = el('tr');
    tr.dataset.teamId = r.id;
    const nameCell = el('td');
    const a = el('a', null, teamName(r.id));
    a.href = withLang(`/teams/${encodeURIComponent(r.id)}`);
    const track = el('div', 'share-track');
    const fill = el('div', 'share-fill');
    fill.style.width = `${(100 * r.activities) / max}%`;
    track.append(fill);
    nameCell.append(a, track);
    tr.append(nameCell, el('td', 'num', formatNumber(r.activities)), el('td', 'num hide-narrow', formatNumber(r.participants)));
    body.append(tr);
  }
  $('enterprise-teams-empty').hidden = rows.length > 0;
}

function renderRecent(recent) {
  const items = Array.isArray(recent) ? recent : [];
  $('enterprise-recent').replaceChildren(...items.map((a) => activityItem(a, catalog, { teamName })));
  $('enterprise-recent-empty').hidden = items.length > 0;
}

let lastData = null;
function render(data) {
  lastData = data;
  renderProfile(data.profile ?? { id: enterpriseId });
  renderTiles($('enterprise-tiles'), data.totals?.total);
  setAsOf($('enterprise-asof'), data.asOf);
  renderTeams(data.totals?.byTeam);
  renderBars($('enterprise-domains'), domainRows(data.totals?.byDomain, catalog));
  renderRecent(data.recent);
}

async function refresh() {
  try {
    const r = await getJson(`/api/enterprises/${encodeURIComponent(enterpriseId)}`);
    if (r.ok && r.data) render(r.data);
  } catch { /* keep what is shown; the as-of time says how old it is */ }
}

async function main() {
  initPage();
  await initSession();
  if (!enterpriseId) { showMessage(t('noEnterprise'), t('noEnterpriseHint'), tOther('noEnterprise')); return; }
  catalog = await loadCatalog();
  let r;
  try {
    r = await getJson(`/api/enterprises/${encodeURIComponent(enterpriseId)}`);
  } catch {
    showMessage(t('loadFailed'));
    return;
  }
  if (r.status === 404) { showMessage(t('noEnterprise'), t('noEnterpriseHint'), tOther('noEnterprise')); return; }
  if (r.status === 403) { showMessage(t('forbidden'), t('forbiddenHint'), tOther('forbidden')); return; }
  if (!r.ok || !r.data) { showMessage(t('loadFailed')); return; }
  render(r.data);

  getJson('/api/teams').then((res) => {
    if (!res.ok || !Array.isArray(res.data)) return;
    for (const x of res.data) if (x?.profile?.id) teamProfiles.set(x.profile.id, x.profile);
    if (lastData) render(lastData);
  }).catch(() => {});

  setInterval(() => { if (!document.hidden) refresh(); }, REFRESH_MS);
  document.addEventListener('visibilitychange', () => { if (!document.hidden) refresh(); });
}

main();
