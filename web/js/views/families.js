// Families: every family with its trend; a family's own view shows where it
// sits (ISPs, provinces) through the shared detail.

import { h } from '../dom.js';
import { api } from '../api.js';
import { t, fmtNum } from '../i18n.js';
import { lineChart, alignDays, sparkline } from '../charts.js';
import { viewHeader, card, rankTable, kpis } from './common.js';
import { detail } from './detail.js';

const TOP_LINES = 6;

/** Per-row sparkline column for a ranking by dim, from by=dim,day rows. */
export function trendColumn(ctx, dim, dayRows) {
  const per = new Map();
  for (const r of dayRows) {
    const k = String(r[dim]);
    if (!per.has(k)) per.set(k, []);
    per.get(k).push(r);
  }
  const series = new Map([...per].map(([k, rows]) => [k, alignDays(ctx.days, rows)]));
  return {
    id: 'trend',
    label: t('col.trend'),
    sort: false,
    value: () => 0,
    cell: (r) => {
      const v = series.get(String(r[dim])) || ctx.days.map(() => 0);
      return h('td.spark-cell', sparkline(v, t('spark.label', { max: fmtNum(Math.max(0, ...v)), last: fmtNum(v[v.length - 1] ?? 0) })));
    },
    series,
  };
}

export async function render(ctx) {
  if (ctx.p.family) return detail(ctx, 'family');
  const [fams, famDays] = await Promise.all([
    api('landscape', { ...ctx.f, by: 'family' }),
    api('landscape', { ...ctx.f, by: 'family,day' }),
  ]);
  const trend = trendColumn(ctx, 'family', famDays.rows);
  const top = fams.rows.slice(0, TOP_LINES);
  const chart = lineChart(
    ctx.days,
    top.map((r) => ({ label: r.family, values: trend.series.get(r.family) || ctx.days.map(() => 0) })),
    { testid: 'families-chart', ariaLabel: t('card.family_trends', { n: top.length }) },
  );
  return [
    viewHeader(ctx, t('view.families')),
    kpis([
      { testid: 'kpi-ips', label: t('kpi.ips'), value: fams.total.ips },
      { testid: 'kpi-events', label: t('kpi.events'), value: fams.total.events },
      { testid: 'kpi-families', label: t('kpi.families'), value: fams.rows.length },
    ]),
    card(t('card.family_trends', { n: top.length }), chart, { testid: 'card-family-trends', wide: true }),
    card(
      t('card.families'),
      rankTable('family', fams.rows, { testid: 'table-families', caption: t('card.families'), extraCols: [trend], limit: 40 }),
      { testid: 'card-families', wide: true },
    ),
  ];
}
