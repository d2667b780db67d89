// Draws a board snapshot onto the wall. Its charts (the domains' ring, the districts' bars, the 30-day trend) are the
// page's own elements, built once and then only given new figures; lists are bounded (feed 20, race 10, partners 8).
// Text typed by users (titles, places, team and enterprise names) only ever goes through textContent.

import { beijingDay, formatNumber, hhmm, monthDay, parseTime } from './wall-format.js';
import { TrendChart } from './wall-trend.js';

export const OUTCOMES = [
  'residentsServed', 'enterprisesServed', 'problemsSolved', 'disputesMediated',
  'householdsVisited', 'policySessions', 'projectsLanded',
];
const FEED_LIMIT = 20;
const RACE_LIMIT = 10;
const PARTNER_LIMIT = 8;
const SEEN_LIMIT = 200;
// The team race rotates between three views, one step every 15 s of the wall's 1-second clock.
export const RACE_VIEWS = ['total', 'per-member', 'improved'];
const RACE_ROTATE_MS = 15_000;
const RACE_VIEW_TEXT = {
  total: { rule: 'raceRuleTotal', cols: ['colRank', 'colMove', 'colTeam', 'colActivities', 'colToday', 'colGap'] },
  'per-member': { rule: 'raceRulePerMember', cols: ['colRank', null, 'colTeam', 'colPerMember', 'colCount', 'colMembers'] },
  improved: { rule: 'raceRuleImproved', cols: ['colRank', null, 'colTeam', 'colImproved', 'colThisMonth', 'colLastMonth'] },
};

const DOMAIN_COLOURS = ['#e8413c', '#f4c152', '#3fa7ff', '#35d07f', '#a98bff', '#ff8a3d', '#2fd0d0'];
/** Between two of the ring's segments: a sliver of the panel, so that neighbours with close colours stay apart. */
const RING_GAP_DEGREES = 0.8;
const RING_TRACK = 'rgba(120, 150, 220, 0.12)';

/** The wall's panels and the drill-down page each one leads to (see panelTargets). */
const PANEL_IDS = ['wall-totals', 'wall-domains', 'wall-districts', 'wall-race', 'wall-trend', 'wall-feed', 'wall-partners'];
/** How many teams the totals panel compares (/compare?teams=…). */
const COMPARE_TOP = 4;
/** QR images are drawn at this many pixels and shown at the size the stylesheet gives them. */
const QR_PIXELS = 264;
/**
 * A kiosk's QR code keeps its address at least this long once shown: the feed's newest team changes with nearly every
 * activity, and a phone cannot read a code that is drawn anew twice a second.
 */
const QR_HOLD_MS = 10_000;
/** The days the board's trend covers, today last. */
const TREND_DAYS = 30;

export class WallView {
  constructor({ doc, t, lang, kiosk, qrcode = null, origin = '' }) {
    this.doc = doc;
    this.t = t;
    this.lang = lang;
    this.kiosk = kiosk;
    this.qrcode = qrcode;
    this.origin = origin;
    this.panelTargets = new Map();
    this.panelDecor = new Map();
    this.qrSince = new Map(); // panel id → when its QR code took the address it shows
    this.qrRecheck = 0; // the timer that looks at held QR codes again, and when it fires
    this.qrRecheckAt = 0;
    this.domainRows = new Map(); // domain code → its legend line's figures
    this.domainRowsKey = '';
    this.domainRing = '';
    this.districtRows = new Map(); // district code → its bar's row
    this.districtRowsKey = '';
    this.domains = [];
    this.districts = [];
    this.domainNames = new Map();
    this.districtNames = new Map();
    this.snapshot = null;

    this.feedItems = [];
    this.feedElements = new Map();
    this.seen = new Set();
    this.feedPrimed = false;
    this.lastRanks = new Map();
    this.lastTotals = new Map();
    this.freshnessKey = '';
    this.leaderboard = [];
    this.raceView = 'total';
    this.raceViewSince = null;

    this.el = {
      totals: doc.getElementById('wall-totals'),
      race: doc.getElementById('wall-race'),
      raceList: doc.getElementById('race-list'),
      raceView: doc.getElementById('race-view'),
      raceRule: doc.getElementById('race-rule'),
      raceHead: [...doc.querySelectorAll('#wall-race .race-head > span')],
      raceTabs: [...doc.querySelectorAll('#wall-race [data-race-tab]')],
      feed: doc.getElementById('wall-feed'),
      feedList: doc.getElementById('feed-list'),
      partners: doc.getElementById('wall-partners'),
      partnersList: doc.getElementById('partners-list'),
      domainsRing: doc.getElementById('domains-ring'),
      domainsTotal: doc.getElementById('domains-total'),
      domainsLegend: doc.getElementById('domains-legend'),
      districtsList: doc.getElementById('districts-list'),
      panels: [...doc.querySelectorAll('.panel')],
      asOf: [...doc.querySelectorAll('.as-of')],
      connection: doc.getElementById('connection-state'),
      connectionText: doc.getElementById('connection-text'),
      clockTime: doc.getElementById('clock-time'),
      clockDate: doc.getElementById('clock-date'),
    };

    const trend = doc.getElementById('trend-chart');
    this.trend = trend ? new TrendChart({ doc, svg: trend, days: TREND_DAYS, kiosk, t, lang }) : null;
    this.trendKey = ''; // what the trend was last drawn with

    if (!kiosk) {
      for (const tab of this.el.raceTabs) {
        tab.addEventListener('click', () => this.showRaceView(tab.dataset.raceTab, Date.now()));
      }
    }
    this.createPanelDecor();
    this.applyRaceText();
  }

  // ---------- drill-down links (clickable) and QR codes (kiosk) ----------

  /** A same-origin path in the wall's language. */
  withLang(path) {
    return this.lang === 'en' ? `${path}${path.includes('?') ? '&' : '?'}lang=en` : path;
  }

  /** Per panel: a "details" link in its head (clickable wall) or a QR code in its corner (kiosk: nobody clicks). */
  createPanelDecor() {
    const doc = this.doc;
    for (const id of PANEL_IDS) {
      const panel = doc.getElementById(id);
      if (!panel) continue;
      if (this.kiosk) {
        const img = doc.createElement('img');
        img.className = 'panel-qr';
        img.alt = this.t.qrAlt;
        img.hidden = true;
        panel.append(img);
        this.panelDecor.set(id, img);
      } else {
        const link = doc.createElement('a');
        link.className = 'panel-link interactive';
        link.textContent = this.t.details;
        link.hidden = true;
        const meta = panel.querySelector('.panel-head .panel-meta');
        if (meta) meta.prepend(link); else panel.append(link);
        this.panelDecor.set(id, link);
      }
    }
    const primary = this.el.totals?.querySelector('.tile-primary');
    if (!this.kiosk && primary) {
      primary.classList.add('clickable');
      primary.addEventListener('click', () => this.go(this.panelTargets.get('wall-totals')));
    }
  }

  go(path) {
    if (!path || this.kiosk) return;
    const view = this.doc.defaultView;
    if (view) view.location.assign(this.withLang(path));
  }

  /** The page each panel leads to, from the snapshot on screen. */
  computePanelTargets(snapshot) {
    const leaderboard = Array.isArray(snapshot.leaderboard) ? snapshot.leaderboard : [];
    const top = leaderboard.slice(0, COMPARE_TOP).map((e) => String(e.teamId ?? '')).filter(Boolean);
    const compare = top.length > 0 ? `/compare?teams=${top.map(encodeURIComponent).join(',')}` : '/compare';
    const leading = (byCode, catalog) => {
      const codes = catalog.length > 0 ? catalog.map((d) => d.code) : Object.keys(byCode ?? {});
      let best = null;
      let bestValue = 0;
      for (const code of codes) {
        const value = Number(byCode?.[code]?.activities) || 0;
        if (value > bestValue) { best = code; bestValue = value; }
      }
      return best ?? codes[0] ?? null;
    };
    const domain = leading(snapshot.byDomain, this.domains);
    const district = leading(snapshot.byDistrict, this.districts);
    const partners = (Array.isArray(snapshot.partners) ? snapshot.partners : [])
      .filter((p) => p && p.enterpriseId && p.tally)
      .sort((a, b) => (b.tally.activities || 0) - (a.tally.activities || 0));
    const newest = this.feedItems[0]?.activity?.teamId;
    return new Map([
      ['wall-totals', compare],
      ['wall-domains', domain ? `/domains/${encodeURIComponent(domain)}` : null],
      ['wall-districts', district ? `/districts/${encodeURIComponent(district)}` : null],
      ['wall-race', top[0] ? `/teams/${encodeURIComponent(top[0])}` : compare],
      ['wall-trend', compare],
      ['wall-feed', newest ? `/teams/${encodeURIComponent(newest)}` : null],
      ['wall-partners', partners[0] ? `/enterprises/${encodeURIComponent(partners[0].enterpriseId)}` : null],
    ]);
  }

  /** A held QR code takes its panel's new address when its hold ends, whether or not a snapshot comes then. */
  recheckPanelTargets(at, now) {
    const view = this.doc.defaultView;
    if (!view || (this.qrRecheck && this.qrRecheckAt <= at)) return;
    view.clearTimeout(this.qrRecheck);
    this.qrRecheckAt = at;
    this.qrRecheck = view.setTimeout(() => {
      this.qrRecheck = 0;
      if (this.snapshot) this.updatePanelTargets(this.snapshot, Date.now());
    }, at - now);
  }

  updatePanelTargets(snapshot, now) {
    this.panelTargets = this.computePanelTargets(snapshot);
    for (const [id, node] of this.panelDecor) {
      const path = this.panelTargets.get(id);
      if (!path) {
        node.hidden = true;
        delete node.dataset.url;
        continue;
      }
      const local = this.withLang(path);
      if (!this.kiosk) {
        if (node.getAttribute('href') !== local) node.setAttribute('href', local);
        node.hidden = false;
        continue;
      }
      const url = `${this.origin}${local}`;
      if (node.dataset.url === url) continue;
      const heldUntil = (this.qrSince.get(id) ?? 0) + QR_HOLD_MS;
      if (node.dataset.url && now < heldUntil) {
        this.recheckPanelTargets(heldUntil, now);
        continue;
      }
      this.qrSince.set(id, now);
      node.dataset.url = url;
      node.title = url;
      if (!this.qrcode) continue;
      this.qrcode.toDataURL(url, { errorCorrectionLevel: 'M', margin: 2, width: QR_PIXELS, color: { dark: '#0a1330ff', light: '#ffffffff' } })
        .then((data) => {
          if (node.dataset.url !== url) return; // a newer target meanwhile
          node.src = data;
          node.hidden = false;
        })
        .catch((error) => console.warn('wall: could not draw a QR code', error));
    }
  }

  // ---------- static text, catalog ----------

  applyStaticText() {
    this.doc.documentElement.lang = this.t.htmlLang;
    this.doc.title = this.t.title;
    for (const node of this.doc.querySelectorAll('[data-i18n]')) {
      const text = this.t[node.dataset.i18n];
      if (typeof text === 'string') node.textContent = text;
    }
    this.applyRaceText();
  }

  setCatalog(catalog) {
    const name = (entry) => (this.lang === 'en' ? entry.nameEn : entry.nameZh) || entry.code;
    this.domains = Array.isArray(catalog?.domains) ? catalog.domains : [];
    this.districts = Array.isArray(catalog?.districts) ? catalog.districts : [];
    this.domainNames = new Map(this.domains.map((d) => [d.code, name(d)]));
    this.districtNames = new Map(this.districts.map((d) => [d.code, name(d)]));
    // Feed items built before the names were known are rebuilt (without the "new" highlight).
    this.feedElements.clear();
    if (this.snapshot) this.render(this.snapshot, Date.now());
    else this.renderFeed();
  }

  /** Draws the shown snapshot again from scratch (after midnight: "today" figures and feed dates change). */
  redraw(now) {
    this.feedElements.clear();
    if (this.snapshot) this.render(this.snapshot, now);
  }

  domainName(code) { return this.domainNames.get(code) ?? String(code ?? ''); }
  districtName(code) { return this.districtNames.get(code) ?? String(code ?? ''); }
  teamName(item) { return (this.lang === 'en' ? item.teamNameEn || item.nameEn : item.teamNameZh || item.nameZh) || item.teamId || ''; }

  // ---------- a snapshot ----------

  render(snapshot, now) {
    this.snapshot = snapshot;
    this.renderTotals(snapshot, now);
    this.renderVerified(snapshot);
    this.renderRace(Array.isArray(snapshot.leaderboard) ? snapshot.leaderboard : []);
    this.renderPartners(Array.isArray(snapshot.partners) ? snapshot.partners : []);
    this.replaceFeed(Array.isArray(snapshot.recent) ? snapshot.recent : []);
    this.updatePanelTargets(snapshot, now);
    this.updateDomains(snapshot.byDomain ?? {}, snapshot.totals);
    this.updateDistricts(snapshot.byDistrict ?? {});
    this.updateTrend(Array.isArray(snapshot.trend) ? snapshot.trend : []);
  }

  renderTotals(snapshot, now) {
    const totals = snapshot.totals ?? {};
    const outcomes = totals.outcomes ?? {};
    const trend = Array.isArray(snapshot.trend) ? snapshot.trend : [];
    const last = trend[trend.length - 1];
    const today = last && last.day === beijingDay(now) ? last.tally ?? {} : {};
    const values = { activities: totals.activities };
    const todays = { activities: today.activities };
    for (const key of OUTCOMES) {
      values[key] = outcomes[key];
      todays[key] = today.outcomes?.[key];
    }
    for (const [key, value] of Object.entries(values)) {
      const node = this.doc.getElementById(`total-${key}`);
      if (!node) continue;
      const text = formatNumber(value);
      if (node.textContent !== text) {
        const previous = this.lastTotals.get(key);
        node.textContent = text;
        node.classList.toggle('len-7', text.length === 7);
        node.classList.toggle('len-8', text.length >= 8 && text.length < 10);
        node.classList.toggle('len-10', text.length >= 10 && text.length < 12);
        node.classList.toggle('len-12', text.length >= 12);
        if (previous !== undefined && Number(value) > previous) restartAnimation(node, 'bump');
      }
      this.lastTotals.set(key, Number(value) || 0);
      const todayNode = this.el.totals.querySelector(`[data-today="${key}"]`);
      if (todayNode) {
        const n = Number(todays[key]) || 0;
        todayNode.replaceChildren(
          this.doc.createTextNode(`${this.t.today} `),
          span(this.doc, n > 0 ? 'up' : '', `+${formatNumber(n)}`),
        );
      }
    }
  }

  renderVerified(snapshot) {
    const node = this.doc.getElementById('verified-activities');
    if (!node) return;
    const text = this.t.verified(formatNumber(snapshot.verified?.activities));
    if (node.textContent !== text) node.textContent = text;
    node.title = this.t.verifiedTitle;
  }

  renderRace(leaderboard) {
    this.leaderboard = leaderboard;
    this.drawRace(true);
    this.lastRanks = new Map(leaderboard.slice(0, RACE_LIMIT).map((e) => [String(e.teamId ?? ''), Number(e.rank) || 0]));
  }

  // ---------- team race views ----------

  /** Called every second by the wall's clock: moves the race on to its next view every 15 s. */
  tickRace(now) {
    if (this.raceViewSince === null) { this.raceViewSince = now; return; }
    if (now - this.raceViewSince < RACE_ROTATE_MS) return;
    const next = RACE_VIEWS[(RACE_VIEWS.indexOf(this.raceView) + 1) % RACE_VIEWS.length];
    this.showRaceView(next, now);
  }

  showRaceView(view, now) {
    if (!RACE_VIEWS.includes(view)) return;
    this.raceViewSince = now;
    if (view === this.raceView) return;
    this.raceView = view;
    this.applyRaceText();
    this.drawRace(false);
  }

  /** The view attribute, the one-line rule, the column heads and the tabs of the shown view. */
  applyRaceText() {
    const view = this.raceView;
    const text = RACE_VIEW_TEXT[view];
    if (this.el.raceView && this.el.raceView.dataset.raceView !== view) this.el.raceView.dataset.raceView = view;
    if (this.el.raceRule) this.el.raceRule.textContent = this.t[text.rule];
    this.el.raceHead.forEach((node, i) => {
      const key = text.cols[i];
      node.textContent = key ? this.t[key] : '';
    });
    for (const tab of this.el.raceTabs) {
      const selected = tab.dataset.raceTab === view;
      tab.setAttribute('aria-selected', String(selected));
      tab.classList.toggle('active', selected);
    }
  }

  /** The rows of the shown view; `fromSnapshot` flashes rows whose raw rank changed. */
  drawRace(fromSnapshot) {
    const doc = this.doc;
    const leaderboard = this.leaderboard;
    let entries;
    if (this.raceView === 'per-member') {
      entries = leaderboard.slice().sort((a, b) => (num(b.perMember) - num(a.perMember))
        || (num(b.tally?.activities) - num(a.tally?.activities))).slice(0, RACE_LIMIT);
    } else if (this.raceView === 'improved') {
      entries = leaderboard.slice().sort((a, b) => (improvement(b) - improvement(a))
        || (num(b.thisMonth) - num(a.thisMonth))
        || (num(b.tally?.activities) - num(a.tally?.activities))).slice(0, RACE_LIMIT);
    } else {
      entries = leaderboard.slice(0, RACE_LIMIT);
    }

    const rows = entries.map((entry, index) => {
      const row = doc.createElement('li');
      const rank = this.raceView === 'total' ? Number(entry.rank) || 0 : index + 1;
      row.className = `race-row rank-${rank}`;
      row.dataset.teamId = String(entry.teamId ?? '');

      const nameNode = span(doc, 'race-name', '');
      const name = this.teamName(entry);
      const nameText = span(doc, 'race-name-text', '');
      if (this.kiosk || !entry.teamId) {
        nameText.textContent = name;
      } else {
        const link = doc.createElement('a');
        link.href = this.withLang(`/teams/${encodeURIComponent(entry.teamId)}`);
        link.textContent = name;
        nameText.append(link);
      }
      const verified = span(doc, 'race-verified', this.t.raceVerified(formatNumber(entry.verified?.activities)));
      verified.title = this.t.verifiedTitle;
      nameNode.append(nameText, verified);
      nameNode.title = name;

      if (this.raceView === 'per-member') {
        row.append(
          span(doc, 'race-rank', String(rank)),
          span(doc, 'race-move same', ''),
          nameNode,
          span(doc, 'race-total', formatRatio(entry.perMember)),
          span(doc, 'race-today', formatNumber(entry.tally?.activities)),
          span(doc, 'race-gap', formatNumber(entry.members)),
        );
        return row;
      }
      if (this.raceView === 'improved') {
        const gain = improvement(entry);
        row.append(
          span(doc, 'race-rank', String(rank)),
          span(doc, 'race-move same', ''),
          nameNode,
          span(doc, `race-total${gain > 0 ? ' gain' : ''}`, gain > 0 ? `+${formatNumber(gain)}` : gain < 0 ? `−${formatNumber(-gain)}` : '0'),
          span(doc, 'race-today', formatNumber(entry.thisMonth)),
          span(doc, 'race-gap', formatNumber(entry.lastMonth)),
        );
        return row;
      }

      const move = Number.isFinite(entry.previousRank) ? entry.previousRank - rank : 0;
      const moveNode = span(doc, 'race-move', this.t.rankSame);
      if (move > 0) { moveNode.textContent = `▲${move}`; moveNode.classList.add('up'); }
      else if (move < 0) { moveNode.textContent = `▼${-move}`; moveNode.classList.add('down'); }
      else moveNode.classList.add('same');

      const todayCount = Number(entry.today?.activities) || 0;
      const gap = Number(entry.gapToNext) || 0;
      let gapText;
      if (rank === 1) gapText = this.t.leading;
      else if (gap <= 0) gapText = this.t.level;
      else gapText = this.t.behind(formatNumber(gap));

      row.append(
        span(doc, 'race-rank', String(rank)),
        moveNode,
        nameNode,
        span(doc, 'race-total', formatNumber(entry.tally?.activities)),
        span(doc, `race-today${todayCount > 0 ? ' has' : ''}`, todayCount > 0 ? `+${formatNumber(todayCount)}` : '0'),
        span(doc, `race-gap${rank === 1 ? ' lead' : ''}`, gapText),
      );
      const before = this.lastRanks.get(row.dataset.teamId);
      if (fromSnapshot && before !== undefined && before !== rank) row.classList.add('moved');
      return row;
    });
    this.el.raceList.replaceChildren(...rows);
    this.el.race.classList.toggle('empty', rows.length === 0);
  }

  renderPartners(partners) {
    const doc = this.doc;
    const top = partners
      .filter((p) => p && p.tally)
      .slice()
      .sort((a, b) => (b.tally.activities || 0) - (a.tally.activities || 0))
      .slice(0, PARTNER_LIMIT);
    const max = Math.max(1, ...top.map((p) => p.tally.activities || 0));
    const rows = top.map((partner, index) => {
      const row = doc.createElement('li');
      row.className = 'partner-row';
      row.dataset.enterpriseId = String(partner.enterpriseId ?? '');
      const bar = doc.createElement('div');
      bar.className = 'partner-bar';
      const fill = doc.createElement('div');
      fill.className = 'partner-fill';
      fill.style.setProperty('--share', String((partner.tally.activities || 0) / max));
      const name = this.lang === 'en' ? partner.nameEn || partner.nameZh : partner.nameZh || partner.nameEn;
      const nameNode = span(doc, 'partner-name', '');
      const shown = name || String(partner.enterpriseId ?? '');
      if (this.kiosk || !partner.enterpriseId) {
        nameNode.textContent = shown;
      } else {
        const link = doc.createElement('a');
        link.href = this.withLang(`/enterprises/${encodeURIComponent(partner.enterpriseId)}`);
        link.textContent = shown;
        nameNode.append(link);
      }
      nameNode.title = shown;
      bar.append(fill, nameNode);
      row.append(
        span(doc, 'partner-rank', String(index + 1)),
        bar,
        span(doc, 'partner-value', `${formatNumber(partner.tally.activities)}${this.t.partnerUnit}`),
      );
      return row;
    });
    this.el.partnersList.replaceChildren(...rows);
    this.el.partners.classList.toggle('empty', rows.length === 0);
  }

  // ---------- live feed ----------

  /** A snapshot's feed replaces the list; only items never shown before are highlighted. */
  replaceFeed(recent) {
    this.feedItems = dedupe(recent.filter(isFeedItem)).slice(0, FEED_LIMIT);
    this.renderFeed();
  }

  renderFeed() {
    const elements = new Map();
    const ordered = this.feedItems.map((item) => {
      const id = String(item.activity.id);
      let node = this.feedElements.get(id);
      if (!node) {
        node = this.feedItemElement(item);
        if (this.feedPrimed && !this.seen.has(id)) {
          node.classList.add('new');
          // One shared handler, not a closure: a closure here would keep this render's scope (and through it
          // every older feed element) alive for as long as the wall runs.
          node.addEventListener('animationend', endHighlight);
        }
      }
      this.remember(id);
      elements.set(id, node);
      return node;
    });
    this.feedElements = elements;
    if (this.feedItems.length > 0 || this.snapshot) this.feedPrimed = true;

    const current = [...this.el.feedList.children];
    const same = current.length === ordered.length && current.every((node, i) => node === ordered[i]);
    if (!same) this.el.feedList.replaceChildren(...ordered);
    this.el.feed.classList.toggle('empty', ordered.length === 0);
  }

  remember(id) {
    if (this.seen.has(id)) return;
    this.seen.add(id);
    if (this.seen.size > SEEN_LIMIT) this.seen.delete(this.seen.values().next().value);
  }

  feedItemElement(item) {
    const doc = this.doc;
    const a = item.activity;
    const li = doc.createElement('li');
    li.className = 'feed-item';
    li.setAttribute('data-activity-id', String(a.id));

    const at = parseTime(a.occurredAt);
    const time = doc.createElement('div');
    time.className = 'feed-time';
    time.textContent = Number.isFinite(at) ? hhmm(at) : '--:--';
    if (Number.isFinite(at) && beijingDay(at) !== beijingDay(Date.now())) {
      time.append(span(doc, 'feed-date', monthDay(at)));
    }

    const line1 = doc.createElement('div');
    line1.className = 'feed-meta';
    const teamNode = span(doc, 'feed-team', '');
    const teamText = this.teamName({ ...item, teamId: a.teamId });
    if (this.kiosk || !a.teamId) {
      teamNode.textContent = teamText;
    } else {
      const link = doc.createElement('a');
      link.href = this.withLang(`/teams/${encodeURIComponent(a.teamId)}`);
      link.textContent = teamText;
      teamNode.append(link);
    }
    line1.append(
      teamNode,
      span(doc, 'feed-chip', this.domainName(a.domain)),
      span(doc, 'feed-chip district', this.districtName(a.district)),
    );

    const line2 = doc.createElement('div');
    line2.className = 'feed-line';
    const title = doc.createElement('div');
    title.className = 'feed-title';
    title.textContent = String(a.title ?? '');
    title.title = title.textContent;
    const served = span(doc, 'feed-served', '');
    served.append(
      doc.createTextNode(`${this.t.served} `),
      span(doc, 'feed-served-value', formatNumber(a.outcomes?.residentsServed)),
    );
    line2.append(title);
    if (a.backFilled === true) {
      const mark = span(doc, 'backfilled-mark', this.t.backFilled);
      mark.title = this.t.backFilledTitle;
      line2.append(mark);
    }
    line2.append(served);

    li.append(time, line1, line2);
    if (a.place) {
      li.title = String(a.place);
    }
    return li;
  }

  // ---------- freshness, connection, clock ----------

  /** level: "fresh" | "stale" | "severe"; text: the as-of label every panel shows. */
  setFreshness(text, level) {
    const key = `${level}|${text}`;
    if (key === this.freshnessKey) return;
    this.freshnessKey = key;
    for (const node of this.el.asOf) node.textContent = text;
    for (const panel of this.el.panels) {
      panel.classList.toggle('stale', level !== 'fresh');
      panel.classList.toggle('stale-severe', level === 'severe');
    }
  }

  setConnection(state, text) {
    if (this.el.connection.dataset.state !== state) this.el.connection.dataset.state = state;
    if (this.el.connectionText.textContent !== text) this.el.connectionText.textContent = text;
  }

  setClock(time, date) {
    this.tickRace(Date.now());
    if (this.el.clockTime.textContent !== time) this.el.clockTime.textContent = time;
    if (this.el.clockDate.textContent !== date) this.el.clockDate.textContent = date;
  }

  // ---------- domains' ring and districts' bars ----------

  /**
   * A list row for a domain or district (kind): data-domain or data-district names it; on a wall that people click,
   * its line is a link to the domain's or district's page.
   */
  catalogRow(kind, code) {
    const li = this.doc.createElement('li');
    li.className = `${kind}-row`;
    li.dataset[kind] = code;
    const line = this.doc.createElement(this.kiosk ? 'div' : 'a');
    line.className = `${kind}-line`;
    if (!this.kiosk) line.href = this.withLang(`/${kind}s/${encodeURIComponent(code)}`);
    return { li, line };
  }

  /** The lines of the domains' legend, one per domain, built again only when the domains or their names change. */
  domainLegendRows(codes) {
    const key = namesKey(codes, (code) => this.domainName(code));
    if (key === this.domainRowsKey) return;
    this.domainRowsKey = key;
    this.domainRows.clear();
    const doc = this.doc;
    const items = codes.map((code, i) => {
      const { li, line } = this.catalogRow('domain', code);
      const swatch = span(doc, 'domain-swatch', '');
      swatch.style.background = DOMAIN_COLOURS[i % DOMAIN_COLOURS.length];
      const value = span(doc, 'domain-value', '0');
      const share = span(doc, 'domain-share', '0%');
      line.append(swatch, span(doc, 'domain-name', this.domainName(code)), value, share);
      li.append(line);
      this.domainRows.set(code, { li, value, share, shown: '' });
      return li;
    });
    this.el.domainsLegend.replaceChildren(...items);
  }

  updateDomains(byDomain, totals) {
    if (!this.el.domainsLegend || !this.el.domainsRing) return;
    const codes = this.domains.length > 0 ? this.domains.map((d) => d.code) : Object.keys(byDomain);
    const values = codes.map((code) => num(byDomain[code]?.activities));
    const sum = values.reduce((a, b) => a + b, 0);
    const total = totals?.activities ?? sum;
    const totalText = formatNumber(total);
    const centre = this.el.domainsTotal;
    if (centre && centre.textContent !== totalText) {
      centre.textContent = totalText;
      centre.className = `domains-total len-${Math.min(12, totalText.length)}`;
    }

    this.domainLegendRows(codes);
    codes.forEach((code, i) => {
      const row = this.domainRows.get(code);
      const valueText = formatNumber(values[i]);
      const shareText = `${sum > 0 ? Math.round((values[i] / sum) * 100) : 0}%`;
      const shown = `${valueText}|${shareText}`;
      if (!row || row.shown === shown) return;
      row.shown = shown;
      row.value.textContent = valueText;
      row.share.textContent = shareText;
      row.li.title = `${this.domainName(code)}: ${valueText} (${shareText})`;
    });

    const ring = ringGradient(values, sum);
    if (ring !== this.domainRing) {
      this.domainRing = ring;
      this.el.domainsRing.style.background = ring;
    }
  }

  /** The districts' rows, one per district, built again only when the districts or their names change. */
  districtBarRows(codes) {
    const key = namesKey(codes, (code) => this.districtName(code));
    if (key === this.districtRowsKey) return;
    this.districtRowsKey = key;
    this.districtRows.clear();
    const doc = this.doc;
    const items = codes.map((code) => {
      const { li, line } = this.catalogRow('district', code);
      const bar = span(doc, 'district-bar', '');
      const fill = span(doc, 'district-fill', '');
      bar.append(fill);
      const value = span(doc, 'district-value', '0');
      line.append(span(doc, 'district-name', this.districtName(code)), bar, value);
      li.append(line);
      this.districtRows.set(code, { li, fill, value, rank: -1, width: '', shown: '' });
      return li;
    });
    this.el.districtsList.style.setProperty('--rows', String(Math.max(1, codes.length)));
    this.el.districtsList.replaceChildren(...items);
  }

  /**
   * One bar per district, most activities first (ties in the catalog's order). A row that changes place slides
   * there and a bar that changes length grows there, both by the stylesheet's transitions.
   */
  updateDistricts(byDistrict) {
    if (!this.el.districtsList) return;
    const codes = this.districts.length > 0 ? this.districts.map((d) => d.code) : Object.keys(byDistrict);
    this.districtBarRows(codes);
    const entries = codes.map((code, order) => ({ code, order, value: num(byDistrict[code]?.activities) }));
    const max = Math.max(1, ...entries.map((e) => e.value));
    entries.sort((a, b) => b.value - a.value || a.order - b.order);
    entries.forEach((entry, rank) => {
      const row = this.districtRows.get(entry.code);
      if (!row) return;
      if (row.rank !== rank) {
        row.rank = rank;
        row.li.style.transform = `translateY(${rank * 100}%)`;
        row.li.dataset.rank = String(rank + 1);
      }
      const width = `scaleX(${(entry.value / max).toFixed(4)})`;
      if (row.width !== width) {
        row.width = width;
        row.fill.style.transform = width;
      }
      const text = formatNumber(entry.value);
      if (row.shown !== text) {
        row.shown = text;
        row.value.textContent = text;
        row.li.title = `${this.districtName(entry.code)}: ${text}`;
      }
    });
  }

  updateTrend(trend) {
    if (!this.trend) return;
    const days = trend.map((d) => String(d.day ?? '').slice(5));
    const served = trend.map((d) => num(d.tally?.outcomes?.residentsServed));
    const activities = trend.map((d) => num(d.tally?.activities));
    const key = JSON.stringify([days, served, activities]);
    if (key === this.trendKey) return;
    if (this.trend.draw(days, served, activities)) this.trendKey = key;
  }

}

// ---------- helpers ----------

function span(doc, className, text) {
  const node = doc.createElement('span');
  if (className) node.className = className;
  node.textContent = text;
  return node;
}

/** Ends a feed item's "new" highlight, so that moving the item later does not replay it. */
function endHighlight(event) {
  if (event.animationName !== 'feed-glow') return;
  event.currentTarget.classList.remove('new');
  event.currentTarget.removeEventListener('animationend', endHighlight);
}

function num(value) {
  const n = Number(value);
  return Number.isFinite(n) ? n : 0;
}

/** This month's activities minus last month's (Beijing months). */
function improvement(entry) {
  return num(entry.thisMonth) - num(entry.lastMonth);
}

/** Activities per member: two decimals under 10, one above. */
function formatRatio(value) {
  const n = num(value);
  return n < 10 ? n.toFixed(2) : n.toFixed(1);
}

function restartAnimation(node, className) {
  node.classList.remove(className);
  void node.offsetWidth; // reflow, so that the animation runs again
  node.classList.add(className);
}

function isFeedItem(item) {
  return item && typeof item === 'object' && item.activity && item.activity.id !== undefined && item.activity.id !== null;
}

function dedupe(items) {
  const seen = new Set();
  return items.filter((item) => {
    const id = String(item.activity.id);
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/** What a list of catalog entries shows: their codes and names, so that a list is built again when either changes. */
function namesKey(codes, name) {
  return codes.map((code) => `${code}\u0001${name(code)}`).join('\u0002');
}

/** The domains' ring as a conic gradient: a segment per domain with activities, in the legend's colours. */
function ringGradient(values, sum) {
  if (sum <= 0) return RING_TRACK;
  const shown = values.filter((v) => v > 0).length;
  const gap = shown > 1 ? RING_GAP_DEGREES : 0;
  const stops = [];
  let at = 0;
  values.forEach((value, i) => {
    if (value <= 0) return;
    const end = at + (value / sum) * 360;
    const colour = DOMAIN_COLOURS[i % DOMAIN_COLOURS.length];
    stops.push(`${colour} ${at.toFixed(2)}deg ${Math.max(at, end - gap).toFixed(2)}deg`);
    if (gap > 0) stops.push(`transparent ${Math.max(at, end - gap).toFixed(2)}deg ${end.toFixed(2)}deg`);
    at = end;
  });
  return `conic-gradient(${stops.join(', ')})`;
}
