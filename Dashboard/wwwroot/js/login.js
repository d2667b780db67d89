// The sign-in page (/login): POST /api/auth/login, then back to ?return= (a path on this site only) or, without one,
// to /log for a team leader and to the wall for everyone else.
import { apiFetch, me, rememberMe, forgetMe, roleName } from './session.js';

const lang = (() => {
  const q = new URLSearchParams(location.search).get('lang');
  return q && q.toLowerCase().startsWith('en') ? 'en' : 'zh';
})();

const STRINGS = {
  zh: {
    docTitle: '登录 · 春城先锋服务队指挥中心',
    appName: '春城先锋服务队指挥中心',
    title: '登录',
    username: '用户名',
    password: '密码',
    signIn: '登录',
    signingIn: '正在登录…',
    switchTo: 'English',
    hint: '账号由管理员开通。大屏设备无需登录：打开大屏页面，请管理员批准屏幕上的配对码。',
    required: '请填写用户名和密码。',
    wrong: '用户名或密码不正确。',
    locked: (s) => `登录尝试过多，账号暂时锁定，请在 ${s}后再试。`,
    lockedNoTime: '登录尝试过多，请稍后再试。',
    seconds: (n) => (n >= 120 ? `${Math.ceil(n / 60)} 分钟` : `${n} 秒`),
    badRequest: '登录请求有误：',
    network: '无法连接服务器，请检查网络后重试。',
    server: (n) => `服务器出错（${n}），请稍后再试。`,
    already: (u, r) => `当前已登录：${u}（${r}）。`,
    continueTo: '继续',
  },
  en: {
    docTitle: 'Sign in · Chuncheng Vanguard Command Centre',
    appName: 'Chuncheng Vanguard Command Centre',
    title: 'Sign in',
    username: 'Username',
    password: 'Password',
    signIn: 'Sign in',
    signingIn: 'Signing in…',
    switchTo: '中文',
    hint: 'Accounts are opened by an administrator. A wall display needs no account: open the wall and have an administrator approve the code it shows.',
    required: 'Enter your username and password.',
    wrong: 'Wrong username or password.',
    locked: (s) => `Too many sign-in attempts: try again in ${s}.`,
    lockedNoTime: 'Too many sign-in attempts: try again later.',
    seconds: (n) => (n >= 120 ? `${Math.ceil(n / 60)} minutes` : `${n} s`),
    badRequest: 'The sign-in request was refused: ',
    network: 'Cannot reach the server. Check the network and try again.',
    server: (n) => `Server error (${n}); try again later.`,
    already: (u, r) => `Already signed in as ${u} (${r}).`,
    continueTo: 'Continue',
  },
};
const S = STRINGS[lang];
const $ = (id) => document.getElementById(id);

/** The ?return= target when it is a path on this site ("/…", not "//…" or "/\…"), else null. */
export function safeReturn(value) {
  if (typeof value !== 'string' || !value.startsWith('/')) return null;
  if (value.startsWith('//') || value.startsWith('/\\')) return null;
  // Browsers drop tabs and newlines inside URLs ("/\t/evil" becomes "//evil") and read "\" as "/": refuse them all.
  if (/[\u0000-\u001f\u007f\\\s]/.test(value)) return null;
  try {
    const u = new URL(value, location.origin);
    if (u.origin !== location.origin) return null;
    if (u.pathname === '/login' || u.pathname === '/login.html') return null;
    return u.pathname + u.search + u.hash;
  } catch { return null; }
}

function withLang(path) {
  if (lang !== 'en') return path;
  return path + (path.includes('?') ? '&' : '?') + 'lang=en';
}

function destination(account) {
  const wanted = safeReturn(new URLSearchParams(location.search).get('return'));
  if (wanted) return wanted;
  return withLang(account?.role === 'leader' ? '/log' : '/');
}

function applyStaticText() {
  document.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
  document.title = S.docTitle;
  for (const node of document.querySelectorAll('[data-i18n]')) {
    const v = S[node.dataset.i18n];
    if (typeof v === 'string') node.textContent = v;
  }
  const sw = $('lang-switch');
  if (sw) {
    const p = new URLSearchParams(location.search);
    if (lang === 'en') p.delete('lang'); else p.set('lang', 'en');
    const qs = p.toString();
    sw.href = location.pathname + (qs ? `?${qs}` : '');
    sw.textContent = S.switchTo;
    sw.lang = lang === 'en' ? 'zh-CN' : 'en';
    sw.hreflang = sw.lang;
  }
  const home = $('home-link');
  if (home) home.href = withLang('/');
}

function showError(text) {
  const box = $('sign-in-error');
  box.textContent = text;
  box.hidden = !text;
}

/** Seconds to wait from a Retry-After header (delta-seconds or an HTTP date), or null. */
function retryAfterSeconds(header) {
  if (!header) return null;
  const n = Number(header.trim());
  if (Number.isFinite(n) && n >= 0) return Math.ceil(n);
  const at = Date.parse(header);
  if (Number.isFinite(at)) return Math.max(0, Math.ceil((at - Date.now()) / 1000));
  return null;
}

function problemText(p) {
  if (!p || typeof p !== 'object') return '';
  const parts = [];
  if (p.errors && typeof p.errors === 'object') {
    for (const [k, v] of Object.entries(p.errors)) parts.push(`${k}: ${(Array.isArray(v) ? v : [v]).join(' ')}`);
  }
  if (!parts.length && typeof p.detail === 'string' && p.detail) parts.push(p.detail);
  if (!parts.length && typeof p.title === 'string' && p.title) parts.push(p.title);
  return parts.join('；');
}

let lockTimer = null;
function lockFor(seconds) {
  const button = $('sign-in');
  clearInterval(lockTimer);
  const until = Date.now() + seconds * 1000;
  const update = () => {
    const left = Math.ceil((until - Date.now()) / 1000);
    if (left <= 0) {
      clearInterval(lockTimer);
      lockTimer = null;
      button.disabled = false;
      return;
    }
    button.disabled = true;
    showError(S.locked(S.seconds(left)));
  };
  update();
  lockTimer = setInterval(update, 1000);
}

let busy = false;
async function onSubmit(ev) {
  ev.preventDefault();
  if (busy || lockTimer) return;
  const username = $('username').value.trim();
  const password = $('password').value;
  if (!username || !password) {
    showError(S.required);
    (username ? $('password') : $('username')).focus();
    return;
  }
  busy = true;
  const button = $('sign-in');
  button.disabled = true;
  button.textContent = S.signingIn;
  showError('');
  let res;
  try {
    res = await apiFetch('/api/auth/login', {
      method: 'POST',
      deviceToken: false,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username, password }),
      cache: 'no-store',
    });
  } catch {
    res = null;
  }
  busy = false;
  button.textContent = S.signIn;
  button.disabled = false;
  if (!res) { showError(S.network); return; }

  let body = null;
  try { body = await res.json(); } catch { body = null; }

  if (res.ok) {
    rememberMe(body && typeof body === 'object' ? body : null);
    $('password').value = '';
    location.assign(destination(body));
    return;
  }
  const detail = problemText(body);
  if (res.status === 401) {
    forgetMe();
    showError(detail && detail !== S.wrong ? `${S.wrong} ${detail}` : S.wrong);
    $('password').select();
    $('password').focus();
  } else if (res.status === 429) {
    const wait = retryAfterSeconds(res.headers.get('Retry-After'));
    if (wait && wait > 0) lockFor(wait);
    else showError(S.lockedNoTime);
    if (detail) {
      const box = $('sign-in-error');
      box.dataset.detail = detail;
      box.title = detail;
    }
  } else if (res.status === 400) {
    // A stale session's antiforgery token, or the server named a field.
    forgetMe();
    showError(`${S.badRequest}${detail || res.status}`);
  } else {
    showError(detail ? `${S.server(res.status)} ${detail}` : S.server(res.status));
  }
}

async function showAlreadySignedIn() {
  let account = null;
  try { account = await me(); } catch { return; }
  if (!account) return;
  const box = $('already');
  box.replaceChildren(document.createTextNode(`${S.already(account.username ?? '', roleName(account.role))} `));
  const a = document.createElement('a');
  a.id = 'continue-link';
  a.href = destination(account);
  a.textContent = S.continueTo;
  box.append(a);
  box.hidden = false;
}

applyStaticText();
$('login-form').addEventListener('submit', onSubmit);
$('username').focus();
showAlreadySignedIn();
