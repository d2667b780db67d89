// Who is signed in, and fetching the API as them. Shared by every page.
//
// - me(): GET /api/auth/me, cached for the page's life; resolves the account ({ username, role, teamId, via,
//   antiforgeryToken }) or null when nobody is signed in (401); rejects on a network failure (nothing cached then).
// - apiFetch(url, options): fetch with the session: same-origin cookies, Accept: application/json, the
//   X-CSRF-TOKEN header on POST/PUT/PATCH/DELETE for a cookie session, and Authorization: Bearer when this browser is
//   a paired wall (localStorage 'vanguardhub.wall.token'). Pass { deviceToken: false } to leave the wall token out.
// - requireSignIn(): resolves the account, or sends the browser to /login?return=<this page> when nobody is signed in.
// - mountSessionBar(): "signed in as X (role) · sign out" in #session-bar (created when the page has none).

export const WALL_TOKEN_KEY = 'vanguardhub.wall.token';
const LAST_ACCOUNT_KEY = 'vanguardhub.session.last.v1';
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

const lang = (() => {
  try {
    const q = new URLSearchParams(location.search).get('lang');
    return q && q.toLowerCase().startsWith('en') ? 'en' : 'zh';
  } catch { return 'zh'; }
})();

const STRINGS = {
  zh: {
    signedInAs: '已登录：',
    device: '显示设备：',
    signOut: '退出登录',
    forgetDevice: '取消配对',
    signIn: '登录',
    admin: '管理',
    roles: { admin: '管理员', leader: '服务队负责人', viewer: '查看者', wall: '大屏设备' },
    notSignedIn: '未登录',
  },
  en: {
    signedInAs: 'Signed in as ',
    device: 'Display device: ',
    signOut: 'Sign out',
    forgetDevice: 'Unpair',
    signIn: 'Sign in',
    admin: 'Admin',
    roles: { admin: 'administrator', leader: 'team leader', viewer: 'viewer', wall: 'wall display' },
    notSignedIn: 'Not signed in',
  },
};
const s = STRINGS[lang];

/** The role's name in the page's language. */
export function roleName(role) {
  return s.roles[role] ?? role ?? '';
}

// ---------- the wall's device token ----------

export function wallToken() {
  try { return localStorage.getItem(WALL_TOKEN_KEY) || null; } catch { return null; }
}
export function setWallToken(token) {
  try { localStorage.setItem(WALL_TOKEN_KEY, token); } catch { /* private mode: the wall pairs again next time */ }
  forgetMe();
}
export function clearWallToken() {
  try { localStorage.removeItem(WALL_TOKEN_KEY); } catch { /* ignore */ }
  forgetMe();
}

// ---------- who am I ----------

let mePromise = null;
let meValue;

/** Drops the cached answer of me() (after signing in or out, or when a token stopped working). */
export function forgetMe() {
  mePromise = null;
  meValue = undefined;
}

/** Replaces the cached answer (the login answer carries the same fields as /api/auth/me). */
export function rememberMe(account) {
  meValue = account ? { via: 'cookie', ...account } : null;
  mePromise = Promise.resolve(meValue);
  rememberLastAccount(meValue);
}

/** The account as last seen by this browser (no secrets): for pages that must work offline. */
export function lastAccount() {
  try {
    const a = JSON.parse(localStorage.getItem(LAST_ACCOUNT_KEY));
    return a && typeof a.role === 'string' ? a : null;
  } catch { return null; }
}
function rememberLastAccount(a) {
  try {
    if (a) localStorage.setItem(LAST_ACCOUNT_KEY, JSON.stringify({ username: a.username, role: a.role, teamId: a.teamId ?? null, via: a.via }));
    else localStorage.removeItem(LAST_ACCOUNT_KEY);
  } catch { /* optional */ }
}

/**
 * GET /api/auth/me, once per page (pass { fresh: true } for a new answer, e.g. a new antiforgery token).
 * Resolves the account or null (401); rejects when the server cannot be reached or answers something else.
 */
export function me({ fresh = false } = {}) {
  if (fresh) forgetMe();
  if (!mePromise) {
    mePromise = (async () => {
      let res = await rawFetch('/api/auth/me', { cache: 'no-store' }, true);
      if (res.status === 401 && res.usedDeviceToken) {
        // The wall's token was revoked: forget it and ask again as whoever the cookie says.
        try { localStorage.removeItem(WALL_TOKEN_KEY); } catch { /* ignore */ }
        res = await rawFetch('/api/auth/me', { cache: 'no-store' }, false);
      }
      if (res.status === 401) {
        meValue = null;
        rememberLastAccount(null);
        return null;
      }
      if (!res.ok) throw new HttpError(res.status, '/api/auth/me');
      meValue = await res.json();
      rememberLastAccount(meValue);
      return meValue;
    })();
    mePromise.catch(() => { mePromise = null; });
  }
  return mePromise;
}

export class HttpError extends Error {
  constructor(status, url, problem = null) {
    super(`${url}: HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

// ---------- fetching ----------

function headersOf(options) {
  const h = new Headers(options.headers || {});
  if (!h.has('Accept')) h.set('Accept', 'application/json, application/problem+json');
  return h;
}

async function rawFetch(url, options = {}, deviceToken = true) {
  const headers = headersOf(options);
  const token = deviceToken ? wallToken() : null;
  if (token && !headers.has('Authorization')) headers.set('Authorization', `Bearer ${token}`);
  const res = await fetch(url, { ...options, headers, credentials: 'same-origin' });
  res.usedDeviceToken = Boolean(token);
  return res;
}

/** A ProblemDetails (of a 400) about the antiforgery token (field X-CSRF-TOKEN) rather than the request's content. */
export function isAntiforgeryProblem(p) {
  if (!p || typeof p !== 'object') return false;
  if (typeof p.field === 'string') return /csrf|xsrf|antiforgery/i.test(p.field);
  if (p.errors && typeof p.errors === 'object' && Object.keys(p.errors).length) {
    return Object.keys(p.errors).every((k) => /csrf|xsrf|antiforgery/i.test(k));
  }
  return /antiforgery|anti-forgery|csrf|xsrf/i.test(`${p.title ?? ''} ${p.detail ?? ''}`);
}

/** A 400 that is about the antiforgery token rather than the request's content. */
async function isAntiforgeryFailure(res) {
  if (res.status !== 400) return false;
  try {
    return isAntiforgeryProblem(await res.clone().json());
  } catch { return false; }
}

/**
 * fetch() with the session (see the top of this file). Resolves the Response whatever its status; rejects on a
 * network failure. A write refused for a stale antiforgery token is sent once more with a fresh one.
 * A 401 on a request that carried the wall's device token forgets that token (it was revoked).
 */
export async function apiFetch(url, options = {}) {
  const { deviceToken = true, ...init } = options;
  const method = (init.method || 'GET').toUpperCase();
  const bearer = deviceToken ? wallToken() : null;
  const send = async (fresh) => {
    const headers = headersOf(init);
    if (UNSAFE.has(method) && !bearer && !headers.has('X-CSRF-TOKEN')) {
      let account = null;
      try { account = await me({ fresh }); } catch { /* offline: the request fails by itself */ }
      if (account?.antiforgeryToken) headers.set('X-CSRF-TOKEN', account.antiforgeryToken);
    }
    return rawFetch(url, { ...init, method, headers }, deviceToken);
  };
  let res = await send(false);
  if (UNSAFE.has(method) && !bearer && await isAntiforgeryFailure(res)) {
    res = await send(true);
  }
  if (res.status === 401 && res.usedDeviceToken) clearWallToken();
  else if (res.status === 401) forgetMe();
  return res;
}

/** apiFetch + JSON: resolves the parsed body of a 2xx answer; rejects with an HttpError (with .problem) otherwise. */
export async function apiJson(url, options = {}) {
  const res = await apiFetch(url, options);
  let body = null;
  if (res.status !== 204) {
    try { body = await res.json(); } catch { body = null; }
  }
  if (!res.ok) throw new HttpError(res.status, url, body);
  return body;
}

// ---------- signing in and out ----------

/** /login?return=<this page's path and query>. */
export function loginUrl(returnTo = location.pathname + location.search) {
  const q = new URLSearchParams();
  if (returnTo && returnTo !== '/login' && !returnTo.startsWith('/login?') && !returnTo.startsWith('/login.html')) q.set('return', returnTo);
  if (lang === 'en') q.set('lang', 'en');
  const qs = q.toString();
  return `/login${qs ? `?${qs}` : ''}`;
}

let redirecting = false;
/** Goes to the sign-in page; the returned promise never settles (the page is going away). */
export function redirectToLogin(returnTo) {
  if (!redirecting) {
    redirecting = true;
    location.assign(loginUrl(returnTo));
  }
  return new Promise(() => {});
}

/** The signed-in account, or a trip to /login when nobody is signed in. Rejects when the server is unreachable. */
export async function requireSignIn() {
  const account = await me();
  if (!account) return redirectToLogin();
  return account;
}

/** Signs out (a device forgets its token instead) and goes to /login. */
export async function signOut() {
  const account = meValue;
  if (account?.via === 'token' || (!account && wallToken())) {
    clearWallToken();
  } else {
    try { await apiFetch('/api/auth/logout', { method: 'POST', deviceToken: false }); } catch { /* go anyway */ }
  }
  forgetMe();
  rememberLastAccount(null);
  location.assign(lang === 'en' ? '/login?lang=en' : '/login');
}

function ensureStylesheet() {
  if (document.querySelector('link[href="/css/session.css"]')) return;
  const link = document.createElement('link');
  link.rel = 'stylesheet';
  link.href = '/css/session.css';
  document.head.append(link);
}

function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text != null) e.textContent = text;
  return e;
}

/**
 * Fills #session-bar (made and placed after `after`, or at the top of <body>, when the page has none) with who is
 * signed in and a sign-out button (#sign-out). Resolves the account (or null).
 */
export async function mountSessionBar({ after = null, account } = {}) {
  ensureStylesheet();
  let bar = document.getElementById('session-bar');
  if (!bar) {
    bar = el('div', 'session-bar');
    bar.id = 'session-bar';
    if (after) after.after(bar); else document.body.prepend(bar);
  }
  bar.classList.add('session-bar');
  if (account === undefined) {
    try { account = await me(); } catch { account = null; }
  }
  bar.replaceChildren();
  if (!account) {
    bar.append(el('span', 'session-who', s.notSignedIn), el('span', 'session-sep', ' · '));
    const a = el('a', 'session-link', s.signIn);
    a.id = 'sign-in-link';
    a.href = loginUrl();
    bar.append(a);
    bar.dataset.role = '';
    return null;
  }
  bar.dataset.role = account.role ?? '';
  const who = el('span', 'session-who');
  who.append(document.createTextNode(account.via === 'token' ? s.device : s.signedInAs));
  const name = el('strong', 'session-user', account.username ?? '');
  name.id = 'session-user';
  who.append(name, document.createTextNode(` (${roleName(account.role)})`));
  bar.append(who);
  if (account.role === 'admin' && !location.pathname.startsWith('/admin')) {
    bar.append(el('span', 'session-sep', ' · '));
    const a = el('a', 'session-link', s.admin);
    a.id = 'admin-link';
    a.href = lang === 'en' ? '/admin?lang=en' : '/admin';
    bar.append(a);
  }
  bar.append(el('span', 'session-sep', ' · '));
  const out = el('button', 'session-signout', account.via === 'token' ? s.forgetDevice : s.signOut);
  out.type = 'button';
  out.id = 'sign-out';
  out.addEventListener('click', () => { out.disabled = true; signOut(); });
  bar.append(out);
  return account;
}
