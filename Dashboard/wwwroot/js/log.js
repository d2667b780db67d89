// VanguardHub · the team leader's activity form (/log). Mobile first, works on a weak network:
// every entry is kept in a localStorage outbox before it is sent and resent with the same id until stored.
// User-typed text is only ever rendered with textContent.
import { t, nameOf, applyStaticLabels, lang } from './log-i18n.js';
import { readOutbox, putEntry, removeEntry, sendEntry, resendWaiting, isSending } from './log-outbox.js';
import { apiFetch, me, lastAccount, loginUrl, redirectToLogin, mountSessionBar, roleName } from './session.js';

// Who may log: a team leader for their own team (the team select is preset and locked), an administrator for any
// team; a viewer or a wall display only sees why not. Nobody signed in: off to /login and back.
const CAN_LOG = new Set(['leader', 'admin']);

const OUTCOMES = ['householdsVisited', 'residentsServed', 'enterprisesServed', 'problemsSolved',
  'disputesMediated', 'policySessions', 'projectsLanded'];
const MAX_PARTNERS = 20;
const TEAM_KEY = 'vanguardhub.log.team';
const CACHE_KEY = 'vanguardhub.log.lists.v1';
const BEIJING_MS = 8 * 3600 * 1000;
const RETRY_MS = 30000;

// Used when neither the server nor the device cache can give the catalog.
const FALLBACK_CATALOG = {
  domains: [
    ['industry', '产业培育', 'Industry cultivation'], ['investment', '招商引资', 'Investment promotion'],
    ['business-environment', '营商环境优化', 'Business environment'], ['urban', '城市建设管理', 'Urban construction and management'],
    ['ecology', '生态环境保护', 'Ecological protection'], ['governance', '基层社会治理', 'Grassroots governance'],
    ['livelihood', '保障改善民生', "People's livelihood"],
  ].map(([code, nameZh, nameEn]) => ({ code, nameZh, nameEn })),
  districts: [
    ['wuhua', '五华区', 'Wuhua'], ['panlong', '盘龙区', 'Panlong'], ['guandu', '官渡区', 'Guandu'], ['xishan', '西山区', 'Xishan'],
    ['chenggong', '呈贡区', 'Chenggong'], ['jinning', '晋宁区', 'Jinning'], ['dongchuan', '东川区', 'Dongchuan'],
    ['anning', '安宁市', 'Anning'], ['fumin', '富民县', 'Fumin'], ['yiliang', '宜良县', 'Yiliang'], ['shilin', '石林县', 'Shilin'],
    ['songming', '嵩明县', 'Songming'], ['luquan', '禄劝县', 'Luquan'], ['xundian', '寻甸县', 'Xundian'], ['mohan', '磨憨', 'Mohan'],
  ].map(([code, nameZh, nameEn]) => ({ code, nameZh, nameEn })),
};

const $ = id => document.getElementById(id);
const el = (tag, cls, text) => {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text != null) e.textContent = text;
  return e;
};

const state = {
  teams: [],          // [{ id, nameZh, nameEn, homeDistrict, domains }]
  enterprises: [],    // [{ id, nameZh, nameEn, kind }]
  partners: [],       // chosen enterprise ids, in order
  submitting: false,
  replacesId: null,   // a failed outbox entry that the form's content is fixing
  waitingConfirmId: null, // the entry the "waiting" confirmation talks about
  unkept: null,       // { id, json }: a submit neither sent nor kept (storage full); resent as is, under its id
  account: null,      // { username, role, teamId } as the server (or, offline, this device) last said
  lockedTeam: null,   // a leader's team: the only one the form logs for
  edit: null,         // correcting (/log?edit={id}): { id, teamId, original, occurredLocal, blocked }
};

// /log?edit={id}: the form corrects a stored activity (PUT /api/activities/{id}) instead of logging a new one.
// A correction needs the network: it does not go through the outbox.
const EDIT_ID = (() => {
  try {
    const v = new URLSearchParams(location.search).get('edit');
    return v && v.trim() ? v.trim() : null;
  } catch { return null; }
})();

// ---------- time (Beijing, UTC+8, whatever the phone's zone) ----------
function beijingLocalNow() {
  return new Date(Date.now() + BEIJING_MS).toISOString().slice(0, 16); // "YYYY-MM-DDTHH:MM"
}
function toOffsetIso(localValue) {
  // datetime-local gives "YYYY-MM-DDTHH:MM" or "YYYY-MM-DDTHH:MM:SS(.sss)"
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?/.exec(localValue || '');
  if (!m) return null;
  return `${m[1]}T${m[2]}:${m[3]}:${m[4] || '00'}+08:00`;
}
function fromOffsetIso(iso) {
  const d = new Date(iso);
  if (isNaN(d)) return '';
  return new Date(d.getTime() + BEIJING_MS).toISOString().slice(0, 16);
}
function shortBeijing(iso) {
  const v = fromOffsetIso(iso);
  return v ? `${v.slice(0, 10)} ${v.slice(11, 16)}` : '';
}

// ---------- fetching the lists ----------
async function getJson(url) {
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), 15000);
  try {
    const res = await apiFetch(url, { signal: ctrl.signal, headers: { accept: 'application/json' } });
    if (res.status === 401) redirectToLogin();
    if (!res.ok) throw new Error(String(res.status));
    return await res.json();
  } finally { clearTimeout(timer); }
}
function readCache() {
  try { return JSON.parse(localStorage.getItem(CACHE_KEY)) || {}; } catch { return {}; }
}
function writeCache(c) {
  try { localStorage.setItem(CACHE_KEY, JSON.stringify(c)); } catch { /* cache is optional */ }
}

async function loadLists() {
  const cache = readCache();
  const [cat, teams, ents] = await Promise.allSettled([
    getJson('/api/catalog'), getJson('/api/teams'), getJson('/api/enterprises')]);
  let usedCache = false;
  const catalog = cat.status === 'fulfilled' && cat.value?.domains ? cat.value : (usedCache = true, cache.catalog || FALLBACK_CATALOG);
  let teamList;
  if (teams.status === 'fulfilled' && Array.isArray(teams.value)) {
    teamList = teams.value.map(x => x.profile || x).filter(p => p && p.id)
      .map(p => ({ id: p.id, nameZh: p.nameZh, nameEn: p.nameEn, homeDistrict: p.homeDistrict, domains: p.domains || [] }));
  } else { usedCache = true; teamList = cache.teams || []; }
  let entList;
  if (ents.status === 'fulfilled' && Array.isArray(ents.value)) {
    entList = ents.value.map(x => x.profile || x).filter(p => p && p.id)
      .map(p => ({ id: p.id, nameZh: p.nameZh, nameEn: p.nameEn, kind: p.kind }));
  } else { usedCache = true; entList = cache.enterprises || []; }
  writeCache({ catalog, teams: teamList, enterprises: entList });
  return { catalog, teams: teamList, enterprises: entList, usedCache };
}

function fillSelect(select, items, value) {
  select.replaceChildren();
  for (const it of items) {
    const o = el('option', null, nameOf(it));
    o.value = it.code ?? it.id;
    select.append(o);
  }
  if (value != null && [...select.options].some(o => o.value === value)) select.value = value;
}

function applyTeamDefaults(teamId) {
  const team = state.teams.find(x => x.id === teamId);
  if (!team) return;
  if (team.homeDistrict) setSelect($('field-district'), team.homeDistrict);
  if (team.domains && team.domains.length) setSelect($('field-domain'), team.domains[0]);
}
function setSelect(select, value) {
  if ([...select.options].some(o => o.value === value)) select.value = value;
}

// ---------- partners ----------
function entName(id) {
  const e = state.enterprises.find(x => x.id === id);
  return e ? nameOf(e) : id;
}
function renderChips() {
  const ul = $('partner-chips');
  ul.replaceChildren();
  for (const id of state.partners) {
    const li = el('li', 'chip');
    li.dataset.id = id;
    li.append(el('span', null, entName(id)));
    const b = el('button', null, '×');
    b.type = 'button';
    b.setAttribute('aria-label', `${t('partnerRemove')} ${entName(id)}`);
    b.addEventListener('click', () => {
      state.partners = state.partners.filter(x => x !== id);
      renderChips();
      renderOptions();
      $('field-partner-search').focus();
    });
    li.append(b);
    ul.append(li);
  }
}
function renderOptions() {
  const input = $('field-partner-search');
  const ul = $('partner-options');
  ul.replaceChildren();
  const q = input.value.trim().toLowerCase();
  if (!q) return;
  if (state.partners.length >= MAX_PARTNERS) {
    ul.append(el('li', 'hint', t('partnerMax')));
    return;
  }
  const matches = state.enterprises.filter(e => !state.partners.includes(e.id) &&
    [e.nameZh, e.nameEn, e.id].some(s => s && s.toLowerCase().includes(q))).slice(0, 8);
  if (!matches.length) { ul.append(el('li', 'hint', t('partnerNone'))); return; }
  for (const e of matches) {
    const li = el('li');
    li.setAttribute('role', 'option');
    const b = el('button');
    b.type = 'button';
    b.dataset.id = e.id;
    b.append(el('span', null, nameOf(e)));
    const kindKey = e.kind ? `kind_${e.kind.replace(/-/g, '_')}` : null;
    if (kindKey && t(kindKey) !== kindKey) b.append(el('span', 'kind', t(kindKey)));
    b.addEventListener('click', () => {
      if (state.partners.length < MAX_PARTNERS && !state.partners.includes(e.id)) state.partners.push(e.id);
      input.value = '';
      renderChips();
      renderOptions();
      input.focus();
    });
    li.append(b);
    ul.append(li);
  }
}

// ---------- form <-> body ----------
function intValue(input) {
  const v = input.value.trim();
  if (v === '') return 0;
  const n = Number(v);
  return Number.isFinite(n) ? Math.trunc(n) : v; // a non-number goes to the server, which names the field
}
function readForm() {
  const outcomes = {};
  for (const k of OUTCOMES) outcomes[k] = intValue($(`field-${k}`));
  return {
    teamId: state.lockedTeam || $('field-team').value,
    occurredAt: toOffsetIso($('field-occurredAt').value),
    domain: $('field-domain').value,
    district: $('field-district').value,
    place: $('field-place').value.trim(),
    title: $('field-title').value.trim(),
    description: $('field-description').value.trim(),
    participants: intValue($('field-participants')),
    outcomes,
    partners: [...state.partners],
  };
}
function loadIntoForm(body) {
  if (!state.lockedTeam) setSelect($('field-team'), body.teamId);
  $('field-occurredAt').value = fromOffsetIso(body.occurredAt) || beijingLocalNow();
  setSelect($('field-domain'), body.domain);
  setSelect($('field-district'), body.district);
  $('field-place').value = body.place || '';
  $('field-title').value = body.title || '';
  $('field-description').value = body.description || '';
  $('field-participants').value = String(body.participants ?? 0);
  for (const k of OUTCOMES) $(`field-${k}`).value = String(body.outcomes?.[k] ?? 0);
  state.partners = Array.isArray(body.partners) ? body.partners.slice(0, MAX_PARTNERS) : [];
  renderChips();
  updateCounters();
}
function clearAfterSave() {
  $('field-title').value = '';
  $('field-description').value = '';
  $('field-place').value = '';
  $('field-participants').value = '0';
  for (const k of OUTCOMES) $(`field-${k}`).value = '0';
  state.partners = [];
  $('field-partner-search').value = '';
  renderChips();
  renderOptions();
  updateCounters();
}

function updateCounters() {
  for (const [id, max] of [['title', 200], ['description', 4000]]) {
    const n = [...$(`field-${id}`).value.trim()].length;
    const c = $(`count-${id}`);
    c.textContent = `${n}/${max}`;
    c.classList.toggle('over', n > max);
  }
}

// ---------- errors ----------
function clearErrors() {
  for (const e of document.querySelectorAll('#log-form .field-error')) {
    if (e.dataset.dynamic) e.remove(); else e.textContent = '';
  }
  for (const e of document.querySelectorAll('#log-form [aria-invalid]')) e.removeAttribute('aria-invalid');
  $('form-error').hidden = true;
  $('form-error').textContent = '';
}
function inputForField(field) {
  const f = field.toLowerCase();
  if (f === 'teamid') return $('field-team');
  if (f.startsWith('outcomes.')) {
    const k = OUTCOMES.find(x => x.toLowerCase() === f.slice(9));
    return k ? $(`field-${k}`) : null;
  }
  if (f.startsWith('partners')) return $('field-partner-search');
  const map = { occurredat: 'occurredAt', domain: 'domain', district: 'district', place: 'place', title: 'title',
    description: 'description', participants: 'participants' };
  return map[f] ? $(`field-${map[f]}`) : null;
}
function normaliseField(key) {
  // "Title" / "$.title" / "outcomes.ResidentsServed" -> the form's own names
  let k = String(key).replace(/^\$\.?/, '');
  k = k.split('.').map(s => s ? s[0].toLowerCase() + s.slice(1) : s).join('.');
  if (k.toLowerCase() === 'teamid') return 'teamId';
  if (k.toLowerCase() === 'occurredat') return 'occurredAt';
  return k;
}
/** Shows { field: [messages] } next to the fields; returns the first invalid input (or null). */
function showErrors(errors, fallbackMessage) {
  clearErrors();
  let first = null;
  const orphan = [];
  for (const [rawKey, value] of Object.entries(errors || {})) {
    const msgs = (Array.isArray(value) ? value : [value]).map(String).join(' ');
    const key = normaliseField(rawKey);
    let target = [...document.querySelectorAll('#log-form .field-error')]
      .find(e => e.dataset.field.toLowerCase() === key.toLowerCase());
    if (!target && /^partners\[/i.test(key)) {
      target = el('p', 'field-error');
      target.dataset.field = key;
      target.dataset.dynamic = '1';
      $('partner-errors').append(target);
    }
    if (!target && /^outcomes\b/i.test(key)) target = document.querySelector('#log-form .field-error[data-field="outcomes"]');
    const input = inputForField(key);
    if (target) {
      target.textContent = target.textContent ? `${target.textContent} ${msgs}` : msgs;
    } else {
      orphan.push(key ? `${key}: ${msgs}` : msgs);
    }
    if (input) {
      input.setAttribute('aria-invalid', 'true');
      if (!first) first = input;
    }
  }
  const formMsg = [fallbackMessage, ...orphan].filter(Boolean).join(' ');
  if (formMsg) { $('form-error').textContent = formMsg; $('form-error').hidden = false; }
  return first;
}
function problemErrors(problem) {
  if (!problem) return {};
  if (problem.errors && typeof problem.errors === 'object' && Object.keys(problem.errors).length) return problem.errors;
  if (problem.field) return { [problem.field]: [problem.detail || problem.title || ''] };
  return {};
}
function problemSummary(entry) {
  const p = entry.problem;
  if (entry.status === 409) return t('conflict');
  if (entry.status === 413) return t('tooLarge');
  if (entry.status === 415) return t('notJson');
  if (entry.status === 403 && !(p && (p.detail || p.title))) return t('forbidden');
  const errs = problemErrors(p);
  const parts = Object.entries(errs).map(([k, v]) => `${k}: ${(Array.isArray(v) ? v : [v]).join(' ')}`);
  if (parts.length) return parts.join('；');
  return (p && (p.detail || p.title)) || t('httpError', entry.status);
}

function showConfirm(kind, text) {
  if (kind !== 'wait') state.waitingConfirmId = null;
  const c = $('confirm');
  c.className = `confirm ${kind}`;
  c.textContent = text;
  c.hidden = false;
}

// ---------- outbox rendering ----------
function renderOutbox() {
  const list = readOutbox().sort((a, b) => (b.createdAt || '').localeCompare(a.createdAt || ''));
  const ul = $('outbox');
  ul.replaceChildren();
  for (const e of list) {
    const li = el('li');
    li.dataset.id = e.id;
    li.dataset.state = e.state;
    li.append(el('div', 'outbox-title', e.body.title || '—'));
    const meta = el('div', 'outbox-meta');
    meta.append(el('span', 'state', t(`state_${e.state}`)));
    meta.append(el('time', null, shortBeijing(e.body.occurredAt)));
    const team = state.teams.find(x => x.id === e.body.teamId);
    if (team) meta.append(el('span', null, nameOf(team)));
    if (e.state === 'waiting' && e.attempts) meta.append(el('span', null, t('tries', e.attempts)));
    li.append(meta);
    if (e.state === 'failed') {
      li.append(el('p', 'outbox-reason', problemSummary(e)));
    }
    if (e.state === 'waiting' && e.reason === 'signin') {
      li.dataset.reason = 'signin';
      const p = el('p', 'outbox-reason', `${t('reason_signin')} · `);
      const a = el('a', 'outbox-signin', t('signInLink'));
      a.href = loginUrl();
      p.append(a);
      li.append(p);
    }
    if (e.state !== 'saved') {
      const actions = el('div', 'outbox-actions');
      if (e.state === 'failed' && e.status !== 409) {
        const fix = el('button', 'secondary outbox-fix', t('fix'));
        fix.type = 'button';
        fix.addEventListener('click', () => fixEntry(e.id));
        actions.append(fix);
      }
      const del = el('button', 'secondary outbox-discard', t('discard'));
      del.type = 'button';
      del.addEventListener('click', () => {
        if (e.state === 'waiting' && !confirm(t('confirmDiscard'))) return;
        if (state.replacesId === e.id) state.replacesId = null;
        removeEntry(e.id);
        renderOutbox();
      });
      actions.append(del);
      li.append(actions);
    }
    ul.append(li);
  }
  if (state.waitingConfirmId) {
    const w = list.find(x => x.id === state.waitingConfirmId);
    if (!w || w.state !== 'waiting') {
      state.waitingConfirmId = null;
      if (w && w.state === 'saved' && !$('confirm').hidden) showConfirm('ok', `${t('savedOk')}${w.body.title}`);
    }
  }
  $('outbox-empty').hidden = list.length > 0;
  $('resend').hidden = !list.some(e => e.state === 'waiting');
}

function fixEntry(id) {
  const e = readOutbox().find(x => x.id === id);
  if (!e) return;
  loadIntoForm(e.body);
  state.replacesId = id; // the next submit gets a new id and this failed entry goes away
  const first = showErrors(e.status === 400 ? problemErrors(e.problem) : {}, t('fixLoaded'));
  $('confirm').hidden = true;
  (first || $('field-title')).focus();
  $('log-form').scrollIntoView({ block: 'start' });
}

// ---------- submit ----------
async function onSubmit(ev) {
  ev.preventDefault();
  if (EDIT_ID) { await onSubmitCorrection(); return; }
  if (state.submitting) return;
  $('confirm').hidden = true;
  state.waitingConfirmId = null;
  const body = readForm();
  const local = {};
  if (!body.teamId) local.teamId = [t('requiredTeam')];
  if (!body.occurredAt) local.occurredAt = [t('requiredTime')];
  if (!body.title) local.title = [t('requiredTitle')];
  if (Object.keys(local).length) {
    const first = showErrors(local, null);
    first?.focus();
    return;
  }
  clearErrors();
  // The same content submitted again after an attempt that was neither sent nor kept keeps its id: had that attempt
  // reached the server after all, this one is recognised as it and counted once.
  const json = JSON.stringify(body);
  const id = state.unkept?.json === json ? state.unkept.id : crypto.randomUUID ? crypto.randomUUID() : fallbackUuid();
  state.unkept = null;
  const full = { id, ...body };
  const entry = { id, body: full, bodyJson: JSON.stringify(full), state: 'waiting', createdAt: new Date().toISOString(), attempts: 0 };
  let kept = true;
  try {
    putEntry(entry); // the outbox first, then the network
  } catch {
    kept = false;
    showErrors({}, t('storageFull'));
  }
  if (kept && state.replacesId) { removeEntry(state.replacesId); state.replacesId = null; }
  try { localStorage.setItem(TEAM_KEY, body.teamId); } catch { /* ignore */ }
  renderOutbox();

  state.submitting = true;
  const btn = $('submit');
  btn.disabled = true;
  btn.textContent = t('sending');
  let r;
  try {
    r = await sendEntry(entry);
  } finally {
    state.submitting = false;
    btn.disabled = false;
    btn.textContent = t('submit');
  }
  renderOutbox();
  if (!r) return;
  if (r.state === 'saved') {
    clearAfterSave();
    showConfirm('ok', `${r.status === 200 ? t('savedAlready') : t('savedOk')}${body.title}`);
  } else if (r.state === 'waiting' && !kept) {
    // Neither sent nor on the device: nothing would send it later, so the form keeps it for the leader to submit again.
    state.unkept = { id, json };
    showErrors({}, t('storageFull'));
    showConfirm('bad', `${t('notKeptMsg')}${body.title}`);
  } else if (r.state === 'waiting') {
    // Safe on the device and sent later with the same id: clear so it is not entered twice.
    clearAfterSave();
    showConfirm('wait', `${r.reason === 'signin' ? t('waitingSignIn') : t('waitingMsg')}${body.title}`);
    if (r.reason === 'signin') showSignInAgain();
    state.waitingConfirmId = id;
    scheduleRetry();
  } else {
    // Failed: the content stays in the form to be fixed; the next submit replaces the failed entry.
    state.replacesId = id;
    const saved = readOutbox().find(x => x.id === id) || { status: r.status, problem: r.problem };
    const errs = r.status === 400 ? problemErrors(r.problem) : {};
    const first = showErrors(errs, Object.keys(errs).length ? t('seeErrors') : problemSummary(saved));
    showConfirm('bad', `${t('failedMsg')}${body.title}`);
    (first || $('form-error')).focus?.();
    if (!first) $('form-error').scrollIntoView({ block: 'center' });
  }
}

function fallbackUuid() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map(x => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// ---------- correcting a stored activity (/log?edit={id}) ----------
function teamPageUrl(teamId) {
  const path = `/teams/${encodeURIComponent(teamId)}`;
  return lang === 'en' ? `${path}?lang=en` : path;
}

function applyEditLabels() {
  document.title = t('editDocTitle');
  $('page-title').textContent = t('editTitle');
  $('page-title').dataset.mode = 'edit';
  $('page-sub').textContent = t('editSub');
  document.body.classList.add('editing');
  $('submit').textContent = t('editSubmit');
  $('submit').disabled = true; // until the activity is loaded
  const n = $('edit-notice');
  n.textContent = t('editLoading');
  n.hidden = false;
}

function editBlocked(message) {
  if (state.edit) state.edit.blocked = true;
  $('submit').disabled = true;
  showErrors({}, message);
}

/** GET /api/activities/{id}: { activity } or { error } (a message for the page). */
async function fetchActivity(id) {
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), 15000);
  try {
    const res = await apiFetch(`/api/activities/${encodeURIComponent(id)}`, {
      signal: ctrl.signal, cache: 'no-store', headers: { accept: 'application/json' } });
    if (res.status === 401) { redirectToLogin(); return { error: null }; }
    if (res.status === 404 || res.status === 400) return { error: t('editNotFound') };
    if (res.status === 403) return { error: t('editForbidden') };
    if (!res.ok) return { error: t('editLoadFailed', res.status) };
    return { activity: await res.json() };
  } catch {
    return { error: t('editOffline') };
  } finally { clearTimeout(timer); }
}

function mayCorrect(activity) {
  const a = state.account;
  if (!a) return false;
  if (a.role === 'admin') return true;
  return a.role === 'leader' && Boolean(a.teamId) && a.teamId === activity.teamId;
}

/** Month bounds (Beijing) for the date field: a correction keeps the activity in its month. */
function applyMonthBounds(occurredLocal) {
  const input = $('field-occurredAt');
  const m = /^(\d{4})-(\d{2})/.exec(occurredLocal || '');
  if (!m) return;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const last = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  input.min = `${m[1]}-${m[2]}-01T00:00`;
  const monthEnd = `${m[1]}-${m[2]}-${String(last).padStart(2, '0')}T23:59`;
  const todayEnd = `${beijingLocalNow().slice(0, 10)}T23:59`;
  input.max = monthEnd < todayEnd ? monthEnd : todayEnd;
}

function showEditNotice(activity) {
  const n = $('edit-notice');
  n.replaceChildren(el('span', null, `${t('editHint')} `));
  const month = fromOffsetIso(activity.occurredAt).slice(0, 7);
  if (month) n.append(el('span', null, `${t('editMonthHint', month)} `));
  const back = el('a', 'edit-back', t('editBack'));
  back.id = 'edit-back';
  back.href = teamPageUrl(activity.teamId);
  n.append(back);
  n.hidden = false;
}

/** Puts the loaded activity in the form (the lists are loaded by now) and says whether it may be corrected. */
function applyEdit(loaded) {
  const n = $('edit-notice');
  if (!loaded || loaded.error !== undefined) {
    n.hidden = true;
    editBlocked(loaded?.error || t('editNotFound'));
    return;
  }
  const a = loaded.activity;
  const occurredLocal = fromOffsetIso(a.occurredAt);
  state.edit = { id: a.id || EDIT_ID, teamId: a.teamId, original: a, occurredLocal, revision: a.revision, blocked: false };
  const teamSel = $('field-team');
  if (a.teamId && ![...teamSel.options].some(o => o.value === a.teamId)) {
    const o = el('option', null, a.teamId);
    o.value = a.teamId;
    teamSel.append(o);
  }
  loadIntoForm(a);
  teamSel.value = a.teamId;
  teamSel.disabled = true; // a correction keeps the team
  teamSel.dataset.locked = 'true';
  applyMonthBounds(occurredLocal);
  showEditNotice(a);
  if (a.voided) { editBlocked(t('editVoided')); return; }
  if (!mayCorrect(a)) { editBlocked(t('editForbidden')); return; }
  $('submit').disabled = false;
}

function showCorrectionSaved(saved, unchanged) {
  const box = $('correction-saved');
  box.replaceChildren(el('span', 'correction-saved-text',
    `${unchanged ? t('editUnchanged') : t('editSaved', saved.revision ?? '')}${saved.title ?? ''}`));
  box.append(document.createTextNode(' '));
  const back = el('a', 'edit-back', t('editBack'));
  back.id = 'correction-back';
  back.href = teamPageUrl(saved.teamId || state.edit.teamId);
  box.append(back);
  box.hidden = false;
}

async function onSubmitCorrection() {
  if (state.submitting || !state.edit || state.edit.blocked) return;
  $('confirm').hidden = true;
  $('correction-saved').hidden = true;
  const edit = state.edit;
  const body = readForm();
  body.teamId = edit.teamId;
  // The form shows minutes only: an untouched time is sent exactly as stored (no spurious change).
  if ($('field-occurredAt').value === edit.occurredLocal && edit.original.occurredAt) body.occurredAt = edit.original.occurredAt;
  const local = {};
  if (!body.occurredAt) local.occurredAt = [t('requiredTime')];
  if (!body.title) local.title = [t('requiredTitle')];
  if (Object.keys(local).length) {
    const first = showErrors(local, null);
    first?.focus();
    return;
  }
  clearErrors();
  const full = { id: edit.id, ...body };

  state.submitting = true;
  const btn = $('submit');
  btn.disabled = true;
  btn.textContent = t('editSaving');
  let res = null;
  let answer = null;
  try {
    const ctrl = new AbortController();
    const timer = setTimeout(() => ctrl.abort(), 15000);
    try {
      res = await apiFetch(`/api/activities/${encodeURIComponent(edit.id)}`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json', accept: 'application/json, application/problem+json' },
        body: JSON.stringify(full),
        signal: ctrl.signal,
        cache: 'no-store',
      });
      try { answer = await res.json(); } catch { answer = null; }
    } finally { clearTimeout(timer); }
  } catch {
    res = null;
  } finally {
    state.submitting = false;
    btn.disabled = Boolean(state.edit?.blocked);
    btn.textContent = t('editSubmit');
  }

  if (!res) {
    showErrors({}, t('editNeedsNetwork'));
    showConfirm('bad', `${t('failedMsg')}${body.title}`);
    return;
  }
  if (res.ok) {
    const saved = answer && typeof answer === 'object' ? answer : { ...full, revision: edit.revision };
    const unchanged = saved.revision != null && saved.revision === edit.revision;
    state.edit = { ...edit, original: saved, occurredLocal: fromOffsetIso(saved.occurredAt), revision: saved.revision ?? edit.revision };
    loadIntoForm(saved);
    $('field-team').value = edit.teamId;
    showCorrectionSaved(saved, unchanged);
    return;
  }
  if (res.status === 401) {
    showSignInAgain();
    showErrors({}, t('editSignIn'));
    return;
  }
  if (res.status === 409) {
    editBlocked(t('editConflict'));
    showConfirm('bad', `${t('failedMsg')}${body.title}`);
    return;
  }
  if (res.status === 403) {
    showErrors({}, t('editForbidden'));
    showConfirm('bad', `${t('failedMsg')}${body.title}`);
    return;
  }
  const errs = res.status === 400 ? problemErrors(answer) : {};
  const first = showErrors(errs, Object.keys(errs).length ? t('seeErrors') : problemSummary({ status: res.status, problem: answer }));
  showConfirm('bad', `${t('failedMsg')}${body.title}`);
  (first || $('form-error')).focus?.();
  if (!first) $('form-error').scrollIntoView({ block: 'center' });
}

// ---------- the session ----------
/** A notice with a sign-in link: the session ended while entries wait on the device. */
function showSignInAgain() {
  mountSessionBar({ account: null }); // the session is gone: say so, with a sign-in link
  const box = $('sign-in-again');
  box.replaceChildren(el('span', null, `${t('signInAgain')} `));
  const a = el('a', null, t('signInLink'));
  a.id = 'sign-in-again-link';
  a.href = loginUrl();
  box.append(a);
  box.hidden = false;
}

function canLog() {
  return !state.account || CAN_LOG.has(state.account.role);
}

/** Who is signed in; null means nobody (the caller goes to /login). Offline: what this device last knew. */
async function identify() {
  try {
    const account = await me();
    return { account, offline: false };
  } catch {
    return { account: lastAccount(), offline: true };
  }
}

function applyAccount(account) {
  state.account = account;
  state.lockedTeam = account && account.role === 'leader' && account.teamId ? account.teamId : null;
  if (account && !CAN_LOG.has(account.role)) {
    const box = $('not-allowed');
    box.replaceChildren(el('p', null, t('notAllowed', roleName(account.role))));
    const other = el('p', 'muted', t('notAllowedOther'));
    other.lang = document.documentElement.lang === 'en' ? 'zh-CN' : 'en';
    const a = el('a', null, t('switchAccount'));
    a.id = 'switch-account';
    a.href = loginUrl();
    box.append(other, a);
    box.hidden = false;
    $('log-form').hidden = true;
  }
}

// ---------- resending ----------
async function resendNow() {
  if (!canLog()) { renderOutbox(); return; }
  await resendWaiting(() => renderOutbox());
  renderOutbox();
  if (readOutbox().some(e => e.state === 'waiting' && e.reason === 'signin')) showSignInAgain();
  else $('sign-in-again').hidden = true;
}
let retryTimer = null;
function scheduleRetry() {
  // One interval for the page's life; each tick does nothing unless something is waiting.
  if (retryTimer) return;
  retryTimer = setInterval(() => {
    if (readOutbox().some(e => e.state === 'waiting' && !isSending(e.id))) resendNow();
  }, RETRY_MS);
}

// ---------- start ----------
async function start() {
  applyStaticLabels(document);
  if (EDIT_ID) applyEditLabels();
  const { account, offline } = await identify();
  if (!account && !offline) {
    redirectToLogin();
    return;
  }
  applyAccount(account);
  mountSessionBar({ account: offline ? (account ? { ...account } : null) : account });
  if (offline) {
    const s = $('load-status');
    s.textContent = t('offlineSession');
    s.hidden = false;
  }
  $('field-occurredAt').value = beijingLocalNow();
  $('field-occurredAt').max = `${beijingLocalNow()}`.slice(0, 10) + 'T23:59';
  updateCounters();
  renderOutbox();

  $('log-form').addEventListener('submit', onSubmit);
  // The correction being edited again is no longer the one saved.
  if (EDIT_ID) $('log-form').addEventListener('input', () => { $('correction-saved').hidden = true; });
  const editLoad = EDIT_ID && canLog() ? fetchActivity(EDIT_ID) : null;
  $('field-title').addEventListener('input', updateCounters);
  $('field-description').addEventListener('input', updateCounters);
  $('field-partner-search').addEventListener('input', renderOptions);
  $('field-partner-search').addEventListener('keydown', ev => {
    if (ev.key === 'Enter') { // Enter picks the first match instead of submitting the form
      ev.preventDefault();
      $('partner-options').querySelector('button')?.click();
    }
  });
  $('field-team').addEventListener('change', () => {
    applyTeamDefaults($('field-team').value);
    try { localStorage.setItem(TEAM_KEY, $('field-team').value); } catch { /* ignore */ }
  });
  $('resend').addEventListener('click', resendNow);
  window.addEventListener('online', resendNow);
  window.addEventListener('storage', ev => { if (ev.key && ev.key.includes('outbox')) renderOutbox(); });
  for (const input of document.querySelectorAll('#log-form input[type="number"]')) {
    input.addEventListener('focus', () => { if (input.value === '0') input.select(); });
  }
  scheduleRetry();
  resendNow(); // anything left waiting from before

  const { catalog, teams, enterprises, usedCache } = await loadLists();
  state.teams = teams;
  state.enterprises = enterprises;
  fillSelect($('field-domain'), catalog.domains || FALLBACK_CATALOG.domains);
  fillSelect($('field-district'), catalog.districts || FALLBACK_CATALOG.districts);

  const teamSel = $('field-team');
  teamSel.replaceChildren();
  const none = el('option', null, t('chooseTeam'));
  none.value = '';
  teamSel.append(none);
  for (const tm of teams) {
    const o = el('option', null, nameOf(tm));
    o.value = tm.id;
    teamSel.append(o);
  }
  const params = new URLSearchParams(location.search);
  let wanted = state.lockedTeam || params.get('team');
  if (!wanted) { try { wanted = localStorage.getItem(TEAM_KEY); } catch { wanted = null; } }
  if (wanted && !teams.some(x => x.id === wanted) && (params.get('team') === wanted || state.lockedTeam === wanted)) {
    const o = el('option', null, wanted); // unknown to this device yet: the server will judge it
    o.value = wanted;
    teamSel.append(o);
  }
  if (wanted && [...teamSel.options].some(o => o.value === wanted)) {
    teamSel.value = wanted;
    applyTeamDefaults(wanted);
    try { localStorage.setItem(TEAM_KEY, wanted); } catch { /* ignore */ }
  }

  if (state.lockedTeam) {
    // A leader logs for their own team only: shown, not changeable.
    teamSel.value = state.lockedTeam;
    teamSel.disabled = true;
    teamSel.dataset.locked = 'true';
    let hint = document.getElementById('team-locked');
    if (!hint) {
      hint = el('p', 'team-locked', t('teamLocked'));
      hint.id = 'team-locked';
      teamSel.after(hint);
    }
  }

  if (usedCache) {
    const s = $('load-status');
    s.textContent = teams.length ? t('loadFailed') : t('loadFailedNone');
    s.hidden = false;
  }
  renderOutbox(); // team names are known now
  if (EDIT_ID && canLog()) applyEdit(await editLoad);
}

start();
