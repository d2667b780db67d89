// The command-centre wall (大屏). Starts everything once: the view, the SignalR connection, the catalog and
// snapshot fetches, and a single one-second timer for the clock, the connection banner, staleness and polling.
//
// Data rules (see wall-state.js): a snapshot is shown only if its version is newer than the one on screen; after
// every (re)connect and after any gap a full snapshot is fetched; each panel says as of when its figures are known
// to be current and turns visibly stale after 30 s without confirmation.

import { dictionary, isKiosk, languageOf } from './wall-i18n.js';
import { beijing, beijingDay, hhmmss, stamp } from './wall-format.js';
import { BoardState, SEVERE_AFTER_MS, STALE_AFTER_MS } from './wall-state.js';
import { LiveConnection, retryDelay } from './wall-live.js';
import { WallView } from './wall-view.js';

const HUB_URL = '/hubs/board';
const BOARD_URL = '/api/board';
const CATALOG_URL = '/api/catalog';
/** While the live channel is down, GET /api/board this often. */
const POLL_OFFLINE_MS = 15_000;
/** While connected but unconfirmed for this long (no heartbeat), ask for a snapshot. */
const QUIET_REFETCH_MS = 15_000;
const REQUEST_TIMEOUT_MS = 15_000;

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
  return scale;
}
const scale = fitStage();
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
  echarts: globalThis.echarts,
  pixelRatio: Math.max(1, (window.devicePixelRatio || 1) * Math.max(1, scale)),
});
view.applyStaticText();

const state = new BoardState({
  show(snapshot) {
    try {
      view.render(snapshot, Date.now());
    } catch (error) {
      console.error('wall: could not draw snapshot', snapshot?.version, error);
    }
  },
  refetch: () => refresh(),
});

const live = new LiveConnection({
  url: HUB_URL,
  // Handlers must return nothing: SignalR treats a returned value as a client result the server did not ask for.
  handlers: {
    board(snapshot) { state.pushed(snapshot, Date.now()); },
    activity(item) { view.addActivity(item); },
    heartbeat(beat) { state.heartbeat(beat, Date.now()); },
  },
  onConnected: () => refresh(),
});

// ---------- fetching ----------

async function getJson(url) {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), REQUEST_TIMEOUT_MS);
  try {
    const response = await fetch(url, {
      cache: 'no-store',
      credentials: 'same-origin',
      headers: { Accept: 'application/json' },
      signal: abort.signal,
    });
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
async function loadCatalog(attempt = 0) {
  try {
    view.setCatalog(await getJson(CATALOG_URL));
  } catch (error) {
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

  if (!fetching) {
    const sinceFetch = now - lastFetchAt;
    if (!live.connected && sinceFetch > POLL_OFFLINE_MS) {
      refresh();
    } else if (live.connected && state.age(now) > QUIET_REFETCH_MS && sinceFetch > QUIET_REFETCH_MS) {
      refresh();
    }
  }
}

// ---------- start ----------

loadCatalog();
refresh();
live.start();
tick();
// Tick on the second boundary, so that the clock does not lag by up to a second.
setTimeout(() => {
  tick();
  setInterval(tick, 1000);
}, 1000 - (Date.now() % 1000));
