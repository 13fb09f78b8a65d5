// Charts and tables.  Time series use uPlot (small, canvas, no inline
// styles); sparklines and ranked bars are plain SVG/HTML so they stay
// accessible and cheap.  Every table cell holding a figure carries
// data-value with the raw number from the API, which the browser test
// compares against the API's own answer.

import uPlot from '/vendor/uPlot.esm.js';
import { h, s } from './dom.js';
import { t, fmtNum, fmtCompact, fmtDay, fmtDayShort, dayToDate } from './i18n.js';

export const PALETTE = ['#1f5fbf', '#d9480f', '#2b8a3e', '#862e9c', '#c2255c', '#0b7285', '#e67700', '#5c677d'];

/** Every day from..to inclusive, as 'YYYY-MM-DD'. */
export function dayRange(from, to) {
  const out = [];
  if (!from || !to) return out;
  for (let d = dayToDate(from); d <= dayToDate(to); d = new Date(d.getTime() + 86400000)) {
    out.push(d.toISOString().slice(0, 10));
  }
  return out;
}

/** rows of {day, ips, ...} → values aligned to days (0 where absent). */
export function alignDays(days, rows, field = 'ips') {
  const m = new Map(rows.map((r) => [r.day, r[field]]));
  return days.map((d) => m.get(d) ?? 0);
}

/**
 * A line chart of per-day series.  series: [{label, values, color?}]; the
 * chart follows its container's width.  Returns the wrapper element.
 */
export function lineChart(days, series, { height = 220, testid, ariaLabel } = {}) {
  const wrap = h('div.chart', { 'data-testid': testid, role: 'img', 'aria-label': ariaLabel || '' });
  const xs = days.map((d) => dayToDate(d).getTime() / 1000);
  const opts = {
    width: 600,
    height,
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
    cursor: { y: false, points: { size: 7 } },
    legend: { live: true },
    scales: { x: { time: true }, y: { range: (u, min, max) => [0, max > 0 ? max * 1.08 : 1] } },
    axes: [
      {
        stroke: '#5c677d',
        grid: { stroke: '#e9edf3' },
        ticks: { stroke: '#d0d7e2' },
        values: (u, splits) => splits.map((v) => fmtDayShort(new Date(v * 1000))),
        space: 70,
      },
      {
        stroke: '#5c677d',
        grid: { stroke: '#e9edf3' },
        ticks: { stroke: '#d0d7e2' },
        values: (u, splits) => splits.map((v) => fmtCompact(v)),
        size: 56,
      },
    ],
    series: [
      { label: t('chart.day'), value: (u, v) => (v === null ? '–' : fmtDay(new Date(v * 1000))) },
      ...series.map((sr, i) => ({
        label: sr.label,
        stroke: sr.color || PALETTE[i % PALETTE.length],
        width: 2,
        fill: series.length === 1 ? 'rgba(31,95,191,0.08)' : undefined,
        points: { show: days.length <= 45, size: 4 },
        value: (u, v) => (v === null ? '–' : fmtNum(v)),
      })),
    ],
  };
  const plot = new uPlot(opts, [xs, ...series.map((sr) => sr.values)], wrap);
  const ro = new ResizeObserver((entries) => {
    const w = Math.floor(entries[0].contentRect.width);
    if (w > 0 && Math.abs(w - plot.width) > 1) plot.setSize({ width: w, height });
  });
  ro.observe(wrap);
  return wrap;
}

/** A sparkline: the shape of a series in a table cell. */
export function sparkline(values, label) {
  const W = 120, H = 28, P = 2;
  const max = Math.max(1, ...values);
  const n = values.length;
  const x = (i) => (n <= 1 ? W / 2 : P + (i * (W - 2 * P)) / (n - 1));
  const y = (v) => H - P - (v / max) * (H - 2 * P);
  const pts = values.map((v, i) => x(i).toFixed(1) + ',' + y(v).toFixed(1)).join(' ');
  const svg = s('svg', { class: 'spark', viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img', 'aria-label': label });
  svg.append(s('title', {}, label));
  if (n > 0) {
    svg.append(s('polygon', { class: 'spark-area', points: `${x(0)},${H - P} ${pts} ${x(n - 1)},${H - P}` }));
    svg.append(s('polyline', { class: 'spark-line', points: pts }));
    svg.append(s('circle', { class: 'spark-dot', cx: x(n - 1), cy: y(values[n - 1]), r: 2.2 }));
  }
  return svg;
}

/** A horizontal bar scaled to max (the figure itself sits beside it). */
export function bar(value, max) {
  const b = h('span.bar', { 'aria-hidden': 'true' }, h('span.bar-fill'));
  b.firstChild.style.width = (max > 0 ? Math.max(0.5, (100 * value) / max) : 0) + '%';
  return b;
}

/** A numeric cell with the raw value for the test and for sorting. */
export function numCell(value, testid, content) {
  return h('td.num', { 'data-testid': testid, 'data-value': value ?? '' }, content ?? fmtNum(value));
}

/**
 * A sortable, accessible table.
 *   columns: [{id, label, num?, value(row) (sort key), cell(row) → <td>, sort?: false}]
 *   rows, rowKey(row) → data-key, caption (visually hidden), testid
 *   sort: initial {id, dir: 'desc'|'asc'}
 *   limit: rows shown before "show all" (long tables stay scannable)
 */
export function dataTable({ columns, rows, rowKey, caption, testid, sort, empty, limit }) {
  const table = h('table.data', { 'data-testid': testid });
  const more = h('button.show-all', { type: 'button', 'data-testid': testid + '-show-all', hidden: true });
  let showAll = !limit || rows.length <= limit;
  if (caption) table.append(h('caption.sr-only', caption));
  const thead = h('thead');
  const tbody = h('tbody');
  table.append(thead, tbody);
  let cur = sort ? { ...sort } : null;

  const renderHead = () => {
    const tr = h('tr');
    for (const c of columns) {
      const th = h('th', { scope: 'col', class: c.num ? 'num' : null });
      if (c.sort === false) th.append(c.label);
      else {
        const active = cur && cur.id === c.id;
        th.setAttribute('aria-sort', active ? (cur.dir === 'asc' ? 'ascending' : 'descending') : 'none');
        th.append(
          h('button.sort', { type: 'button', onclick: () => sortBy(c.id) }, c.label,
            h('span.sort-ind', { 'aria-hidden': 'true' }, active ? (cur.dir === 'asc' ? ' ▲' : ' ▼') : '')),
        );
      }
      tr.append(th);
    }
    thead.replaceChildren(tr);
  };
  const renderBody = () => {
    let list = rows.slice();
    if (cur) {
      const col = columns.find((c) => c.id === cur.id);
      const sign = cur.dir === 'asc' ? 1 : -1;
      list.sort((a, b) => {
        const va = col.value(a), vb = col.value(b);
        if (typeof va === 'number' && typeof vb === 'number') return sign * (va - vb);
        return sign * String(va).localeCompare(String(vb));
      });
    }
    more.hidden = showAll;
    if (!showAll) {
      more.textContent = t('table.show_all', { n: fmtNum(list.length) });
      list = list.slice(0, limit);
    }
    tbody.replaceChildren(
      ...list.map((r) => {
        const tr = h('tr', { 'data-key': rowKey ? rowKey(r) : null });
        for (const c of columns) tr.append(c.cell(r));
        return tr;
      }),
    );
    if (!list.length) {
      tbody.append(h('tr', h('td.empty', { colspan: columns.length }, empty || t('table.empty'))));
    }
  };
  const sortBy = (id) => {
    const col = columns.find((c) => c.id === id);
    if (cur && cur.id === id) cur.dir = cur.dir === 'asc' ? 'desc' : 'asc';
    else cur = { id, dir: col.num ? 'desc' : 'asc' };
    renderHead();
    renderBody();
  };
  more.addEventListener('click', () => {
    showAll = true;
    renderBody();
  });
  renderHead();
  renderBody();
  return h('div.table-wrap', table, more);
}
