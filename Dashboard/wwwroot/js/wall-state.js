// Which board version the wall shows, and as of when that version is known to be current.
// Pure logic (no DOM, no network): wall.js feeds it what arrives, it decides what to show and when to re-fetch.
//
// Times are kept in the wall's own clock (milliseconds since the epoch, as Date.now() gives), because staleness is
// judged against that clock. Server times (snapshot.asOf, heartbeat.at) are moved onto it with an estimate of the
// offset between the two clocks: the smallest (arrival time - server time) among recent pushes, i.e. the clock
// difference plus the quickest delivery seen. A wrong wall clock therefore neither hides nor fakes staleness.

export const STALE_AFTER_MS = 30_000;
export const SEVERE_AFTER_MS = 120_000;

const OFFSET_SAMPLES = 16;
/** Snapshots or heartbeats older than the shown version in a row before the wall believes the board was reset. */
const REGRESSION_LIMIT = 3;

export class BoardState {
  /**
   * @param {object} options
   * @param {(snapshot: object) => void} options.show   renders a snapshot (called only for a version to show)
   * @param {(reason: string) => void} options.refetch  asks for a full snapshot (GetSnapshot or GET /api/board)
   * @param {() => number} [options.now]
   */
  constructor({ show, refetch, now = Date.now }) {
    this.show = show;
    this.refetch = refetch;
    this.now = now;
    /** The version on screen, or null before the first snapshot. */
    this.shownVersion = null;
    /** The snapshot on screen: the base the next "boardDelta" is applied to. */
    this.snapshot = null;
    /** The wall-clock time up to which the shown version is known to be current (NaN: nothing shown yet). */
    this.confirmedAt = NaN;
    this.offsets = [];
    this.regressions = 0;
    this.acceptAnyVersion = false;
  }

  /** A full snapshot the wall asked for (hub GetSnapshot or GET /api/board); the request left at sentAt. */
  fetched(snapshot, sentAt) {
    if (!isSnapshot(snapshot)) return false;
    if (this.acceptAnyVersion || this.shownVersion === null || snapshot.version > this.shownVersion) {
      this.acceptAnyVersion = false;
      this.regressions = 0;
      this.display(snapshot);
      // The server answered after sentAt with its newest version, so the figures cover everything up to sentAt.
      this.confirm(sentAt);
      return true;
    }
    if (snapshot.version === this.shownVersion) {
      this.regressions = 0;
      this.confirm(sentAt);
      return false;
    }
    this.regressed();
    return false;
  }

  /** A "board" push. */
  pushed(snapshot, receivedAt) {
    if (!isSnapshot(snapshot)) return false;
    const asOf = Date.parse(snapshot.asOf);
    if (this.notNewer(snapshot.version, asOf, receivedAt)) return false;
    const gap = this.shownVersion !== null && snapshot.previousVersion !== this.shownVersion;
    this.regressions = 0;
    this.display(snapshot);
    this.confirm(this.toLocal(asOf, receivedAt));
    if (gap) {
      // A push went missing: what came is complete, but fetch once more to be sure nothing older overtook it.
      this.refetch('gap');
    }
    return true;
  }

  /**
   * A "boardDelta" push: what changed since version `delta.since`. It applies to the shown snapshot when that is at
   * least as new as `since`; otherwise (a push went missing, or nothing is shown yet) the wall asks for the whole one.
   */
  delta(delta, receivedAt) {
    if (!isDelta(delta)) return false;
    const asOf = Date.parse(delta.asOf);
    if (this.notNewer(delta.version, asOf, receivedAt)) return false;
    const merged = this.snapshot && delta.since <= this.shownVersion ? applyDelta(this.snapshot, delta) : null;
    if (!merged) {
      this.refetch('gap');
      return false;
    }
    this.regressions = 0;
    this.display(merged);
    this.confirm(this.toLocal(asOf, receivedAt));
    return true;
  }

  /**
   * Takes the clock sample of a push; true when it brings nothing newer than what is shown (the shown version is then
   * confirmed as of the push, or an older one counts towards believing the board started over).
   */
  notNewer(version, asOf, receivedAt) {
    this.sample(receivedAt, asOf);
    if (this.shownVersion === null || version > this.shownVersion) return false;
    if (version === this.shownVersion) {
      this.regressions = 0;
      this.confirm(this.toLocal(asOf, receivedAt));
    } else {
      this.regressed();
    }
    return true;
  }

  /** A "heartbeat": version `version` is still current as of `at`. */
  heartbeat(beat, receivedAt) {
    if (!beat || typeof beat.version !== 'number') return;
    const at = Date.parse(beat.at);
    this.sample(receivedAt, at);
    if (this.shownVersion === null || beat.version > this.shownVersion) {
      this.refetch('behind');
    } else if (beat.version === this.shownVersion) {
      this.regressions = 0;
      this.confirm(this.toLocal(at, receivedAt));
    } else {
      this.regressed();
    }
  }

  /** How old the shown figures may be, in milliseconds; Infinity before the first snapshot. */
  age(now = this.now()) {
    return Number.isFinite(this.confirmedAt) ? Math.max(0, now - this.confirmedAt) : Infinity;
  }

  display(snapshot) {
    this.shownVersion = snapshot.version;
    this.snapshot = snapshot;
    this.show(snapshot);
  }

  confirm(at) {
    if (!Number.isFinite(at)) return;
    const now = this.now();
    const bounded = Math.min(at, now); // never claim to be fresher than the wall's own clock
    if (!(bounded <= this.confirmedAt)) this.confirmedAt = bounded;
  }

  /** Versions grow forever; a run of older ones means the board started over, so take the next full snapshot. */
  regressed() {
    this.regressions += 1;
    if (this.regressions >= REGRESSION_LIMIT) {
      this.regressions = 0;
      this.acceptAnyVersion = true;
      this.refetch('regressed');
    }
  }

  sample(receivedAt, serverTime) {
    if (!Number.isFinite(serverTime) || !Number.isFinite(receivedAt)) return;
    this.offsets.push(receivedAt - serverTime);
    if (this.offsets.length > OFFSET_SAMPLES) this.offsets.shift();
  }

  /** A server time on the wall's clock; never later than when the message arrived. */
  toLocal(serverTime, receivedAt) {
    if (!Number.isFinite(serverTime)) return receivedAt;
    const offset = this.offsets.length > 0 ? Math.min(...this.offsets) : receivedAt - serverTime;
    return Math.min(receivedAt, serverTime + offset);
  }
}

/**
 * The snapshot `delta` describes, built from `base` (a snapshot at least as new as `delta.since`): changed entries
 * replace the base's, the small parts are taken whole. Null when the base lacks a feed item the delta refers to.
 * The base is left as it was; parts that did not change are shared with it.
 */
export function applyDelta(base, delta) {
  const leaderboard = applyRaceDelta(base.leaderboard ?? [], delta);
  if (!leaderboard) return null;

  const teams = new Map(leaderboard.map((row) => [row.teamId, row]));
  const known = new Map((base.recent ?? []).map((item) => [item.activity.id, item]));
  for (const change of delta.recent ?? []) known.set(change.id, unpackFeedItem(change, teams.get(change.teamId)));
  const recent = [];
  for (const id of delta.recentIds ?? []) {
    const item = known.get(id);
    if (!item) return null;
    recent.push(item);
  }

  const raceChanged = leaderboard.length !== (base.leaderboard ?? []).length || leaderboard.some((row, i) => row !== base.leaderboard[i]);

  const days = new Map((base.trend ?? []).map((day) => [day.day, day]));
  for (const day of delta.trend ?? []) days.set(day.day, { day: day.day, tally: unpackTally(day.tally) });
  const trend = [...days.values()]
    .filter((day) => !delta.trendFrom || day.day >= delta.trendFrom)
    .sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));

  const partners = delta.partners ? unpackPartners(base.partners ?? [], delta.partners) : base.partners;
  if (!partners) return null;

  const changedKeys = (parts) => parts && Object.keys(parts).length > 0;
  return {
    ...base,
    version: delta.version,
    previousVersion: base.version,
    asOf: delta.asOf,
    totals: unpackTally(delta.totals),
    verified: unpackTally(delta.verified),
    byDomain: changedKeys(delta.byDomain) ? { ...base.byDomain, ...unpackTallies(delta.byDomain) } : base.byDomain,
    byDistrict: changedKeys(delta.byDistrict) ? { ...base.byDistrict, ...unpackTallies(delta.byDistrict) } : base.byDistrict,
    leaderboard: raceChanged ? leaderboard : base.leaderboard,
    trend: (delta.trend ?? []).length > 0 || trend.length !== (base.trend ?? []).length ? trend : base.trend,
    partners,
    recent,
  };
}

/**
 * The partners' ranking from a delta (BoardDelta.cs: PartnerChange): a partner the earlier ranking had comes by id and
 * tally, its names taken from `base`. Null when one comes without names and `base` lacks it.
 */
function unpackPartners(base, changes) {
  const known = new Map(base.map((p) => [p.enterpriseId, p]));
  const partners = [];
  for (const change of changes) {
    const was = known.get(change.enterpriseId);
    if (change.nameZh === undefined && !was) return null;
    partners.push({
      enterpriseId: change.enterpriseId,
      nameZh: change.nameZh ?? was.nameZh,
      nameEn: change.nameEn ?? was.nameEn,
      kind: change.kind ?? was.kind,
      tally: unpackTally(change.tally),
    });
  }
  return partners;
}

/** The outcomes in the order a packed tally carries them, after its activities and participants (BoardDelta.cs: PackedTally). */
const PACKED_OUTCOMES = ['householdsVisited', 'residentsServed', 'enterprisesServed', 'problemsSolved', 'disputesMediated', 'policySessions', 'projectsLanded'];

/** A tally as a delta packs it ([activities, participants, ...outcomes]) in the shape snapshots use. */
export function unpackTally(packed) {
  if (!Array.isArray(packed)) return packed;
  return { activities: packed[0] ?? 0, participants: packed[1] ?? 0, outcomes: unpackOutcomes(packed.slice(2)) };
}

function unpackOutcomes(packed) {
  const outcomes = {};
  PACKED_OUTCOMES.forEach((name, i) => { outcomes[name] = packed?.[i] ?? 0; });
  return outcomes;
}

/**
 * A feed item as a delta packs it (BoardDelta.cs: FeedChange) in the shape snapshots use: fields left out hold their
 * defaults, and the team's names come from its race row (its id for a team not in the race, as the board does).
 */
function unpackFeedItem(change, row) {
  const activity = {
    id: change.id,
    teamId: change.teamId,
    occurredAt: change.occurredAt,
    domain: change.domain,
    district: change.district,
    place: change.place ?? null,
    title: change.title,
    description: change.description ?? null,
    participants: change.participants ?? 0,
    outcomes: unpackOutcomes(change.outcomes),
    partners: change.partners ?? [],
    recordedAt: change.recordedAt,
    sequence: change.sequence ?? 0,
    recordedBy: change.recordedBy ?? null,
    revision: change.revision ?? 0,
    voided: change.voided ?? false,
    voidReason: change.voidReason ?? null,
    revisedAt: change.revisedAt ?? null,
    verified: change.verified ?? false,
    verifiedBy: change.verifiedBy ?? null,
    verifiedAt: change.verifiedAt ?? null,
    backFilled: change.backFilled ?? false,
  };
  return { activity, teamNameZh: row?.nameZh ?? change.teamId, teamNameEn: row?.nameEn ?? change.teamId };
}

function unpackTallies(parts) {
  const unpacked = {};
  for (const [key, packed] of Object.entries(parts)) unpacked[key] = unpackTally(packed);
  return unpacked;
}

/** A race row from a delta's change (figures packed; names and members only when they changed) and the row it replaces. */
function changedRow(base, change) {
  return { ...base, ...change, tally: unpackTally(change.tally), today: unpackTally(change.today), verified: unpackTally(change.verified) };
}

/**
 * The race's team ids in rank order from a delta's `ranked` (BoardDelta.cs: Ranked): each rank's position in the
 * race's team ids sorted by UTF-16 code units, as C#'s ordinal comparison sorts them. Null when `ranked` does not fit
 * the teams the wall has (it then takes the whole snapshot).
 */
function rankedOrder(base, ranked) {
  if (!Array.isArray(ranked) || ranked.length !== base.length) return null;
  const ids = base.map((row) => row.teamId).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const order = [];
  for (const position of ranked) {
    if (!Number.isInteger(position) || position < 0 || position >= ids.length) return null;
    order.push(ids[position]);
  }
  return new Set(order).size === order.length ? order : null;
}

/**
 * The race `delta` describes, from `base` (race rows in rank order): rows whose figures changed come as their new
 * figures (and names, when those changed), and every row takes its place (rank, gap, yesterday's rank) from the
 * delta's arrays. Null when the delta has no order (every delta carries one, as `order` or `ranked`) or the order names
 * a team the rows lack.
 * Rows whose place and figures did not change are the base's own objects.
 */
export function applyRaceDelta(base, delta) {
  const order = Array.isArray(delta.order) ? delta.order : rankedOrder(base, delta.ranked);
  if (!order) return null;
  const rows = new Map(base.map((row) => [row.teamId, row]));
  for (const change of delta.leaderboard ?? []) rows.set(change.teamId, changedRow(rows.get(change.teamId), change));
  const gaps = delta.gaps ?? [];
  const previousRanks = delta.previousRanks ?? [];
  const leaderboard = [];
  for (let i = 0; i < order.length; i++) {
    const row = rows.get(order[i]);
    if (!row) return null;
    const gapToNext = gaps[i] ?? row.gapToNext;
    const previousRank = previousRanks[i] ?? row.previousRank;
    leaderboard.push(row.rank === i + 1 && row.gapToNext === gapToNext && row.previousRank === previousRank
      ? row
      : { ...row, rank: i + 1, gapToNext, previousRank });
  }
  return leaderboard;
}

function isDelta(d) {
  return d !== null && typeof d === 'object' && typeof d.version === 'number' && typeof d.since === 'number' && d.totals && typeof d.totals === 'object';
}

function isSnapshot(s) {
  return s !== null && typeof s === 'object' && typeof s.version === 'number' && s.totals && typeof s.totals === 'object';
}
