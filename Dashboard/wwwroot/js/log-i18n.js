// Labels for the activity log form: Chinese by default, English with ?lang=en.
const zh = {
  docTitle: '登记活动 · 春城先锋',
  pageTitle: '登记活动',
  pageSub: '春城先锋服务队 · 活动与成效登记',
  switchTo: 'English',
  loading: '加载中…',
  chooseTeam: '请选择服务队',
  team: '服务队',
  occurredAt: '日期和时间（北京时间）',
  domain: '服务领域',
  district: '区县',
  place: '地点',
  title: '活动标题',
  description: '活动内容',
  participants: '参加人数',
  outcomes: '服务成效',
  householdsVisited: '走访户数',
  residentsServed: '服务群众（人）',
  enterprisesServed: '服务企业（家）',
  problemsSolved: '解决问题（个）',
  disputesMediated: '调解纠纷（起）',
  policySessions: '政策宣讲（场）',
  projectsLanded: '项目落地（个）',
  partners: '共建企业（最多 20 家）',
  partnerSearch: '输入企业名称搜索',
  partnerNone: '没有匹配的企业',
  partnerMax: '最多选择 20 家企业',
  partnerRemove: '移除',
  partnersChosen: '已选企业',
  enterprisesList: '企业',
  kind_community_partner: '共建单位',
  kind_property_alliance: '物业联盟',
  kind_served_enterprise: '服务企业',
  submit: '提交',
  sending: '正在发送…',
  outboxHeading: '本机记录',
  outboxEmpty: '还没有记录。',
  resend: '重新发送',
  state_saved: '已保存',
  state_waiting: '等待发送',
  state_failed: '失败',
  discard: '删除',
  fix: '修改后重发',
  confirmDiscard: '删除这条记录？它不会被发送。',
  savedOk: '已保存：',
  savedAlready: '服务器已有这条记录，已保存：',
  waitingMsg: '网络不畅，已存在本机，将自动重新发送：',
  failedMsg: '未保存，请按提示修改：',
  notKeptMsg: '未发送，本机存储已满也未能保存；内容仍在表单中，有信号时请再次提交：',
  conflict: '这个编号已被另一条内容不同的记录使用（409）。',
  tooLarge: '内容太长，服务器拒收（413）。',
  notJson: '服务器无法读取这条记录（415）。',
  httpError: '服务器拒收（{0}）。',
  requiredTitle: '请填写活动标题。',
  requiredTeam: '请选择服务队。',
  requiredTime: '请填写日期和时间。',
  loadFailed: '无法从服务器读取名单，已使用本机保存的名单。',
  loadFailedNone: '无法从服务器读取服务队名单，请检查网络后刷新。',
  storageFull: '本机存储已满，这条记录未能保存在本机。',
  fixLoaded: '已载入表单，请修改后重新提交。',
  seeErrors: '请检查标出的字段。',
  sentAt: '发送于',
  tries: '已尝试 {0} 次',
  lastTry: '最近尝试',
  notAllowed: '您的账号（{0}）只能查看，不能登记活动。请使用服务队负责人或管理员账号登录。',
  notAllowedOther: 'This account can view but cannot log activities.',
  switchAccount: '换个账号登录',
  reason_signin: '请重新登录',
  signInAgain: '登录已失效，请重新登录；这条记录保存在本机，登录后自动发送。',
  waitingSignIn: '登录已失效，记录已存在本机，重新登录后自动发送：',
  signInLink: '重新登录',
  teamLocked: '服务队负责人只能为本队登记。',
  offlineSession: '暂时无法确认登录状态（网络不畅），记录将保存在本机。',
  forbidden: '无权为此服务队登记（403）。',
  editDocTitle: '更正活动 / Correct activity · 春城先锋',
  editTitle: '更正活动',
  editSub: '修改已登记的活动，保存为新的版本',
  editLoading: '正在读取要更正的活动…',
  editHint: '更正保存为新版本，修改记录保留在服务队页面。服务队不能更改；要把活动移到其他月份，请作废后重新登记。',
  editLoadFailed: '无法读取这条活动（{0}），请检查网络后刷新。',
  editNotFound: '没有这条活动，可能链接有误。',
  editVoided: '这条活动已作废，不能再更正。',
  editForbidden: '您只能更正本队的活动。',
  editNeedsNetwork: '保存更正需要网络连接，请稍后重试（更正不会存在本机）。',
  editSubmit: '保存更正',
  editSaving: '正在保存…',
  editSaved: '更正已保存（第 {0} 次更正）：',
  editUnchanged: '内容未变，无需保存新版本：',
  editBack: '返回服务队页面',
  editConflict: '这条活动已作废，不能更正（409）。',
  editMonthHint: '日期只能在 {0} 月内调整。',
  editOffline: '无法连接服务器，读取不到要更正的活动，请检查网络后刷新。',
  editSignIn: '登录已失效，请重新登录后再保存更正。',
};

const en = {
  docTitle: 'Log an activity · Chuncheng Vanguard',
  pageTitle: 'Log an activity',
  pageSub: 'Chuncheng Vanguard service teams · activity and outcomes',
  switchTo: '中文',
  loading: 'Loading…',
  chooseTeam: 'Choose a team',
  team: 'Team',
  occurredAt: 'Date and time (Beijing time)',
  domain: 'Service domain',
  district: 'District',
  place: 'Place',
  title: 'Title',
  description: 'Description',
  participants: 'Participants',
  outcomes: 'Outcomes',
  householdsVisited: 'Households visited',
  residentsServed: 'Residents served',
  enterprisesServed: 'Enterprises served',
  problemsSolved: 'Problems solved',
  disputesMediated: 'Disputes mediated',
  policySessions: 'Policy sessions',
  projectsLanded: 'Projects landed',
  partners: 'Partner enterprises (up to 20)',
  partnerSearch: 'Type to search enterprises',
  partnerNone: 'No matching enterprise',
  partnerMax: 'At most 20 enterprises',
  partnerRemove: 'Remove',
  partnersChosen: 'Chosen enterprises',
  enterprisesList: 'Enterprises',
  kind_community_partner: 'community partner',
  kind_property_alliance: 'property alliance',
  kind_served_enterprise: 'served enterprise',
  submit: 'Submit',
  sending: 'Sending…',
  outboxHeading: 'On this device',
  outboxEmpty: 'Nothing logged yet.',
  resend: 'Resend',
  state_saved: 'Saved',
  state_waiting: 'Waiting to send',
  state_failed: 'Failed',
  discard: 'Discard',
  fix: 'Fix and resend',
  confirmDiscard: 'Discard this entry? It will not be sent.',
  savedOk: 'Saved: ',
  savedAlready: 'The server already had it. Saved: ',
  waitingMsg: 'Weak network: kept on this device, will be sent automatically: ',
  failedMsg: 'Not saved, please fix: ',
  notKeptMsg: 'Not sent, and device storage is full so it is not kept either; it is still in the form, submit it again when there is signal: ',
  conflict: 'This id was already used for a different entry (409).',
  tooLarge: 'Too large, the server refused it (413).',
  notJson: 'The server could not read this entry (415).',
  httpError: 'Refused by the server ({0}).',
  requiredTitle: 'Please enter a title.',
  requiredTeam: 'Please choose a team.',
  requiredTime: 'Please enter the date and time.',
  loadFailed: 'Could not reach the server; using the lists saved on this device.',
  loadFailedNone: 'Could not load the team list. Check the network and reload.',
  storageFull: 'Device storage is full; this entry could not be kept on the device.',
  fixLoaded: 'Loaded into the form: fix it and submit again.',
  seeErrors: 'Please check the marked fields.',
  sentAt: 'sent',
  tries: '{0} attempts',
  lastTry: 'last try',
  notAllowed: 'Your account ({0}) can view but cannot log activities. Sign in as a team leader or an administrator.',
  notAllowedOther: '此账号只能查看，不能登记活动。',
  switchAccount: 'Sign in with another account',
  reason_signin: 'sign in again',
  signInAgain: 'Your session has ended: sign in again. The entry is kept on this device and sent once you are signed in.',
  waitingSignIn: 'Session ended: kept on this device, sent after you sign in again: ',
  signInLink: 'Sign in again',
  teamLocked: 'A team leader logs for their own team only.',
  offlineSession: 'Cannot confirm your sign-in right now (weak network); entries are kept on this device.',
  forbidden: 'Not allowed to log for this team (403).',
  editDocTitle: 'Correct activity / 更正活动 · Chuncheng Vanguard',
  editTitle: 'Correct activity',
  editSub: 'Change a logged activity; it is stored as a new revision',
  editLoading: 'Loading the activity to correct…',
  editHint: 'A correction is stored as a new revision; the history stays on the team page. The team cannot change; to move it to another month, void it and log it anew.',
  editLoadFailed: 'Could not load this activity ({0}); check the network and reload.',
  editNotFound: 'No such activity; the link may be wrong.',
  editVoided: 'This activity was voided and can no longer be corrected.',
  editForbidden: "You can correct your own team's activities only.",
  editNeedsNetwork: 'Saving a correction needs the network; please try again (corrections are not kept on the device).',
  editSubmit: 'Save correction',
  editSaving: 'Saving…',
  editSaved: 'Correction {0} saved: ',
  editUnchanged: 'Nothing changed, no new revision: ',
  editBack: 'Back to the team page',
  editConflict: 'This activity was voided and cannot be corrected (409).',
  editMonthHint: 'The date may only move within {0}.',
  editOffline: 'Cannot reach the server to load the activity; check the network and reload.',
  editSignIn: 'Your session has ended: sign in again, then save the correction.',
};

export const lang = (() => {
  try {
    const q = new URLSearchParams(location.search).get('lang');
    return q && q.toLowerCase().startsWith('en') ? 'en' : 'zh';
  } catch { return 'zh'; }
})();

const dict = lang === 'en' ? en : zh;

export function t(key, ...args) {
  let s = dict[key] ?? zh[key] ?? key;
  args.forEach((a, i) => { s = s.replace(`{${i}}`, String(a)); });
  return s;
}

/** Localised name of a catalog/roster item ({ nameZh, nameEn }). */
export function nameOf(item) {
  if (!item) return '';
  return (lang === 'en' ? (item.nameEn || item.nameZh) : (item.nameZh || item.nameEn)) || item.code || item.id || '';
}

export function applyStaticLabels(doc) {
  doc.documentElement.lang = lang === 'en' ? 'en' : 'zh-CN';
  doc.title = t('docTitle');
  for (const el of doc.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of doc.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
  const sw = doc.getElementById('lang-switch');
  if (sw) {
    const p = new URLSearchParams(location.search);
    if (lang === 'en') p.delete('lang'); else p.set('lang', 'en');
    const qs = p.toString();
    sw.href = location.pathname + (qs ? `?${qs}` : '');
    sw.hreflang = lang === 'en' ? 'zh-CN' : 'en';
    sw.lang = lang === 'en' ? 'zh-CN' : 'en';
    sw.textContent = t('switchTo');
  }
  const chips = doc.getElementById('partner-chips');
  if (chips) chips.setAttribute('aria-label', t('partnersChosen'));
  const opts = doc.getElementById('partner-options');
  if (opts) opts.setAttribute('aria-label', t('enterprisesList'));
}
