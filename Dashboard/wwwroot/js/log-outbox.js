// The outbox: every submitted activity is written to localStorage before it is sent, then sent (and resent
// with the same id and the identical body) until the server answers. Saved entries are kept (at most
// MAX_SAVED, newest first) so the leader can see they went through; waiting and failed entries are all kept.
// Sends go through session.js (the cookie session with its X-CSRF-TOKEN header). A 401 (signed out, session
// expired) keeps the entry waiting with reason 'signin' until the leader signs in again; it is never dropped.
// What waited (no signal, signed out) goes out several entries to a request, through POST /api/activities/batch.
import { apiFetch, isAntiforgeryProblem } from './session.js';

const KEY = 'vanguardhub.log.outbox.v1';
export const MAX_SAVED = 20;
const TIMEOUT_MS = 15000;

export function readOutbox() {
  try {
    const raw = localStorage.getItem(KEY);
    const list = raw ? JSON.parse(raw) : [];
    return Array.isArray(list) ? list.filter(e => e && typeof e.id === 'string' && e.body) : [];
  } catch { return []; }
}

function prune(list) {
  const keep = list.filter(e => e.state !== 'saved');
  const saved = list.filter(e => e.state === 'saved')
    .sort((a, b) => (b.savedAt || b.createdAt || '').localeCompare(a.savedAt || a.createdAt || ''))
    .slice(0, MAX_SAVED);
  const ids = new Set([...keep, ...saved].map(e => e.id));
  return list.filter(e => ids.has(e.id));
}

/** Writes the list; throws when the device storage refuses it (quota). */
export function writeOutbox(list) {
  localStorage.setItem(KEY, JSON.stringify(prune(list)));
}

export function putEntry(entry) {
  const list = readOutbox().filter(e => e.id !== entry.id);
  list.push(entry);
  writeOutbox(list);
}

export function updateEntry(id, patch) {
  const list = readOutbox();
  const e = list.find(x => x.id === id);
  if (!e) return null;
  Object.assign(e, patch);
  try { writeOutbox(list); } catch { /* storage full: keep going, the state is shown from memory */ }
  return e;
}

export function removeEntry(id) {
  try { writeOutbox(readOutbox().filter(e => e.id !== id)); } catch { /* ignore */ }
}

const inFlight = new Set();
export function isSending(id) { return inFlight.has(id); }

/** An entry's body exactly as it was first sent, so that a resend is recognised as one. */
const bodyOf = (entry) => entry.bodyJson || JSON.stringify(entry.body);

function postJson(url, body, signal) {
  return apiFetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, application/problem+json' },
    body,
    signal,
    cache: 'no-store',
  });
}

/** A 400 about the antiforgery token (not about the activity): the session needs renewing, the entry is fine. */
function isCsrfRefusal(status, p) {
  return status === 400 && isAntiforgeryProblem(p);
}

/**
 * Sends one entry (its stored body, unchanged) and records the outcome:
 *  201/200 -> saved; network error, timeout, 408, 429, 5xx -> waiting;
 *  401 (or a refused antiforgery token) -> waiting with reason 'signin' (sent again once signed in);
 *  403 -> failed with the server's reason; other 4xx -> failed (not retried).
 * Returns { state, status, problem } or null when that entry is already being sent.
 */
export async function sendEntry(entry) {
  if (inFlight.has(entry.id)) return null;
  inFlight.add(entry.id);
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), TIMEOUT_MS);
  const now = new Date().toISOString();
  let result;
  try {
    const res = await postJson('/api/activities', bodyOf(entry), ctrl.signal);
    let problem = null;
    if (!res.ok) {
      try { problem = await res.json(); } catch { problem = null; }
    }
    if (res.status === 201 || res.status === 200) {
      result = { state: 'saved', status: res.status, problem: null };
    } else if (res.status === 401 || isCsrfRefusal(res.status, problem)) {
      result = { state: 'waiting', status: res.status, problem, reason: 'signin' };
    } else if (res.status >= 500 || res.status === 408 || res.status === 429) {
      result = { state: 'waiting', status: res.status, problem };
    } else {
      result = { state: 'failed', status: res.status, problem };
    }
  } catch {
    result = { state: 'waiting', status: 0, problem: null };
  } finally {
    clearTimeout(timer);
    inFlight.delete(entry.id);
  }
  updateEntry(entry.id, outcomePatch(entry, result, now));
  return result;
}

/** What an entry records of one attempt to send it. */
function outcomePatch(entry, result, now) {
  const patch = { state: result.state, status: result.status, attempts: (entry.attempts || 0) + 1, lastTryAt: now, reason: result.reason ?? null };
  if (result.state === 'saved') { patch.savedAt = now; patch.problem = null; }
  if (result.state === 'failed') patch.problem = slimProblem(result.problem);
  return patch;
}

// Keep only what the page shows of a ProblemDetails body (bounded size in storage).
function slimProblem(p) {
  if (!p || typeof p !== 'object') return null;
  const out = {};
  if (typeof p.title === 'string') out.title = p.title.slice(0, 300);
  if (typeof p.detail === 'string') out.detail = p.detail.slice(0, 500);
  if (typeof p.field === 'string') out.field = p.field.slice(0, 100);
  if (p.errors && typeof p.errors === 'object') {
    out.errors = {};
    for (const [k, v] of Object.entries(p.errors).slice(0, 40)) {
      const msgs = Array.isArray(v) ? v : [v];
      out.errors[String(k).slice(0, 100)] = msgs.slice(0, 5).map(m => String(m).slice(0, 300));
    }
  }
  return out;
}

/** Most entries sent in one request (the server takes up to 100). */
export const BATCH_MAX = 50;

/**
 * Sends several entries in one POST /api/activities/batch and records each one's outcome as sendEntry would.
 * Returns [{ entry, result }], or null when the batch as a whole was refused for something one entry holds
 * (400, 403, 413...): then each must be sent alone to learn which, and the caller does that.
 */
async function sendBatch(entries) {
  const list = entries.filter(e => !inFlight.has(e.id));
  if (list.length === 0) return [];
  list.forEach(e => inFlight.add(e.id));
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), TIMEOUT_MS * 2);
  const now = new Date().toISOString();
  let answer;
  try {
    const res = await postJson('/api/activities/batch', `{"activities":[${list.map(bodyOf).join(',')}]}`, ctrl.signal);
    let payload = null;
    try { payload = await res.json(); } catch { payload = null; }
    if (res.status === 200 && Array.isArray(payload?.results)) {
      const byId = new Map(payload.results.map(r => [r.id, r]));
      answer = list.map(e => {
        const r = byId.get(e.id);
        if (!r) return { state: 'waiting', status: 0, problem: null };
        if (r.status === 201 || r.status === 200) return { state: 'saved', status: r.status, problem: null };
        // The field as the page names it: "activities[3].id" is this entry's "id".
        const problem = r.problem ? { ...r.problem, field: typeof r.problem.field === 'string' ? r.problem.field.replace(/^activities\[\d+\]\./, '') : r.problem.field } : null;
        return { state: 'failed', status: r.status, problem };
      });
    } else if (res.status === 401 || isCsrfRefusal(res.status, payload)) {
      answer = list.map(() => ({ state: 'waiting', status: res.status, problem: payload, reason: 'signin' }));
    } else if (res.status >= 500 || res.status === 408 || res.status === 429) {
      answer = list.map(() => ({ state: 'waiting', status: res.status, problem: payload }));
    } else {
      answer = null;
    }
  } catch {
    answer = list.map(() => ({ state: 'waiting', status: 0, problem: null }));
  } finally {
    clearTimeout(timer);
    list.forEach(e => inFlight.delete(e.id));
  }
  if (answer === null) return null;

  // One write of the outbox for the whole batch.
  const stored = readOutbox();
  list.forEach((entry, i) => {
    const result = answer[i];
    const e = stored.find(x => x.id === entry.id);
    if (!e) return;
    Object.assign(e, outcomePatch(e, result, now));
  });
  try { writeOutbox(stored); } catch { /* storage full: the state is shown from memory */ }
  return list.map((entry, i) => ({ entry, result: answer[i] }));
}

// A network failure, a lost session or the rate limit means the rest would fail too: try them next time.
const stopsTheRest = r => r && r.state === 'waiting' && (r.status === 0 || r.status === 429 || r.reason === 'signin');

let resending = false;
/**
 * Resends every waiting entry: several at a time in one request (one round trip instead of one each on a weak
 * network), one at a time when a batch is refused as a whole. onEach is called after each entry's answer.
 */
export async function resendWaiting(onEach) {
  if (resending) return;
  resending = true;
  try {
    const waiting = readOutbox().filter(e => e.state === 'waiting');
    while (waiting.length > 0) {
      const chunk = waiting.splice(0, BATCH_MAX);
      const answers = chunk.length > 1 ? await sendBatch(chunk) : null;
      if (answers) {
        answers.forEach(a => onEach?.(a.entry, a.result));
        if (answers.some(a => stopsTheRest(a.result))) break;
        continue;
      }

      for (const e of chunk) {
        const r = await sendEntry(e);
        onEach?.(e, r);
        if (stopsTheRest(r)) return;
      }
    }
  } finally {
    resending = false;
  }
}
