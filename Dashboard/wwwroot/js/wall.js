// The command-centre wall (大屏). Starts everything once: the view, the SignalR connection, the catalog and
// snapshot fetches, and a single one-second timer for the clock, the connection banner, staleness and polling.
//
// Data rules (see wall-state.js): a snapshot is shown only if its version is newer than the one on screen; after
// every (re)connect and after any gap a full snapshot is fetched; each panel says as of when its figures are known
// to be current and turns visibly stale after 30 s without confirmation.
//
// Credentials (see session.js): a paired wall keeps its device token in localStorage ('vanguardhub.wall.token') and
// sends it as a bearer token to GET /api/board and the hub; otherwise a signed-in person's cookie session is used;
// with neither, the wall shows a pairing code (#pairing) for an administrator to approve on /admin, and stores the
// token it is given. A token that stops working (revoked: 401) is forgotten and the wall pairs again.

import { dictionary, isKiosk, languageOf } from './wall-i18n.js';
import { beijing, beijingDay, hhmmss, stamp } from './wall-format.js';
import { BoardState, SEVERE_AFTER_MS, STALE_AFTER_MS } from './wall-state.js';
import { LiveConnection, retryDelay } from './wall-live.js';
import { WallView } from './wall-view.js';
import { apiFetch, clearWallToken, me, setWallToken, wallToken } from './session.js';

// Deltas: on an ordinary day a push changes a few of the 58 race rows, and a few kilobytes arrive instead of some 60.
const HUB_URL = '/hubs/board?deltas=3'; // packed tallies (BoardHub.DeltaFormat)
const BOARD_URL = '/api/board';
const CATALOG_URL = '/api/catalog';
/** While the live channel is down, GET /api/board this often. */
const POLL_OFFLINE_MS = 15_000;
/** While connected but unconfirmed for this long (no heartbeat), ask for a snapshot. */
const QUIET_REFETCH_MS = 15_000;
const REQUEST_TIMEOUT_MS = 15_000;
const PAIRINGS_URL = '/api/walls/pairings';
/** How often a waiting wall asks whether its pairing code was approved. */
const PAIRING_POLL_MS = 3_000;
/**
 * How often a running wall asks whether its credential still works (GET /api/auth/me). An open hub connection
 * keeps receiving pushes after its token is revoked, so the wall asks by itself and pairs again on a 401.
 */
const CREDENTIAL_CHECK_MS = 30_000;

const search = window.location.search;
const lang = languageOf(search);
const t = dictionary[lang];
const kiosk = isKiosk(search);
const startedAt = Date.now();

document.body.classList.add(`lang-${lang}`);
document.body.classList.toggle('kiosk', kiosk);

// ---------- the 1920x1080 stage, scaled to fit whatever screen shows it ----------

const stage = document.getElementById('stage');
function fitStage() {
  const scale = Math.min(window.innerWidth / 1920, window.innerHeight / 1080) || 1;
  const x = Math.max(0, (window.innerWidth - 1920 * scale) / 2);
  const y = Math.max(0, (window.innerHeight - 1080 * scale) / 2);
  stage.style.transform = `translate(${x}px, ${y}px) scale(${scale})`;
}
fitStage();
window.addEventListener('resize', fitStage);

// ---------- language switch (hidden in kiosk mode) ----------

const languageSwitch = document.getElementById('lang-switch');
if (languageSwitch) {
  const params = new URLSearchParams(search);
  params.set('lang', lang === 'en' ? 'zh' : 'en');
  languageSwitch.href = `${window.location.pathname}?${params.toString()}`;
  languageSwitch.textContent = t.switchLabel;
  languageSwitch.title = t.switchTitle;
  languageSwitch.lang = lang === 'en' ? 'zh-CN' : 'en';
  if (kiosk) languageSwitch.tabIndex = -1;
}

// ---------- view, state, connection ----------

const view = new WallView({
  doc: document,
  t,
  lang,
  kiosk,
  // qrcode-generator (npm, /lib/qrcode.js) draws the kiosk's panel links as QR codes.
  qrcode: typeof globalThis.qrcode === 'function' ? {
    toDataURL(text) {
      const code = globalThis.qrcode(0, 'M');
      code.addData(text);
      code.make();
      return Promise.resolve(code.createDataURL(4, 2));
    },
  } : null,
  origin: window.location.origin,
});
view.applyStaticText();

/**
 * Snapshots can arrive several times a second; the wall draws at most this often, the latest one each time. Read
 * from across the room it loses nothing, and the browser rests between draws.
 */
const DRAW_INTERVAL_MS = 500;
let latest = null;
let drawTimer = 0;
let drawnAt = 0;

function draw() {
  drawTimer = 0;
  drawnAt = Date.now();
  const snapshot = latest;
  latest = null;
  try {
    view.render(snapshot, drawnAt);
  } catch (error) {
    console.error('wall: could not draw snapshot', snapshot?.version, error);
  }
}

const state = new BoardState({
  show(snapshot) {
    latest = snapshot;
    if (!drawTimer) {
      drawTimer = setTimeout(draw, Math.max(0, drawnAt + DRAW_INTERVAL_MS - Date.now()));
    }
  },
  refetch: () => refresh(),
});

const live = new LiveConnection({
  url: HUB_URL,
  // Handlers must return nothing: SignalR treats a returned value as a client result the server did not ask for.
  handlers: {
    board(snapshot) { state.pushed(snapshot, Date.now()); },
    boardDelta(delta) { state.delta(delta, Date.now()); },
    heartbeat(beat) { state.heartbeat(beat, Date.now()); },
  },
  onConnected: () => refresh(),
  accessTokenFactory: () => wallToken(),
  onUnauthorized: () => unauthorized(),
});

// ---------- fetching ----------

async function getJson(url) {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), REQUEST_TIMEOUT_MS);
  try {
    const response = await apiFetch(url, {
      cache: 'no-store',
      headers: { Accept: 'application/json' },
      signal: abort.signal,
    });
    if (response.status === 401) {
      unauthorized();
      const error = new Error(`${url}: HTTP 401`);
      error.status = 401;
      throw error;
    }
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    return await response.json();
  } finally {
    clearTimeout(timer);
  }
}

let fetching = false;
let fetchAgain = false;
let lastFetchAt = 0;

/** Fetches a full snapshot (through the hub when connected, else GET /api/board); one request at a time. */
async function refresh() {
  if (!running) return;
  if (fetching) {
    fetchAgain = true;
    return;
  }
  fetching = true;
  try {
    do {
      fetchAgain = false;
      lastFetchAt = Date.now();
      const sentAt = Date.now();
      let snapshot = null;
      if (live.connected) {
        snapshot = await live.getSnapshot().catch(() => null);
      }
      if (!snapshot) {
        snapshot = await getJson(BOARD_URL);
      }
      state.fetched(snapshot, sentAt);
    } while (fetchAgain);
  } catch (error) {
    console.warn('wall: snapshot fetch failed; retrying', error);
  } finally {
    fetching = false;
  }
}

/** The domain and district names, once; retried with a capped backoff until it works. */
let catalogLoaded = false;
async function loadCatalog(attempt = 0) {
  if (catalogLoaded) return;
  try {
    view.setCatalog(await getJson(CATALOG_URL));
    catalogLoaded = true;
  } catch (error) {
    // Without a credential the catalog waits for the wall to be paired (start() loads it again).
    if (error?.status === 401 || !running) return;
    console.warn('wall: catalog fetch failed; retrying', error);
    setTimeout(() => loadCatalog(attempt + 1), retryDelay(attempt));
  }
}

// ---------- the one timer ----------

let clockDay = beijingDay(Date.now());

function tick() {
  const now = Date.now();

  const day = beijingDay(now);
  if (day !== clockDay) {
    clockDay = day;
    view.redraw(now);
  }

  const b = beijing(now);
  view.setClock(hhmmss(now), t.date(b.year, b.month, b.day, t.weekdays[b.weekday]));

  const connection = live.display(now);
  let text;
  switch (connection.state) {
    case 'live': text = t.live; break;
    case 'offline': text = t.offline(stamp(connection.since, now, false)); break;
    case 'reconnecting': text = t.reconnecting; break;
    default: text = t.connecting;
  }
  view.setConnection(connection.state, text);

  const shown = state.shownVersion !== null;
  const age = shown ? state.age(now) : now - startedAt;
  const level = age > SEVERE_AFTER_MS ? 'severe' : age > STALE_AFTER_MS ? 'stale' : 'fresh';
  view.setFreshness(shown ? t.asOf(stamp(state.confirmedAt, now)) : t.waiting, level);

  if (running && !checkingCredential && now - lastCredentialCheck > CREDENTIAL_CHECK_MS) {
    checkCredential();
  }

  if (!fetching && running) {
    const sinceFetch = now - lastFetchAt;
    if (!live.connected && sinceFetch > POLL_OFFLINE_MS) {
      refresh();
    } else if (live.connected && state.age(now) > QUIET_REFETCH_MS && sinceFetch > QUIET_REFETCH_MS) {
      refresh();
    }
  }
}

// ---------- credentials and pairing ----------

/** True while the wall has a credential and fetches and listens; false while it waits to be paired. */
let running = false;
let pairingActive = false;

const pairingBox = document.getElementById('pairing');
const pairingCode = document.getElementById('pairing-code');
const pairingStatus = document.getElementById('pairing-status');
const pairingExpires = document.getElementById('pairing-expires');
const pairingSignIn = document.getElementById('pairing-sign-in');
const pairingOther = document.getElementById('pairing-text-other');
if (pairingOther) pairingOther.lang = lang === 'en' ? 'zh-CN' : 'en';
if (pairingSignIn) {
  const back = window.location.pathname + window.location.search;
  const q = new URLSearchParams({ return: back });
  if (lang === 'en') q.set('lang', 'en');
  pairingSignIn.href = `/login?${q.toString()}`;
  if (kiosk) pairingSignIn.tabIndex = -1;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function showPairing(status) {
  document.body.classList.add('pairing-open');
  if (pairingBox) pairingBox.hidden = false;
  if (status !== undefined && pairingStatus) pairingStatus.textContent = status;
}

function hidePairing() {
  document.body.classList.remove('pairing-open');
  if (pairingBox) pairingBox.hidden = true;
}

function setPairingCode(code, expiresAt) {
  if (pairingCode) pairingCode.textContent = code || '····-····';
  pairingExpiresAt = expiresAt ? Date.parse(expiresAt) : NaN;
  updatePairingExpiry();
}

let pairingExpiresAt = NaN;
function updatePairingExpiry() {
  if (!pairingExpires) return;
  if (!Number.isFinite(pairingExpiresAt)) {
    pairingExpires.textContent = '';
    return;
  }
  const left = Math.max(0, Math.ceil((pairingExpiresAt - Date.now()) / 1000));
  const text = `${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}`;
  pairingExpires.textContent = t.pairingExpires(text);
}

/** Anonymous calls to the pairing routes: no cookie, no token (they are what the wall lacks). */
async function pairingRequest(url, method) {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), REQUEST_TIMEOUT_MS);
  try {
    const response = await fetch(url, {
      method,
      cache: 'no-store',
      credentials: 'omit',
      headers: { Accept: 'application/json' },
      signal: abort.signal,
    });
    let body = null;
    try { body = await response.json(); } catch { body = null; }
    return { status: response.status, body, retryAfter: Number(response.headers.get('Retry-After')) };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Shows a pairing code until an administrator approves it; a code that expires is replaced by a new one.
 * Resolves once the device token is stored.
 */
async function pair(firstStatus) {
  showPairing(firstStatus ?? t.pairingRequesting);
  // Why the wall asks again (its access revoked, a session ended) stays beside the code, not only until it comes.
  const waiting = firstStatus ? `${firstStatus} ${t.pairingWaiting}` : t.pairingWaiting;
  let failures = 0;
  for (;;) {
    setPairingCode(null, null);
    let request = null;
    try {
      const answer = await pairingRequest(PAIRINGS_URL, 'POST');
      if ((answer.status === 201 || answer.status === 200) && answer.body?.pairingId) {
        request = answer.body;
      } else if (answer.status === 429 && answer.retryAfter > 0) {
        await sleep(Math.min(answer.retryAfter, 300) * 1000);
        continue;
      }
    } catch {
      // unreachable: below
    }
    if (!request) {
      if (pairingStatus) pairingStatus.textContent = t.pairingOffline;
      await sleep(retryDelay(failures++));
      continue;
    }
    failures = 0;
    setPairingCode(request.code, request.expiresAt);
    if (pairingStatus) pairingStatus.textContent = waiting;

    const pollUrl = `${PAIRINGS_URL}/${encodeURIComponent(request.pairingId)}`;
    for (;;) {
      await sleep(PAIRING_POLL_MS);
      updatePairingExpiry();
      let answer = null;
      try {
        answer = await pairingRequest(pollUrl, 'GET');
      } catch {
        answer = null;
      }
      if (!answer) {
        if (pairingStatus) pairingStatus.textContent = t.pairingOffline;
        continue;
      }
      if (answer.status === 200 && answer.body?.token) {
        setWallToken(answer.body.token);
        if (pairingStatus) pairingStatus.textContent = t.pairingApproved;
        return answer.body;
      }
      if (answer.status === 404 || answer.status === 410) break; // expired (or unknown): ask for a new code
      if (answer.status === 202 && answer.body?.code && answer.body.code !== pairingCode?.textContent) {
        setPairingCode(answer.body.code, answer.body.expiresAt);
      }
      if (answer.status === 202 || answer.status === 429 || answer.status >= 500) {
        if (answer.status === 202 && pairingStatus) pairingStatus.textContent = waiting;
        if (answer.status === 429 && answer.retryAfter > 0) await sleep(Math.min(answer.retryAfter, 60) * 1000);
        continue;
      }
      break; // anything else: start over with a new code
    }
  }
}

/** Which credential the wall runs on: its device token, a person's cookie session, or (after pairing) a new token. */
async function credential(firstStatus) {
  if (wallToken()) return 'token';
  for (let attempt = 0; ; attempt++) {
    try {
      const account = await me({ fresh: true });
      if (wallToken()) return 'token'; // another tab paired meanwhile
      if (account) return 'cookie';
      break;
    } catch {
      // the server is unreachable: keep the banner saying so and try again
      await sleep(retryDelay(attempt));
    }
  }
  await pair(firstStatus);
  return 'token';
}

async function begin(firstStatus) {
  if (pairingActive) return;
  pairingActive = true;
  try {
    await credential(firstStatus);
  } finally {
    pairingActive = false;
  }
  hidePairing();
  running = true;
  lastCredentialCheck = Date.now();
  loadCatalog();
  refresh();
  live.resume();
}

let lastCredentialCheck = Date.now();
let checkingCredential = false;

/** Asks the server whether the wall's token (or the cookie session) still works; a 401 means pair again. */
async function checkCredential() {
  checkingCredential = true;
  lastCredentialCheck = Date.now();
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), REQUEST_TIMEOUT_MS);
  try {
    const response = await apiFetch('/api/auth/me', { cache: 'no-store', signal: abort.signal });
    if (response.status === 401) unauthorized();
  } catch {
    // unreachable: the banner already says so; ask again next time
  } finally {
    clearTimeout(timer);
    checkingCredential = false;
  }
}

/** The credential was refused (revoked token or expired session): stop, forget the token and pair again. */
function unauthorized() {
  if (!running) return;
  running = false;
  live.stop();
  const paired = Boolean(wallToken());
  clearWallToken();
  begin(paired ? t.pairingRevoked : t.sessionEnded);
}

// ---------- start ----------

begin();
tick();
// Tick on the second boundary, so that the clock does not lag by up to a second.
setTimeout(() => {
  tick();
  setInterval(() => {
    tick();
    if (pairingActive) updatePairingExpiry();
  }, 1000);
}, 1000 - (Date.now() % 1000));
