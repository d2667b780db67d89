// The admin page (/admin): wall pairings waiting for approval (refreshed every 5 s), accounts, bearer tokens and the
// audit log. Administrators only: anyone else sees why not; nobody signed in goes to /login and back.
// Everything typed by people (names, usernames, audit details) is only ever shown through textContent.
import { apiFetch, me, mountSessionBar, redirectToLogin, loginUrl, roleName } from './session.js';
import { beijingDateTime, el } from './drill-common.js';

const lang = (() => {
  const q = new URLSearchParams(location.search).get('lang');
  return q && q.toLowerCase().startsWith('en') ? 'en' : 'zh';
})();

const PAIRINGS_REFRESH_MS = 5_000;
const AUDIT_LIMIT = 200;

const STRINGS = {
  zh: {
    docTitle: '管理 · 春城先锋服务队指挥中心',
    appName: '春城先锋服务队指挥中心',
    switchLang: 'English',
    pageTitle: '系统管理',
    loading: '正在加载…',
    unreachable: '无法连接服务器，请稍后刷新。',
    notAllowed: '无权访问管理页面',
    notAllowedHint: (r) => `只有管理员可以使用此页面；您当前的身份是「${r}」。`,
    notAllowedOther: 'Only administrators may use this page.',
    switchAccount: '换个账号登录',
    backToWall: '返回大屏',
    pairingsTitle: '大屏配对',
    pairingsHint: '大屏上显示的配对码会出现在这里（每 5 秒刷新）。核对屏幕上的配对码，填写名称后批准。',
    pairingsEmpty: '没有等待批准的配对请求',
    pairingsUpdated: (t) => `更新于 ${t}`,
    pairingName: '大屏名称，如“市委会议室大屏”',
    pairingDefaultName: (c) => `大屏 ${c}`,
    requested: '申请于',
    expires: '失效于',
    approve: '批准',
    approving: '正在批准…',
    approved: (n, c) => `已批准“${n}”（配对码 ${c}），大屏将在几秒内自动启动。`,
    pairingGone: '这个配对码已失效或已被处理，请让大屏显示新的配对码。',
    accountsTitle: '账号',
    tokensTitle: '访问令牌',
    tokensHint: '令牌供大屏等设备或程序使用（Authorization: Bearer）。撤销后立即失效。',
    auditTitle: '操作日志',
    auditEmpty: '暂无记录',
    colUsername: '用户名',
    colRole: '角色',
    colTeam: '服务队',
    colCreated: '创建时间',
    colStatus: '状态',
    colActions: '操作',
    colName: '名称',
    colExpires: '过期时间',
    colCreatedBy: '创建人',
    colAt: '时间',
    colActor: '操作人',
    colAction: '操作',
    colTarget: '对象',
    colDetail: '详情',
    newAccount: '新建账号',
    newToken: '新建令牌',
    username: '用户名',
    password: '密码（至少 10 位）',
    role: '角色',
    team: '服务队',
    chooseTeam: '请选择服务队',
    noTeam: '（仅服务队负责人需要）',
    tokenName: '名称',
    expiresInDays: '有效天数（可留空）',
    create: '创建',
    creating: '正在创建…',
    refresh: '刷新',
    copy: '复制',
    copied: '已复制到剪贴板。',
    copyFailed: '无法自动复制，请手动选中复制。',
    newTokenLabel: '新令牌（只显示这一次，请立即复制保存）：',
    role_admin: '管理员',
    role_leader: '服务队负责人',
    role_viewer: '查看者',
    role_wall: '大屏设备',
    active: '正常',
    disabled: '已停用',
    lockedUntil: (t) => `锁定至 ${t}`,
    revoked: (t) => `已撤销 ${t}`,
    expired: '已过期',
    never: '永不过期',
    disable: '停用',
    resetPassword: '重置密码',
    newPassword: '新密码（至少 10 位）',
    save: '保存',
    cancel: '取消',
    revoke: '撤销',
    you: '（您）',
    accountCreated: (u) => `已创建账号 ${u}。`,
    accountDisabled: (u) => `已停用账号 ${u}，其登录会话已失效。`,
    passwordReset: (u) => `已重置 ${u} 的密码（并解除锁定）。`,
    tokenCreated: (n) => `已创建令牌“${n}”。`,
    tokenRevoked: (n) => `已撤销令牌“${n}”。`,
    needUsername: '请填写用户名（3–32 位小写字母、数字、. _ -）。',
    needPassword: '密码至少 10 位。',
    needTeam: '服务队负责人必须选择服务队。',
    needName: '请填写名称。',
    badDays: '有效天数须为正整数。',
    exists: '该用户名已存在（409）。',
    failed: (s) => `操作失败（${s}）`,
    forbidden: '无权执行此操作（403）。',
  },
  en: {
    docTitle: 'Admin · Chuncheng Vanguard Command Centre',
    appName: 'Chuncheng Vanguard Command Centre',
    switchLang: '中文',
    pageTitle: 'Administration',
    loading: 'Loading…',
    unreachable: 'Cannot reach the server; refresh later.',
    notAllowed: 'Not allowed',
    notAllowedHint: (r) => `Only administrators may use this page; you are signed in as: ${r}.`,
    notAllowedOther: '只有管理员可以使用此页面。',
    switchAccount: 'Sign in with another account',
    backToWall: 'Back to the wall',
    pairingsTitle: 'Wall pairing',
    pairingsHint: 'Codes shown on walls waiting to be paired appear here (refreshed every 5 s). Check the code on the screen, name the wall and approve it.',
    pairingsEmpty: 'No pairing requests waiting',
    pairingsUpdated: (t) => `updated ${t}`,
    pairingName: 'Wall name, e.g. "Committee hall wall"',
    pairingDefaultName: (c) => `Wall ${c}`,
    requested: 'requested',
    expires: 'expires',
    approve: 'Approve',
    approving: 'Approving…',
    approved: (n, c) => `Approved "${n}" (code ${c}); the wall starts within a few seconds.`,
    pairingGone: 'This code has expired or was already handled; have the wall show a new one.',
    accountsTitle: 'Accounts',
    tokensTitle: 'Access tokens',
    tokensHint: 'Tokens are for devices such as walls and for programs (Authorization: Bearer). A revoked token stops working at once.',
    auditTitle: 'Audit log',
    auditEmpty: 'Nothing recorded yet',
    colUsername: 'Username',
    colRole: 'Role',
    colTeam: 'Team',
    colCreated: 'Created',
    colStatus: 'Status',
    colActions: 'Actions',
    colName: 'Name',
    colExpires: 'Expires',
    colCreatedBy: 'Created by',
    colAt: 'Time',
    colActor: 'Actor',
    colAction: 'Action',
    colTarget: 'Target',
    colDetail: 'Detail',
    newAccount: 'New account',
    newToken: 'New token',
    username: 'Username',
    password: 'Password (10 characters or more)',
    role: 'Role',
    team: 'Team',
    chooseTeam: 'Choose a team',
    noTeam: '(team leaders only)',
    tokenName: 'Name',
    expiresInDays: 'Valid for days (optional)',
    create: 'Create',
    creating: 'Creating…',
    refresh: 'Refresh',
    copy: 'Copy',
    copied: 'Copied to the clipboard.',
    copyFailed: 'Could not copy automatically: select it and copy by hand.',
    newTokenLabel: 'New token (shown only this once: copy it now):',
    role_admin: 'Administrator',
    role_leader: 'Team leader',
    role_viewer: 'Viewer',
    role_wall: 'Wall display',
    active: 'active',
    disabled: 'disabled',
    lockedUntil: (t) => `locked until ${t}`,
    revoked: (t) => `revoked ${t}`,
    expired: 'expired',
    never: 'never',
    disable: 'Disable',
    resetPassword: 'Reset password',
    newPassword: 'New password (10+ characters)',
    save: 'Save',
    cancel: 'Cancel',
    revoke: 'Revoke',
    you: ' (you)',
    accountCreated: (u) => `Account ${u} created.`,
    accountDisabled: (u) => `Account ${u} disabled; its sessions no longer work.`,
    passwordReset: (u) => `Password of ${u} reset (and any lockout cleared).`,
    tokenCreated: (n) => `Token "${n}" created.`,
    tokenRevoked: (n) => `Token "${n}" revoked.`,
    needUsername: 'Enter a username (3–32 of a-z 0-9 . _ -).',
    needPassword: 'The password needs at least 10 characters.',
    needTeam: 'A team leader needs a team.',
    needName: 'Enter a name.',
    badDays: 'Days must be a whole number above 0.',
    exists: 'That username already exists (409).',
    failed: (s) => `Failed (${s})`,
    forbidden: 'Not allowed (403).',
  },
};

function t(key, ...args) {
  const v = STRINGS[lang][key] ?? STRINGS.zh[key] ?? key;
  return typeof v === 'function' ? v(...args) : v;
}
const $ = (id) => document.getElementById(id);
const when = (iso) => (iso ? beijingDateTime(iso) || String(iso) : '');

const state = {
  account: null,
  teams: [], // [{ id, nameZh, nameEn }]
  approving: new Set(),
};

function teamName(id) {
  if (!id) return '';
  const tm = state.teams.find((x) => x.id === id);
  if (!tm) return id;
  return (lang === 'en' ? tm.nameEn || tm.nameZh : tm.nameZh || tm.nameEn) || id;
}

// ---------- static text, language ----------

function applyStaticText() {
  document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
  document.title = t('docTitle');
  for (const node of document.querySelectorAll('[data-i18n]')) {
    const v = STRINGS[lang][node.dataset.i18n];
    if (typeof v === 'string') node.textContent = v;
  }
  const sw = $('lang-switch');
  if (sw) {
    const p = new URLSearchParams(location.search);
    if (lang === 'en') p.delete('lang'); else p.set('lang', 'en');
    const qs = p.toString();
    sw.href = location.pathname + (qs ? `?${qs}` : '');
    sw.textContent = t('switchLang');
    sw.lang = lang === 'en' ? 'zh-CN' : 'en';
  }
  const back = $('back-link');
  if (back) back.href = lang === 'en' ? '/?lang=en' : '/';
  for (const input of document.querySelectorAll('#pairings input[name="name"]')) input.placeholder = t('pairingName');
}

// ---------- talking to the API ----------

class ApiError extends Error {
  constructor(status, problem) {
    super(`HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

/** apiFetch + JSON; 401 goes to /login; other failures (403 among them) reject with an ApiError. */
async function call(url, { method = 'GET', body } = {}) {
  const init = { method, cache: 'no-store', headers: {} };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await apiFetch(url, init);
  let data = null;
  if (res.status !== 204) {
    try { data = await res.json(); } catch { data = null; }
  }
  if (res.status === 401) return redirectToLogin();
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

/** A ProblemDetails as one line: the named fields first, else its detail or title. */
function problemText(error) {
  if (!(error instanceof ApiError)) return t('unreachable');
  const p = error.problem;
  const parts = [];
  if (p && p.errors && typeof p.errors === 'object') {
    for (const [k, v] of Object.entries(p.errors)) parts.push(`${k}: ${(Array.isArray(v) ? v : [v]).join(' ')}`);
  }
  if (p && p.field && !parts.length) parts.push(`${p.field}: ${p.detail || p.title || ''}`);
  const detail = parts.length ? parts.join('；') : (p && (p.detail || p.title)) || '';
  if (error.status === 403) return detail ? `${t('forbidden')} ${detail}` : t('forbidden');
  return detail ? `${t('failed', error.status)}: ${detail}` : t('failed', error.status);
}

function say(id, text, bad = false) {
  const box = $(id);
  if (!box) return;
  box.textContent = text || '';
  box.classList.toggle('bad', Boolean(bad));
  box.hidden = !text;
}

// ---------- teams (for the leader's team select) ----------

async function loadTeams() {
  let list = [];
  try {
    const data = await call('/api/teams');
    if (Array.isArray(data)) list = data.map((x) => x?.profile || x).filter((p) => p && p.id);
  } catch { /* below */ }
  if (!list.length) {
    try {
      const cat = await call('/api/catalog');
      if (Array.isArray(cat?.teams)) list = cat.teams.map((x) => x?.profile || x).filter((p) => p && (p.id || p.code)).map((p) => ({ ...p, id: p.id || p.code }));
    } catch { /* no names: ids are shown */ }
  }
  state.teams = list.map((p) => ({ id: p.id, nameZh: p.nameZh, nameEn: p.nameEn }));
  for (const sel of [$('account-team'), $('token-team')]) {
    const keep = sel.value;
    sel.replaceChildren();
    const none = el('option', null, t('chooseTeam'));
    none.value = '';
    sel.append(none);
    for (const tm of state.teams) {
      const o = el('option', null, teamName(tm.id));
      o.value = tm.id;
      sel.append(o);
    }
    if (keep) sel.value = keep;
  }
}

/** The team select is for team leaders only (required for them, refused for every other role). */
function bindRoleToTeam(roleSelect, teamSelect) {
  const update = () => {
    const leader = roleSelect.value === 'leader';
    teamSelect.disabled = !leader;
    teamSelect.required = leader;
    if (!leader) teamSelect.value = '';
  };
  roleSelect.addEventListener('change', update);
  update();
}

// ---------- accounts ----------

async function loadAccounts() {
  let list;
  try {
    list = await call('/api/accounts');
  } catch (error) {
    say('accounts-message', problemText(error), true);
    return;
  }
  const body = $('accounts');
  body.replaceChildren();
  for (const a of Array.isArray(list) ? list : []) body.append(accountRow(a));
}

function accountRow(a) {
  const tr = el('tr');
  tr.dataset.username = a.username ?? '';
  const self = state.account && a.username === state.account.username;
  const locked = a.lockedUntil && Date.parse(a.lockedUntil) > Date.now();
  if (a.disabled) tr.classList.add('inactive');
  const nameCell = el('td', 'username', a.username ?? '');
  if (self) nameCell.append(el('span', 'muted', t('you')));
  const status = el('td', 'status');
  if (a.disabled) status.append(el('span', 'status-tag bad', t('disabled')));
  else if (locked) status.append(el('span', 'status-tag warn', t('lockedUntil', when(a.lockedUntil))));
  else status.append(el('span', 'status-tag ok', t('active')));
  tr.dataset.status = a.disabled ? 'disabled' : locked ? 'locked' : 'active';

  const actions = el('td', 'actions');
  if (!a.disabled) {
    const reset = el('button', 'button button-small reset-password', t('resetPassword'));
    reset.type = 'button';
    reset.addEventListener('click', () => openReset(tr, a.username));
    actions.append(reset);
    if (!self) {
      const disable = el('button', 'button button-small disable', t('disable'));
      disable.type = 'button';
      disable.addEventListener('click', () => disableAccount(a.username, disable));
      actions.append(disable);
    }
  }
  tr.append(nameCell, el('td', 'role', roleName(a.role)), el('td', 'team', teamName(a.teamId)),
    el('td', 'created', when(a.createdAt)), status, actions);
  tr.children[1].dataset.role = a.role ?? '';
  return tr;
}

async function disableAccount(username, button) {
  button.disabled = true;
  try {
    await call(`/api/accounts/${encodeURIComponent(username)}`, { method: 'DELETE' });
    say('accounts-message', t('accountDisabled', username));
  } catch (error) {
    say('accounts-message', problemText(error), true);
  }
  await loadAccounts();
  loadAudit();
}

function openReset(tr, username) {
  const cell = tr.querySelector('td.actions');
  const keep = [...cell.childNodes];
  const form = el('form', 'reset-form');
  const input = el('input');
  input.type = 'password';
  input.name = 'new-password';
  input.autocomplete = 'new-password';
  input.minLength = 10;
  input.placeholder = t('newPassword');
  input.setAttribute('aria-label', t('newPassword'));
  const save = el('button', 'button button-small button-primary save-password', t('save'));
  save.type = 'submit';
  const cancel = el('button', 'button button-small cancel', t('cancel'));
  cancel.type = 'button';
  const restore = () => cell.replaceChildren(...keep);
  cancel.addEventListener('click', restore);
  form.append(input, save, cancel);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (input.value.length < 10) {
      say('accounts-message', t('needPassword'), true);
      input.focus();
      return;
    }
    save.disabled = true;
    try {
      await call(`/api/accounts/${encodeURIComponent(username)}/password`, { method: 'POST', body: { password: input.value } });
      say('accounts-message', t('passwordReset', username));
      await loadAccounts();
      loadAudit();
    } catch (error) {
      save.disabled = false;
      say('accounts-message', problemText(error), true);
    }
  });
  cell.replaceChildren(form);
  input.focus();
}

async function createAccount(ev) {
  ev.preventDefault();
  const username = $('account-username').value.trim();
  const password = $('account-password').value;
  const role = $('account-role').value;
  const teamId = $('account-team').value;
  const error = (text) => { $('account-error').textContent = text; $('account-error').hidden = !text; };
  error('');
  if (!/^[a-z0-9._-]{3,32}$/.test(username)) { error(t('needUsername')); $('account-username').focus(); return; }
  if (password.length < 10) { error(t('needPassword')); $('account-password').focus(); return; }
  if (role === 'leader' && !teamId) { error(t('needTeam')); $('account-team').focus(); return; }
  const body = { username, password, role };
  if (role === 'leader') body.teamId = teamId;
  const button = $('account-create');
  button.disabled = true;
  button.textContent = t('creating');
  try {
    await call('/api/accounts', { method: 'POST', body });
    $('account-username').value = '';
    $('account-password').value = '';
    say('accounts-message', t('accountCreated', username));
    await loadAccounts();
    loadAudit();
  } catch (e) {
    error(e instanceof ApiError && e.status === 409 ? t('exists') : problemText(e));
  } finally {
    button.disabled = false;
    button.textContent = t('create');
  }
}

// ---------- tokens ----------

async function loadTokens() {
  let list;
  try {
    list = await call('/api/tokens');
  } catch (error) {
    say('tokens-message', problemText(error), true);
    return;
  }
  const body = $('tokens');
  body.replaceChildren();
  for (const tk of Array.isArray(list) ? list : []) body.append(tokenRow(tk));
}

function tokenRow(tk) {
  const tr = el('tr');
  tr.dataset.tokenId = tk.id ?? '';
  const expired = tk.expiresAt && Date.parse(tk.expiresAt) <= Date.now();
  const status = el('td', 'status');
  if (tk.revokedAt) status.append(el('span', 'status-tag bad', t('revoked', when(tk.revokedAt))));
  else if (expired) status.append(el('span', 'status-tag warn', t('expired')));
  else status.append(el('span', 'status-tag ok', t('active')));
  tr.dataset.status = tk.revokedAt ? 'revoked' : expired ? 'expired' : 'active';
  if (tk.revokedAt || expired) tr.classList.add('inactive');
  const actions = el('td', 'actions');
  if (!tk.revokedAt) {
    const revoke = el('button', 'button button-small revoke', t('revoke'));
    revoke.type = 'button';
    revoke.addEventListener('click', () => revokeToken(tk, revoke));
    actions.append(revoke);
  }
  tr.append(el('td', 'name', tk.name ?? ''), el('td', 'role', roleName(tk.role)), el('td', 'team', teamName(tk.teamId)),
    el('td', 'created', when(tk.createdAt)), el('td', 'expires', tk.expiresAt ? when(tk.expiresAt) : t('never')),
    el('td', 'created-by', tk.createdBy ?? ''), status, actions);
  return tr;
}

async function revokeToken(tk, button) {
  button.disabled = true;
  try {
    await call(`/api/tokens/${encodeURIComponent(tk.id)}`, { method: 'DELETE' });
    say('tokens-message', t('tokenRevoked', tk.name ?? tk.id));
  } catch (error) {
    say('tokens-message', problemText(error), true);
  }
  await loadTokens();
  loadAudit();
}

async function createToken(ev) {
  ev.preventDefault();
  const name = $('token-name').value.trim();
  const role = $('token-role').value;
  const teamId = $('token-team').value;
  const daysText = $('token-expires').value.trim();
  const error = (text) => { $('token-error').textContent = text; $('token-error').hidden = !text; };
  error('');
  if (!name) { error(t('needName')); $('token-name').focus(); return; }
  if (role === 'leader' && !teamId) { error(t('needTeam')); $('token-team').focus(); return; }
  const body = { name, role };
  if (role === 'leader') body.teamId = teamId;
  if (daysText) {
    const days = Number(daysText);
    if (!Number.isInteger(days) || days < 1) { error(t('badDays')); $('token-expires').focus(); return; }
    body.expiresInDays = days;
  }
  const button = $('token-create');
  button.disabled = true;
  button.textContent = t('creating');
  try {
    const created = await call('/api/tokens', { method: 'POST', body });
    showNewToken(created?.token ?? '');
    $('token-name').value = '';
    $('token-expires').value = '';
    say('tokens-message', t('tokenCreated', name));
    await loadTokens();
    loadAudit();
  } catch (e) {
    error(problemText(e));
  } finally {
    button.disabled = false;
    button.textContent = t('create');
  }
}

/** The new token's text, shown this once (it is not kept anywhere by the page). */
function showNewToken(token) {
  $('new-token').textContent = token;
  $('copy-status').textContent = '';
  $('new-token-box').hidden = !token;
  if (token) $('new-token-box').scrollIntoView({ block: 'nearest' });
}

async function copyToken() {
  const text = $('new-token').textContent;
  if (!text) return;
  let ok = false;
  try {
    await navigator.clipboard.writeText(text);
    ok = true;
  } catch {
    const range = document.createRange();
    range.selectNodeContents($('new-token'));
    const sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
    try { ok = document.execCommand('copy'); } catch { ok = false; }
  }
  $('copy-status').textContent = ok ? t('copied') : t('copyFailed');
}

// ---------- wall pairings ----------

let pairingsLoading = false;
async function loadPairings() {
  if (pairingsLoading) return;
  pairingsLoading = true;
  try {
    const list = await call('/api/walls/pairings');
    renderPairings(Array.isArray(list) ? list : []);
    $('pairings-updated').textContent = t('pairingsUpdated', beijingDateTime(new Date().toISOString()).slice(11));
  } catch (error) {
    say('pairings-message', problemText(error), true);
  } finally {
    pairingsLoading = false;
  }
}

/** Updates the list in place, so that a name being typed into a row is not lost by the 5-second refresh. */
function renderPairings(list) {
  const ul = $('pairings');
  const codes = new Set(list.map((p) => p.code));
  for (const li of [...ul.children]) {
    const code = li.dataset.pairingCode;
    if (!codes.has(code) && !state.approving.has(code)) li.remove();
  }
  for (const p of list) {
    if (!p.code) continue;
    let li = [...ul.children].find((x) => x.dataset.pairingCode === p.code);
    if (!li) {
      li = pairingRow(p);
      ul.append(li);
    }
    const meta = li.querySelector('.meta');
    meta.textContent = `${t('requested')} ${when(p.requestedAt)} · ${t('expires')} ${when(p.expiresAt)}`;
  }
  $('pairings-empty').hidden = ul.children.length > 0;
}

function pairingRow(p) {
  const li = el('li', 'pairing-row');
  li.dataset.pairingCode = p.code;
  const input = el('input');
  input.type = 'text';
  input.name = 'name';
  input.maxLength = 100;
  input.placeholder = t('pairingName');
  input.setAttribute('aria-label', `${t('pairingName')} (${p.code})`);
  const button = el('button', 'button button-primary approve', t('approve'));
  button.type = 'button';
  const error = el('p', 'error row-error');
  error.hidden = true;
  li.append(el('span', 'code', p.code), el('span', 'meta'), input, button, error);
  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter') { ev.preventDefault(); button.click(); }
  });
  button.addEventListener('click', (ev) => {
    ev.preventDefault();
    approve(p.code, input, button, error);
  });
  return li;
}

async function approve(code, input, button, error) {
  if (state.approving.has(code)) return;
  const name = input.value.trim() || t('pairingDefaultName', code);
  state.approving.add(code);
  button.disabled = true;
  input.disabled = true;
  button.textContent = t('approving');
  error.hidden = true;
  try {
    const result = await call(`/api/walls/pairings/${encodeURIComponent(code)}/approve`, { method: 'POST', body: { name } });
    say('pairings-message', t('approved', result?.name ?? name, code));
    state.approving.delete(code);
    $('pairings').querySelector(`[data-pairing-code="${CSS.escape(code)}"]`)?.remove();
    $('pairings-empty').hidden = $('pairings').children.length > 0;
    loadTokens();
    loadAudit();
  } catch (e) {
    state.approving.delete(code);
    button.disabled = false;
    input.disabled = false;
    button.textContent = t('approve');
    error.textContent = e instanceof ApiError && e.status === 404 ? t('pairingGone') : problemText(e);
    error.hidden = false;
  }
  loadPairings();
}

// ---------- audit ----------

let auditLoading = false;
async function loadAudit() {
  if (auditLoading) return;
  auditLoading = true;
  try {
    const list = await call(`/api/audit?limit=${AUDIT_LIMIT}`);
    const items = (Array.isArray(list) ? list : []).slice();
    // newest first, whatever order the server used
    items.sort((a, b) => (Date.parse(b.at) || 0) - (Date.parse(a.at) || 0));
    const body = $('audit');
    body.replaceChildren();
    for (const e of items) {
      const tr = el('tr');
      tr.dataset.action = e.action ?? '';
      const at = el('td', 'at', when(e.at));
      at.title = e.at ?? '';
      tr.append(at, el('td', 'actor', e.actor ?? ''), el('td', 'action', e.action ?? ''), el('td', 'target', e.target ?? ''),
        el('td', 'detail', typeof e.detail === 'string' ? e.detail : e.detail == null ? '' : JSON.stringify(e.detail)));
      body.append(tr);
    }
    $('audit-empty').hidden = items.length > 0;
  } catch { /* keep what is shown */ } finally {
    auditLoading = false;
  }
}

// ---------- start ----------

function showNotAllowed(account) {
  const box = $('not-allowed');
  box.replaceChildren(el('h1', 'message-title', t('notAllowed')));
  const other = el('p', 'message-other', t('notAllowedOther'));
  other.lang = lang === 'en' ? 'zh-CN' : 'en';
  box.append(other, el('p', 'message-hint', t('notAllowedHint', roleName(account?.role) || '?')));
  const again = el('a', 'button button-primary', t('switchAccount'));
  again.id = 'switch-account';
  again.href = loginUrl();
  const back = el('a', 'button', t('backToWall'));
  back.href = lang === 'en' ? '/?lang=en' : '/';
  box.append(again, document.createTextNode(' '), back);
  box.hidden = false;
  $('content').hidden = true;
}

async function main() {
  applyStaticText();
  let account;
  try {
    account = await me();
  } catch {
    say('admin-status', t('unreachable'), true);
    return;
  }
  if (!account) {
    redirectToLogin();
    return;
  }
  state.account = account;
  mountSessionBar({ account });
  if (account.role !== 'admin') {
    showNotAllowed(account);
    return;
  }
  $('content').hidden = false;
  bindRoleToTeam($('account-role'), $('account-team'));
  bindRoleToTeam($('token-role'), $('token-team'));
  $('account-form').addEventListener('submit', createAccount);
  $('token-form').addEventListener('submit', createToken);
  $('copy-token').addEventListener('click', copyToken);
  $('audit-refresh').addEventListener('click', loadAudit);

  loadPairings();
  setInterval(() => { if (!document.hidden) loadPairings(); }, PAIRINGS_REFRESH_MS);
  document.addEventListener('visibilitychange', () => { if (!document.hidden) loadPairings(); });
  await loadTeams();
  await Promise.all([loadAccounts(), loadTokens(), loadAudit()]);
}

main();
