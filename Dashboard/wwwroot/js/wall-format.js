// Numbers and Beijing-time clock strings. Beijing has no daylight saving: UTC+8 all year, whatever the wall's zone.

const BEIJING_OFFSET_MS = 8 * 3600 * 1000;

/** 1234567 → "1,234,567"; anything that is not a finite number shows as 0. */
export function formatNumber(value) {
  const n = Number.isFinite(value) ? Math.trunc(value) : 0;
  const sign = n < 0 ? '-' : '';
  return sign + String(Math.abs(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

const pad = (n) => String(n).padStart(2, '0');

/** The Beijing-time calendar fields of a moment (milliseconds since the epoch). */
export function beijing(ms) {
  const d = new Date(ms + BEIJING_OFFSET_MS);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    weekday: d.getUTCDay(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
  };
}

export function hhmm(ms) {
  const b = beijing(ms);
  return `${pad(b.hour)}:${pad(b.minute)}`;
}

export function hhmmss(ms) {
  const b = beijing(ms);
  return `${pad(b.hour)}:${pad(b.minute)}:${pad(b.second)}`;
}

/** "YYYY-MM-DD" of the Beijing day a moment falls on. */
export function beijingDay(ms) {
  const b = beijing(ms);
  return `${b.year}-${pad(b.month)}-${pad(b.day)}`;
}

/** "MM-DD" */
export function monthDay(ms) {
  const b = beijing(ms);
  return `${pad(b.month)}-${pad(b.day)}`;
}

/** A clock time for "as of" and "since" labels: "14:32:05" today, "11-24 14:32:05" on another day. */
export function stamp(ms, nowMs, withSeconds = true) {
  const time = withSeconds ? hhmmss(ms) : hhmm(ms);
  return beijingDay(ms) === beijingDay(nowMs) ? time : `${monthDay(ms)} ${time}`;
}

/** Milliseconds since the epoch of an ISO 8601 string, or NaN. */
export function parseTime(iso) {
  if (typeof iso !== 'string') return NaN;
  return Date.parse(iso);
}
