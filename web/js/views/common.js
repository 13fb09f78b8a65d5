// Pieces shared by the views: the dimensions of the landscape (how a row of
// each key is labelled, which filter a click on it adds, which view shows
// it), KPI tiles, trend and ranking cards, and the error box.

import { h } from '../dom.js';
import { t, tNodes, fmtNum, fmtDay, currentLang } from '../i18n.js';
import { href, go } from '../state.js';
import { lineChart, alignDays, dataTable, bar, numCell } from '../charts.js';

/**
 * The landscape's keys as the dashboard shows them.  param is the filter a
 * click adds; view is where that filter is looked at in detail.
 */
export const DIMS = {
  family: { key: 'family', param: 'family', view: 'families', title: 'dim.family' },
  asn: { key: 'asn', param: 'asn', view: 'isps', title: 'dim.asn' },
  isp: { key: 'isp', param: 'isp', view: 'isps', title: 'dim.isp' },
  province: { key: 'province', param: 'province', view: 'provinces', title: 'dim.province' },
  region: { key: 'region', param: 'region', view: 'provinces', title: 'dim.province' },
};

/** The label of a row of dimension dim (what a person reads). */
export function rowLabel(dim, r) {
  switch (dim) {
    case 'asn':
      return r.as_name || 'AS' + r.asn;
    case 'province':
      return (currentLang() === 'en' && r.province_en) || r.province || t('value.unknown');
    default:
      return r[dim] === '' || r[dim] === undefined || r[dim] === null ? t('value.unknown') : String(r[dim]);
  }
}

/** The filter value a row of dim stands for ('' when it cannot be a filter). */
export const rowValue = (dim, r) => (r[dim] === undefined || r[dim] === null ? '' : String(r[dim]));

/** The label of a filter value (chips and headings): names, not codes. */
export function filterLabel(ctx, param, value) {
  if (param === 'asn') {
    const r = ctx.lists.asn.find((x) => String(x.asn) === String(value));
    return 'AS' + value + (r && r.as_name ? ' · ' + r.as_name : '');
  }
  if (param === 'province') {
    const r = ctx.lists.geo.find((x) => x.province === value);
    return r ? rowLabel('province', r) : value;
  }
  return value;
}

export function periodText(ctx) {
  return t('period.range', { from: fmtDay(ctx.from), to: fmtDay(ctx.to) });
}

export function viewHeader(ctx, title, ...extra) {
  return h('div.view-head', h('h1', { 'data-testid': 'view-title' }, title), h('p.period', periodText(ctx)), ...extra);
}

export function card(title, body, { testid, actions, wide } = {}) {
  return h(
    'section.card',
    { class: ['card', wide && 'card-wide'], 'data-testid': testid },
    h('div.card-head', h('h2', title), actions ? h('div.card-actions', actions) : null),
    body,
  );
}

/** KPI tiles: [{testid, label, value, text?, link?}]; link: the rows behind it. */
export function kpis(items) {
  return h(
    'dl.kpis',
    items.filter(Boolean).map((k) => {
      const text = k.text ?? fmtNum(k.value);
      return h('div.kpi', h('dt', k.label),
        h('dd', { 'data-testid': k.testid, 'data-value': k.value ?? '' }, k.link ? h('a.drill', { href: k.link, title: t('drill.rows') }, text) : text));
    }),
  );
}

/** Link to the rows behind a figure: the finest grouping with these filters. */
export function drillLink(patch, content, label) {
  return h('a.drill', { href: href('rows', patch), title: label || t('drill.rows') }, content);
}

/** The button that adds a row's filter and opens the view of its dimension. */
export function pickButton(dim, r, text, sub) {
  const d = DIMS[dim];
  const v = rowValue(dim, r);
  if (v === '') return h('span.pick-none', text, sub ? h('span.sub', sub) : null);
  return h(
    'button.pick',
    { type: 'button', 'data-testid': 'pick-' + dim, title: t('drill.filter', { name: text }), onclick: () => go(d.view, { [d.param]: v, group: null }) },
    text,
    sub ? h('span.sub', sub) : null,
  );
}

/** A ranked list of one dimension: name, bar with addresses, events. */
export function rankTable(dim, rows, { testid, caption, extraCols = [], sort, limit } = {}) {
  const max = Math.max(0, ...rows.map((r) => r.ips));
  const patchOf = (r) => (rowValue(dim, r) === '' ? {} : { [DIMS[dim].param]: rowValue(dim, r) });
  const columns = [
    { id: 'rank', label: '#', num: true, value: (r) => r._rank, cell: (r) => h('td.num.rank', String(r._rank)) },
    {
      id: 'name',
      label: t(DIMS[dim].title),
      value: (r) => rowLabel(dim, r),
      cell: (r) => h('td.name', pickButton(dim, r, rowLabel(dim, r), dim === 'asn' ? 'AS' + r.asn : null)),
    },
    {
      id: 'ips',
      label: t('col.ips'),
      num: true,
      value: (r) => r.ips,
      cell: (r) =>
        h('td.num.barcell', { 'data-testid': 'ips', 'data-value': r.ips }, bar(r.ips, max), drillLink(patchOf(r), fmtNum(r.ips))),
    },
    {
      id: 'events',
      label: t('col.events'),
      num: true,
      value: (r) => r.events,
      cell: (r) => numCell(r.events, 'events', drillLink(patchOf(r), fmtNum(r.events))),
    },
    ...extraCols,
  ];
  rows.forEach((r, i) => (r._rank = i + 1));
  return dataTable({
    columns,
    rows,
    rowKey: (r) => rowValue(dim, r),
    caption,
    testid,
    sort: sort || { id: 'ips', dir: 'desc' },
    limit,
  });
}

/** Days with the addresses seen on each, as a line (and a table for screen readers). */
export function trendCard(ctx, dayRows, { title, testid = 'trend' } = {}) {
  const ips = alignDays(ctx.days, dayRows, 'ips');
  const events = alignDays(ctx.days, dayRows, 'events');
  const chart = lineChart(ctx.days, [{ label: t('col.ips'), values: ips }], {
    testid: testid + '-chart',
    ariaLabel: title || t('card.trend'),
  });
  const table = h(
    'details.chart-data',
    h('summary', t('chart.show_data')),
    dataTable({
      testid: testid + '-table',
      caption: title || t('card.trend'),
      rows: ctx.days.map((d, i) => ({ day: d, ips: ips[i], events: events[i] })),
      rowKey: (r) => r.day,
      sort: { id: 'day', dir: 'asc' },
      columns: [
        { id: 'day', label: t('col.day'), value: (r) => r.day, cell: (r) => h('td', fmtDay(r.day)) },
        { id: 'ips', label: t('col.ips'), num: true, value: (r) => r.ips, cell: (r) => numCell(r.ips, 'ips') },
        { id: 'events', label: t('col.events'), num: true, value: (r) => r.events, cell: (r) => numCell(r.events, 'events') },
      ],
    }),
  );
  return card(title || t('card.trend'), h('div', chart, table), { testid, wide: true });
}

/** Totals of a landscape answer as KPI tiles, plus the last day and the peak. */
export function totalsKpis(ctx, land, dayRows) {
  const byDay = new Map(dayRows.map((r) => [r.day, r.ips]));
  const lastDay = ctx.days[ctx.days.length - 1];
  let peak = null;
  for (const r of dayRows) if (!peak || r.ips > peak.ips || (r.ips === peak.ips && r.day < peak.day)) peak = r;
  return kpis([
    { testid: 'kpi-ips', label: t('kpi.ips'), value: land.total.ips, link: href('rows', {}) },
    { testid: 'kpi-events', label: t('kpi.events'), value: land.total.events, link: href('rows', {}) },
    {
      testid: 'kpi-last-day',
      label: t('kpi.last_day', { day: fmtDay(lastDay) }),
      value: byDay.get(lastDay) ?? 0,
      link: lastDay ? href('rows', { from: lastDay, to: lastDay }) : null,
    },
    {
      testid: 'kpi-peak',
      label: peak ? t('kpi.peak', { day: fmtDay(peak.day) }) : t('kpi.peak_none'),
      value: peak ? peak.ips : null,
      link: peak ? href('rows', { from: peak.day, to: peak.day }) : null,
    },
  ]);
}

export function errorBox(err) {
  return h(
    'div.alert',
    { role: 'alert', 'data-testid': 'error' },
    h('strong', t('error.title')),
    ' ',
    err.status ? t('error.status', { status: err.status }) + ' — ' : '',
    err.message || String(err),
  );
}

export function note(key, nodes) {
  return h('p.note', nodes ? tNodes(key, nodes) : t(key));
}
