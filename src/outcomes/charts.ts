/**
 * Small charts drawn on the server as SVG: no JavaScript, readable at any size. Each has a
 * title and description for assistive technology, and every page that shows one also shows
 * its data as a table. Text is escaped here because the SVG is inserted as HTML.
 */

const escape = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** A "nice" upper bound for an axis: 1, 2 or 5 times a power of ten, at least `max`. */
export function niceMax(max: number): number {
  if (max <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  return [1, 2, 5, 10].map((m) => m * power).find((n) => n >= max)!;
}

export interface ChartText {
  id: string;
  title: string;
  description: string;
}

const WIDTH = 640;
const HEIGHT = 260;
const MARGIN = { top: 20, right: 20, bottom: 50, left: 50 };

function frame(text: ChartText, body: string): string {
  return `<svg class="app-chart" id="${escape(text.id)}" role="img" aria-labelledby="${escape(text.id)}-title ${escape(text.id)}-desc" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="100%" preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg"><title id="${escape(text.id)}-title">${escape(text.title)}</title><desc id="${escape(text.id)}-desc">${escape(text.description)}</desc>${body}</svg>`;
}

/**
 * Where an axis from 0 to `max` is marked: for counts, whole numbers only, at most six marks, a
 * step of 1, 2 or 5 times a power of ten (0, 1, 2 rather than 0, 0.5, 1, 1.5, 2, which read as
 * 0, 1, 1, 2, 2 once rounded); otherwise quarters of the axis.
 */
export function axisTicks(max: number, whole: boolean): number[] {
  if (!whole) return [0, 0.25, 0.5, 0.75, 1].map((f) => f * max);
  const step = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000].find((s) => max / s <= 5) ?? niceMax(max / 5);
  const ticks: number[] = [];
  for (let v = 0; v <= max; v += step) ticks.push(v);
  return ticks;
}

function yAxis(max: number, plotHeight: number, format: (n: number) => string, whole: boolean): string {
  return axisTicks(max, whole)
    .map((v) => {
      const y = MARGIN.top + plotHeight - (v / max) * plotHeight;
      return `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y}" y2="${y}" stroke="#b1b4b6" stroke-width="1"/><text x="${MARGIN.left - 6}" y="${y + 4}" text-anchor="end" font-size="12" fill="#0b0c0c">${escape(format(v))}</text>`;
    })
    .join('');
}

/** A vertical bar chart of counts. */
export function barChart(text: ChartText, bars: { label: string; value: number }[]): string {
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const max = niceMax(Math.max(0, ...bars.map((b) => b.value)));
  const slot = plotWidth / Math.max(1, bars.length);
  const body = bars
    .map((bar, i) => {
      const h = (bar.value / max) * plotHeight;
      const x = MARGIN.left + i * slot + slot * 0.15;
      const y = MARGIN.top + plotHeight - h;
      return `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(slot * 0.7).toFixed(1)}" height="${h.toFixed(1)}" fill="#1d70b8"/><text x="${(x + slot * 0.35).toFixed(1)}" y="${(y - 4).toFixed(1)}" text-anchor="middle" font-size="12" fill="#0b0c0c">${bar.value}</text><text x="${(x + slot * 0.35).toFixed(1)}" y="${HEIGHT - MARGIN.bottom + 18}" text-anchor="middle" font-size="12" fill="#0b0c0c">${escape(bar.label)}</text>`;
    })
    .join('');
  return frame(text, yAxis(max, plotHeight, String, true) + body);
}

/** A line chart of one series over labelled points (e.g. months), with a fixed or computed maximum. */
export function lineChart(
  text: ChartText,
  points: { label: string; value: number }[],
  options: { max?: number; format?: (n: number) => string } = {},
): string {
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const max = options.max ?? niceMax(Math.max(0, ...points.map((p) => p.value)));
  const format = options.format ?? ((n: number) => String(Math.round(n)));
  const x = (i: number) => MARGIN.left + (points.length <= 1 ? plotWidth / 2 : (i / (points.length - 1)) * plotWidth);
  const y = (v: number) => MARGIN.top + plotHeight - (v / max) * plotHeight;
  const path = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(i).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ');
  // Label at most about a dozen points so the axis stays legible.
  const every = Math.max(1, Math.ceil(points.length / 12));
  const labels = points
    .map((p, i) =>
      i % every === 0
        ? `<text x="${x(i).toFixed(1)}" y="${HEIGHT - MARGIN.bottom + 18}" text-anchor="middle" font-size="12" fill="#0b0c0c">${escape(p.label)}</text>`
        : '',
    )
    .join('');
  const dots = points
    .map((p, i) => `<circle cx="${x(i).toFixed(1)}" cy="${y(p.value).toFixed(1)}" r="3" fill="#1d70b8"/>`)
    .join('');
  return frame(
    text,
    // Counts (no fixed maximum, whole values) get whole-number marks; shares, quarters.
    yAxis(max, plotHeight, format, options.max === undefined && points.every((p) => Number.isInteger(p.value))) +
      (points.length ? `<path d="${path}" fill="none" stroke="#1d70b8" stroke-width="2"/>` : '') +
      dots +
      labels,
  );
}
