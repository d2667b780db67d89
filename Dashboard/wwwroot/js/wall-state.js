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
    this.sample(receivedAt, asOf);
    if (this.shownVersion !== null && snapshot.version <= this.shownVersion) {
      if (snapshot.version === this.shownVersion) {
        this.regressions = 0;
        this.confirm(this.toLocal(asOf, receivedAt));
      } else {
        this.regressed();
      }
      return false;
    }
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

function isSnapshot(s) {
  return s !== null && typeof s === 'object' && typeof s.version === 'number' && s.totals && typeof s.totals === 'object';
}
