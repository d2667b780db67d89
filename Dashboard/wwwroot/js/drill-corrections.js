// Corrections on the team page's timeline: per activity, its revision history (修改记录) shown inline, and for
// an account that may correct it (an admin, or the leader of the activity's team) "correct" (/log?edit={id}) and
// "void" with an inline reason (no confirm()/prompt() dialogs). Text typed by users only ever goes in via textContent.
//
// Element contract, inside each `#timeline [data-activity-id]` item:
//   div.activity-actions
//     button.show-history (aria-expanded)           toggles ol.history
//     button.edit-activity                          (may correct) goes to /log?edit={id}
//     button.void-activity                          (may correct) reveals div.void-panel
//   div.void-panel: input[name=void-reason], button.confirm-void, button.cancel-void, p.void-error
//   p.history-status                                loading / failure
//   ol.history > li[data-revision=N][data-voided]   span.revision-by, time.revision-at,
//                                                   ul.revision-changes > li.revision-field[data-field=…], p.revision-void-reason
import { apiFetch, redirectToLogin } from './session.js';
import { t, lang, el, beijingDateTime, formatNumber, getJson, withLang, OUTCOME_KEYS } from './drill-common.js';

const MAX_REASON = 200;

const STRINGS = {
  zh: {
    history: '修改记录',
    hideHistory: '收起修改记录',
    edit: '更正',
    void: '作废',
    voidReasonLabel: '作废原因',
    voidReasonPlaceholder: '请说明作废原因（1–200 字）',
    confirmVoid: '确认作废',
    cancel: '取消',
    voiding: '正在作废…',
    reasonRequired: '请填写作废原因。',
    reasonTooLong: `作废原因最多 ${MAX_REASON} 字。`,
    voidForbidden: '无权作废此活动（只能作废本队的活动）。',
    voidGone: '这条活动已不存在。',
    voidFailed: (s) => `作废失败（${s}），请稍后重试。`,
    networkFailed: '无法连接服务器，请检查网络后重试。',
    loadingHistory: '正在加载修改记录…',
    historyFailed: '修改记录加载失败，请稍后重试。',
    revision: (n) => (Number(n) === 0 ? '原始登记' : `第 ${n} 次更正`),
    created: '登记入库',
    voidedRev: '已作废',
    reasonLabel: '作废原因：',
    changedLabel: '修改：',
    noChanges: '内容未变',
    by: '操作人：',
    noHistory: '暂无修改记录',
    voidedMark: '已作废',
    revisedMark: (n) => `已更正 ${n} 次`,
    fields: {
      occurredAt: '活动时间', domain: '服务领域', district: '区县', place: '地点', title: '活动标题',
      description: '活动内容', participants: '参加人数', outcomes: '服务成效', partners: '共建企业',
      voided: '作废', teamId: '服务队', voidReason: '作废原因',
    },
  },
  en: {
    history: 'History',
    hideHistory: 'Hide history',
    edit: 'Correct',
    void: 'Void',
    voidReasonLabel: 'Reason for voiding',
    voidReasonPlaceholder: 'Why is it void? (1–200 characters)',
    confirmVoid: 'Confirm void',
    cancel: 'Cancel',
    voiding: 'Voiding…',
    reasonRequired: 'Please give a reason.',
    reasonTooLong: `The reason can be at most ${MAX_REASON} characters.`,
    voidForbidden: 'Not allowed to void this activity (your own team\'s only).',
    voidGone: 'This activity no longer exists.',
    voidFailed: (s) => `Could not void it (${s}); please try again.`,
    networkFailed: 'Cannot reach the server; check the network and try again.',
    loadingHistory: 'Loading the history…',
    historyFailed: 'Could not load the history; please try again.',
    revision: (n) => (Number(n) === 0 ? 'Original entry' : `Correction ${n}`),
    created: 'Logged',
    voidedRev: 'Voided',
    reasonLabel: 'Reason: ',
    changedLabel: 'Changed: ',
    noChanges: 'no change',
    by: 'by ',
    noHistory: 'No history',
    voidedMark: 'voided',
    revisedMark: (n) => (Number(n) === 1 ? 'corrected' : `corrected ${n}×`),
    fields: {
      occurredAt: 'Date and time', domain: 'Service domain', district: 'District', place: 'Place', title: 'Title',
      description: 'Description', participants: 'Participants', outcomes: 'Outcomes', partners: 'Partner enterprises',
      voided: 'Voided', teamId: 'Team', voidReason: 'Reason for voiding',
    },
  },
};
const s = STRINGS[lang];
const c = (key, ...args) => {
  const v = s[key] ?? STRINGS.zh[key] ?? key;
  return typeof v === 'function' ? v(...args) : v;
};

/** The label of an API field name ("title", "outcomes.residentsServed", …) in the page's language. */
export function fieldLabel(field) {
  const f = String(field ?? '');
  if (s.fields[f]) return s.fields[f];
  if (f.startsWith('outcomes.')) {
    const k = f.slice(9);
    const key = OUTCOME_KEYS.find((x) => x.toLowerCase() === k.toLowerCase());
    return key ? `${s.fields.outcomes} · ${t(key)}` : f;
  }
  if (OUTCOME_KEYS.includes(f)) return t(f);
  return f;
}

/** Whether this account may correct and void the activity: an admin, or the leader of its team. */
export function mayCorrect(account, activity, pageTeamId) {
  if (!account || !activity) return false;
  if (account.role === 'admin') return true;
  const team = activity.teamId ?? pageTeamId;
  return account.role === 'leader' && Boolean(account.teamId) && account.teamId === team;
}

function button(cls, text) {
  const b = el('button', `button button-small ${cls}`, text);
  b.type = 'button';
  return b;
}

/**
 * Adds the history toggle (everyone) and correct/void (when allowed) to a timeline item.
 * options: { account, teamId, catalog, partnerName, onVoided(activity) }.
 */
export function decorateTimelineItem(li, activity, options) {
  const id = activity?.id;
  if (!li || !id) return li;
  const { account, teamId } = options;
  if (Number(activity.revision) > 0 && !activity.voided) {
    const mark = el('span', 'revised-mark', c('revisedMark', activity.revision));
    const meta = li.querySelector('.activity-meta');
    if (meta) meta.append(mark);
  }
  const actions = el('div', 'activity-actions');
  const toggle = button('show-history', c('history'));
  toggle.setAttribute('aria-expanded', 'false');
  toggle.addEventListener('click', () => toggleHistory(li, activity, options));
  actions.append(toggle);
  if (mayCorrect(account, activity, teamId)) {
    const edit = button('edit-activity', c('edit'));
    edit.addEventListener('click', () => {
      location.assign(withLang(`/log?edit=${encodeURIComponent(id)}`));
    });
    const voidBtn = button('void-activity', c('void'));
    voidBtn.setAttribute('aria-expanded', 'false');
    voidBtn.addEventListener('click', () => toggleVoidPanel(li, activity, options));
    actions.append(edit, voidBtn);
  }
  li.append(actions);
  return li;
}

// ---------- voiding ----------

function voidPanelOf(li, activity, options) {
  let panel = li.querySelector(':scope > .void-panel');
  if (panel) return panel;
  panel = el('div', 'void-panel');
  panel.hidden = true;
  const inputId = `void-reason-${activity.id}`;
  const label = el('label', 'void-label', c('voidReasonLabel'));
  label.htmlFor = inputId;
  const input = el('input', 'void-reason');
  input.type = 'text';
  input.name = 'void-reason';
  input.id = inputId;
  input.maxLength = MAX_REASON;
  input.required = true;
  input.autocomplete = 'off';
  input.placeholder = c('voidReasonPlaceholder');
  const errId = `void-error-${activity.id}`;
  input.setAttribute('aria-describedby', errId);
  const confirmBtn = el('button', 'button button-small button-danger confirm-void', c('confirmVoid'));
  confirmBtn.type = 'button';
  const cancelBtn = button('cancel-void', c('cancel'));
  const err = el('p', 'void-error');
  err.id = errId;
  err.setAttribute('role', 'alert');
  err.hidden = true;
  const row = el('div', 'void-row');
  row.append(input, confirmBtn, cancelBtn);
  panel.append(label, row, err);
  confirmBtn.addEventListener('click', () => submitVoid(li, activity, options));
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') { e.preventDefault(); submitVoid(li, activity, options); }
    if (e.key === 'Escape') { e.preventDefault(); closeVoidPanel(li); }
  });
  input.addEventListener('input', () => { err.hidden = true; err.textContent = ''; input.removeAttribute('aria-invalid'); });
  cancelBtn.addEventListener('click', () => closeVoidPanel(li));
  const actions = li.querySelector(':scope > .activity-actions');
  if (actions) actions.after(panel); else li.append(panel);
  return panel;
}

function toggleVoidPanel(li, activity, options) {
  const panel = voidPanelOf(li, activity, options);
  if (!panel.hidden) { closeVoidPanel(li); return; }
  panel.hidden = false;
  li.querySelector('button.void-activity')?.setAttribute('aria-expanded', 'true');
  panel.querySelector('input[name="void-reason"]')?.focus();
}

function closeVoidPanel(li) {
  const panel = li.querySelector(':scope > .void-panel');
  if (panel) panel.hidden = true;
  const b = li.querySelector('button.void-activity');
  b?.setAttribute('aria-expanded', 'false');
  b?.focus();
}

function showVoidError(li, text) {
  const err = li.querySelector('.void-panel .void-error');
  if (!err) return;
  err.textContent = text;
  err.hidden = !text;
  const input = li.querySelector('.void-panel input[name="void-reason"]');
  if (input && text) input.setAttribute('aria-invalid', 'true');
}

function problemText(p) {
  if (!p || typeof p !== 'object') return '';
  if (p.errors && typeof p.errors === 'object') {
    const msgs = Object.values(p.errors).flat().map(String).filter(Boolean);
    if (msgs.length) return msgs.join(' ');
  }
  return p.detail || p.title || '';
}

async function submitVoid(li, activity, options) {
  const panel = li.querySelector(':scope > .void-panel');
  if (!panel || panel.dataset.busy === '1') return;
  const input = panel.querySelector('input[name="void-reason"]');
  const confirmBtn = panel.querySelector('button.confirm-void');
  const reason = (input?.value ?? '').trim();
  if (!reason) { showVoidError(li, c('reasonRequired')); input?.focus(); return; }
  if ([...reason].length > MAX_REASON) { showVoidError(li, c('reasonTooLong')); input?.focus(); return; }
  showVoidError(li, '');
  panel.dataset.busy = '1';
  confirmBtn.disabled = true;
  confirmBtn.textContent = c('voiding');
  let res;
  let body = null;
  try {
    res = await apiFetch(`/api/activities/${encodeURIComponent(activity.id)}`, {
      method: 'DELETE',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ reason }),
      cache: 'no-store',
    });
    try { body = await res.json(); } catch { body = null; }
  } catch {
    res = null;
  } finally {
    delete panel.dataset.busy;
    confirmBtn.disabled = false;
    confirmBtn.textContent = c('confirmVoid');
  }
  if (!res) { showVoidError(li, c('networkFailed')); return; }
  if (res.status === 401) { redirectToLogin(); return; }
  if (res.status === 404) {
    // Not stored (any more): say so where the leader clicked, and leave the timeline as it stands.
    showVoidError(li, c('voidGone'));
    return;
  }
  if (res.ok || res.status === 409) {
    // 409: voided already (by someone else). Either way it no longer belongs on the timeline.
    li.dataset.voided = 'true';
    li.remove();
    options.onVoided?.(res.ok ? body : activity);
    return;
  }
  if (res.status === 403) { showVoidError(li, c('voidForbidden')); return; }
  if (res.status === 400) { showVoidError(li, problemText(body) || c('reasonRequired')); input?.focus(); return; }
  showVoidError(li, `${c('voidFailed', res.status)}${problemText(body) ? ` ${problemText(body)}` : ''}`);
}

// ---------- history ----------

function historyOf(li) {
  let ol = li.querySelector(':scope > ol.history');
  if (ol) return ol;
  ol = el('ol', 'history');
  ol.setAttribute('aria-label', c('history'));
  ol.hidden = true;
  li.append(ol);
  return ol;
}

function statusOf(li) {
  let p = li.querySelector(':scope > .history-status');
  if (p) return p;
  p = el('p', 'history-status muted');
  p.setAttribute('role', 'status');
  p.hidden = true;
  const ol = li.querySelector(':scope > ol.history');
  if (ol) ol.before(p); else li.append(p);
  return p;
}

/** Opens (loading every time, so it is current) or closes the item's history. */
export async function toggleHistory(li, activity, options, { forceOpen = false } = {}) {
  const toggle = li.querySelector('button.show-history');
  const ol = historyOf(li);
  const status = statusOf(li);
  if (!forceOpen && toggle?.getAttribute('aria-expanded') === 'true') {
    ol.hidden = true;
    status.hidden = true;
    toggle.setAttribute('aria-expanded', 'false');
    toggle.textContent = c('history');
    li.classList.remove('history-open');
    return;
  }
  toggle?.setAttribute('aria-expanded', 'true');
  if (toggle) toggle.textContent = c('hideHistory');
  li.classList.add('history-open');
  status.textContent = c('loadingHistory');
  status.hidden = false;
  let r;
  try {
    r = await getJson(`/api/activities/${encodeURIComponent(activity.id)}/revisions`);
  } catch {
    r = null;
  }
  if (toggle?.getAttribute('aria-expanded') !== 'true') return; // closed meanwhile
  if (!r || !r.ok || !Array.isArray(r.data)) {
    status.textContent = c('historyFailed');
    status.classList.add('history-error');
    return;
  }
  status.classList.remove('history-error');
  renderHistory(ol, r.data, options);
  status.hidden = r.data.length > 0;
  if (!r.data.length) status.textContent = c('noHistory');
  ol.hidden = false;
}

function valueText(field, a, options) {
  if (!a) return '';
  const { catalog, partnerName } = options;
  switch (field) {
    case 'occurredAt': return beijingDateTime(a.occurredAt);
    case 'domain': return catalog ? catalog.domainName(a.domain) : a.domain ?? '';
    case 'district': return catalog ? catalog.districtName(a.district) : a.district ?? '';
    case 'participants': return formatNumber(a.participants ?? 0);
    case 'place': return a.place ?? '';
    case 'title': return a.title ?? '';
    case 'partners': {
      const ps = Array.isArray(a.partners) ? a.partners : [];
      return ps.length ? ps.map((p) => (partnerName ? partnerName(p) : p)).join(lang === 'en' ? ', ' : '、') : '—';
    }
    default: return null;
  }
}

const short = (text, n = 40) => {
  const chars = [...String(text ?? '')];
  return chars.length > n ? `${chars.slice(0, n).join('')}…` : chars.join('');
};

/** One changed field: its label, and the old → new value where that is short enough to show. */
function changeItem(field, before, after, options) {
  const li = el('li', 'revision-field');
  li.dataset.field = field;
  li.append(el('span', 'revision-field-name', fieldLabel(field)));
  if (field === 'outcomes') {
    const parts = [];
    for (const k of OUTCOME_KEYS) {
      const a = before?.outcomes?.[k] ?? 0;
      const b = after?.outcomes?.[k] ?? 0;
      if (a !== b) parts.push(`${t(k)} ${formatNumber(a)} → ${formatNumber(b)}`);
    }
    if (parts.length) li.append(el('span', 'revision-field-values', parts.join(lang === 'en' ? '; ' : '；')));
    return li;
  }
  if (field === 'voided' || field === 'description') return li;
  const a = valueText(field, before, options);
  const b = valueText(field, after, options);
  if (a !== null && b !== null && before && after) {
    li.append(el('span', 'revision-field-values', `${short(a) || '—'} → ${short(b) || '—'}`));
  }
  return li;
}

export function renderHistory(ol, revisions, options) {
  ol.replaceChildren();
  revisions.forEach((rev, i) => {
    const n = rev?.revision ?? i + 1;
    const li = el('li', 'revision');
    li.dataset.revision = String(n);
    li.dataset.voided = rev?.voided ? 'true' : 'false';
    const head = el('div', 'revision-head');
    head.append(el('strong', 'revision-number', c('revision', n)));
    const at = el('time', 'revision-at', beijingDateTime(rev?.at));
    at.dateTime = rev?.at ?? '';
    head.append(at);
    const by = el('span', 'revision-by');
    by.append(el('span', 'muted', c('by')), el('span', 'revision-by-name', rev?.by ?? ''));
    head.append(by);
    if (rev?.voided) head.append(el('span', 'revision-voided-mark', c('voidedRev')));
    li.append(head);

    const changed = Array.isArray(rev?.changed) ? rev.changed : [];
    const before = i > 0 ? revisions[i - 1]?.activity : null;
    if (i === 0 && !changed.length) {
      li.append(el('p', 'revision-summary muted', c('created')));
    } else {
      const shown = changed.filter((f) => !(f === 'voided' && rev?.voided)); // the void is said below
      if (shown.length) {
        const wrap = el('div', 'revision-changed');
        wrap.append(el('span', 'muted', c('changedLabel')));
        const ul = el('ul', 'revision-changes');
        for (const f of shown) ul.append(changeItem(f, before, rev?.activity, options));
        wrap.append(ul);
        li.append(wrap);
      } else if (!rev?.voided) {
        li.append(el('p', 'revision-summary muted', c('noChanges')));
      }
    }
    if (rev?.voided) {
      const p = el('p', 'revision-void-reason');
      p.append(el('span', 'muted', c('reasonLabel')), el('span', 'revision-void-reason-text', rev?.voidReason ?? ''));
      li.append(p);
    }
    ol.append(li);
  });
}

// ---------- keeping open panels across a re-render of the timeline ----------

/** What is open in the timeline (history lists, void panels with their text, focus), by activity id. */
export function captureOpenState(list) {
  const state = new Map();
  for (const li of list.querySelectorAll(':scope > [data-activity-id]')) {
    const id = li.dataset.activityId;
    const historyOpen = li.querySelector('button.show-history')?.getAttribute('aria-expanded') === 'true';
    const panel = li.querySelector(':scope > .void-panel');
    const input = panel?.querySelector('input[name="void-reason"]');
    const voidOpen = Boolean(panel && !panel.hidden);
    if (historyOpen || voidOpen) {
      state.set(id, {
        historyOpen,
        voidOpen,
        reason: input?.value ?? '',
        focused: Boolean(input && document.activeElement === input),
        selection: input && document.activeElement === input ? [input.selectionStart, input.selectionEnd] : null,
      });
    }
  }
  return state;
}

/** Reopens what captureOpenState saw, on the re-rendered items. */
export function restoreOpenState(list, state, activitiesById, options) {
  if (!state?.size) return;
  for (const li of list.querySelectorAll(':scope > [data-activity-id]')) {
    const st = state.get(li.dataset.activityId);
    const a = activitiesById.get(li.dataset.activityId);
    if (!st || !a) continue;
    if (st.voidOpen && li.querySelector('button.void-activity')) {
      const panel = voidPanelOf(li, a, options);
      panel.hidden = false;
      li.querySelector('button.void-activity')?.setAttribute('aria-expanded', 'true');
      const input = panel.querySelector('input[name="void-reason"]');
      if (input) {
        input.value = st.reason;
        if (st.focused) {
          input.focus();
          if (st.selection) { try { input.setSelectionRange(...st.selection); } catch { /* ignore */ } }
        }
      }
    }
    if (st.historyOpen) toggleHistory(li, a, options, { forceOpen: true });
  }
}
