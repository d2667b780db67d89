// The wall's 30-day trend: activities as a line over residents served as bars, each on its own axis (activities on the
// left, residents on the right), drawn in SVG. Every element is made once for the page's life and then only given new
// coordinates and figures, so a wall that runs for days neither grows its document nor makes the browser compile
// ever more drawing code; SVG also stays sharp when the wall's stage is scaled up to a large screen.

import { formatNumber } from './wall-format.js';

const SVG = 'http://www.w3.org/2000/svg';
/** Both axes are split into this many steps, so that their labels share the grid's lines. */
const STEPS = 4;
/** Every fifth day is labelled under the axis. */
const DAY_LABEL_EVERY = 5;
/** The bars take this share of their day's width. */
const BAR_SHARE = 0.56;
const POINT_RADIUS = 3.5;
// Room around the plot, in the chart's own pixels: the axes' labels, the days under it.
const PAD = { left: 46, right: 50, top: 10, bottom: 26 };

export class TrendChart {
  constructor({ doc, svg, days, kiosk, t, lang }) {
    this.doc = doc;
    this.svg = svg;
    this.kiosk = kiosk;
    this.t = t;
    this.lang = lang;
    this.size = null; // { width, height }: read from the layout at the first draw
    this.shown = new WeakMap(); // element → the attributes last given, so unchanged ones are not set again

    const gradient = this.make('linearGradient', svg, { id: 'trend-fill', x1: 0, y1: 0, x2: 0, y2: 1 });
    this.make('stop', gradient, { offset: 0, class: 'trend-fill-top' });
    this.make('stop', gradient, { offset: 1, class: 'trend-fill-bottom' });
    this.grid = Array.from({ length: STEPS + 1 }, () => this.make('line', svg, { class: 'trend-grid' }));
    this.axis = this.make('line', svg, { class: 'trend-axis' });
    this.leftLabels = Array.from({ length: STEPS + 1 }, () => this.make('text', svg, { class: 'trend-label trend-label-activities', 'text-anchor': 'end' }));
    this.rightLabels = Array.from({ length: STEPS + 1 }, () => this.make('text', svg, { class: 'trend-label trend-label-residents', 'text-anchor': 'start' }));
    this.bars = Array.from({ length: days }, () => this.make('rect', svg, { class: 'trend-bar', rx: 2 }));
    this.area = this.make('path', svg, { class: 'trend-area', fill: 'url(#trend-fill)' });
    this.line = this.make('path', svg, { class: 'trend-line' });
    this.points = Array.from({ length: days }, () => this.make('circle', svg, { class: 'trend-point', r: POINT_RADIUS }));
    this.dayLabels = Array.from({ length: Math.ceil(days / DAY_LABEL_EVERY) }, () => this.make('text', svg, { class: 'trend-label trend-label-day', 'text-anchor': 'middle' }));
    // On a wall that people point at, each day's column tells its figures.
    this.hits = kiosk ? [] : Array.from({ length: days }, () => {
      const hit = this.make('rect', svg, { class: 'trend-hit' });
      return { hit, title: this.make('title', hit, {}) };
    });
  }

  make(name, parent, attributes) {
    const node = this.doc.createElementNS(SVG, name);
    for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
    parent.append(node);
    return node;
  }

  set(node, attributes) {
    let shown = this.shown.get(node);
    if (!shown) this.shown.set(node, (shown = {}));
    for (const [key, value] of Object.entries(attributes)) {
      const text = String(value);
      if (shown[key] === text) continue;
      shown[key] = text;
      node.setAttribute(key, text);
    }
  }

  setText(node, text) {
    if (node.textContent !== text) node.textContent = text;
  }

  /** days: "MM-DD" labels, oldest first; served and activities: that day's figures. */
  draw(days, served, activities) {
    if (!this.size) {
      const width = this.svg.clientWidth;
      const height = this.svg.clientHeight;
      if (!width || !height) return false; // not laid out yet: the next draw tries again
      this.size = { width, height };
      this.svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
    }
    const { width, height } = this.size;
    const left = PAD.left;
    const top = PAD.top;
    const plotWidth = Math.max(1, width - PAD.left - PAD.right);
    const plotHeight = Math.max(1, height - PAD.top - PAD.bottom);
    const bottom = top + plotHeight;
    const count = Math.min(days.length, this.bars.length);
    const band = plotWidth / Math.max(1, this.bars.length);
    const offset = this.bars.length - count; // fewer days than columns: the newest stays on the right
    const centre = (i) => left + band * (offset + i + 0.5);

    const activityStep = niceStep(Math.max(0, ...activities.slice(0, count)) / STEPS);
    const servedStep = niceStep(Math.max(0, ...served.slice(0, count)) / STEPS);
    const yActivities = (v) => bottom - (v / (activityStep * STEPS)) * plotHeight;
    const yServed = (v) => bottom - (v / (servedStep * STEPS)) * plotHeight;

    for (let s = 0; s <= STEPS; s++) {
      const y = round(bottom - (s / STEPS) * plotHeight);
      this.set(this.grid[s], { x1: left, x2: left + plotWidth, y1: y, y2: y, visibility: s === 0 ? 'hidden' : 'visible' });
      this.set(this.leftLabels[s], { x: left - 8, y: y + 5 });
      this.setText(this.leftLabels[s], formatNumber(activityStep * s));
      this.set(this.rightLabels[s], { x: left + plotWidth + 8, y: y + 5 });
      this.setText(this.rightLabels[s], compact(servedStep * s, this.lang));
    }
    this.set(this.axis, { x1: left, x2: left + plotWidth, y1: bottom, y2: bottom });

    const barWidth = band * BAR_SHARE;
    const line = [];
    this.bars.forEach((bar, i) => {
      const shown = i < count;
      const x = shown ? centre(i) : 0;
      const barTop = shown ? yServed(served[i]) : bottom;
      this.set(bar, { x: round(x - barWidth / 2), y: round(barTop), width: round(barWidth), height: round(bottom - barTop), visibility: shown ? 'visible' : 'hidden' });
      const point = this.points[i];
      if (shown) {
        const y = yActivities(activities[i]);
        line.push([x, y]);
        this.set(point, { cx: round(x), cy: round(y), visibility: 'visible' });
      } else {
        this.set(point, { visibility: 'hidden' });
      }
      const hit = this.hits[i];
      if (hit) {
        this.set(hit.hit, { x: round(left + band * (offset + i)), y: top, width: round(band), height: plotHeight, visibility: shown ? 'visible' : 'hidden' });
        if (shown) {
          this.setText(hit.title, `${days[i]}  ${this.t.trendActivities} ${formatNumber(activities[i])} · ${this.t.trendResidents} ${formatNumber(served[i])}`);
        }
      }
    });

    const path = smoothPath(line);
    this.set(this.line, { d: path || 'M0 0', visibility: path ? 'visible' : 'hidden' });
    this.set(this.area, {
      d: path ? `${path} L${round(line[line.length - 1][0])} ${bottom} L${round(line[0][0])} ${bottom} Z` : 'M0 0',
      visibility: path ? 'visible' : 'hidden',
    });

    this.dayLabels.forEach((label, k) => {
      const i = k * DAY_LABEL_EVERY - offset;
      const shown = i >= 0 && i < count;
      this.set(label, { x: shown ? round(centre(i)) : 0, y: bottom + 19, visibility: shown ? 'visible' : 'hidden' });
      this.setText(label, shown ? days[i] : '');
    });
    return true;
  }
}

/** The smallest round whole number at least as large as value (a few steps to each power of ten); at least 1. */
export function niceStep(value) {
  if (!(value > 1)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const factor of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) {
    const step = factor * power;
    if (step >= value && Number.isInteger(step)) return step;
  }
  return 10 * power;
}

/**
 * A curve through the points that never overshoots them (monotone cubic interpolation, Fritsch and Carlson): a day
 * with no activities stays on the axis, not below it.
 */
export function smoothPath(points) {
  const n = points.length;
  if (n === 0) return '';
  if (n === 1) return `M${round(points[0][0])} ${round(points[0][1])}`;
  const dx = [];
  const slope = [];
  for (let i = 0; i < n - 1; i++) {
    dx.push(points[i + 1][0] - points[i][0]);
    slope.push((points[i + 1][1] - points[i][1]) / dx[i]);
  }
  const tangent = [slope[0]];
  for (let i = 1; i < n - 1; i++) {
    tangent.push(slope[i - 1] * slope[i] <= 0 ? 0 : (slope[i - 1] + slope[i]) / 2);
  }
  tangent.push(slope[n - 2]);
  for (let i = 0; i < n - 1; i++) {
    if (slope[i] === 0) { tangent[i] = 0; tangent[i + 1] = 0; continue; }
    const a = tangent[i] / slope[i];
    const b = tangent[i + 1] / slope[i];
    const h = Math.hypot(a, b);
    if (h > 3) { tangent[i] = (3 / h) * a * slope[i]; tangent[i + 1] = (3 / h) * b * slope[i]; }
  }
  let d = `M${round(points[0][0])} ${round(points[0][1])}`;
  for (let i = 0; i < n - 1; i++) {
    const third = dx[i] / 3;
    const [x0, y0] = points[i];
    const [x1, y1] = points[i + 1];
    d += ` C${round(x0 + third)} ${round(y0 + tangent[i] * third)} ${round(x1 - third)} ${round(y1 - tangent[i + 1] * third)} ${round(x1)} ${round(y1)}`;
  }
  return d;
}

/** Axis numbers: 12000 → "1.2万" in Chinese, "12k" in English. */
export function compact(value, lang) {
  if (lang === 'en') return value >= 1000 ? `${Math.round(value / 100) / 10}k`.replace('.0k', 'k') : String(value);
  return value >= 10_000 ? `${Math.round(value / 1000) / 10}万`.replace('.0万', '万') : String(value);
}

function round(value) {
  return Math.round(value * 10) / 10;
}
