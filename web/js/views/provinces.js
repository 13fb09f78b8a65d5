// Provinces: a map and a ranked bar chart of infected addresses per
// province (the API's `province` key when it has one, else the geolocation
// `region`, which has no map: its names are not today's provinces).

import { api } from '../api.js';
import { t, fmtShare } from '../i18n.js';
import { h } from '../dom.js';
import { viewHeader, card, rankTable, kpis, note } from './common.js';
import { detail } from './detail.js';
import { provinceMap } from './map.js';

export async function render(ctx) {
  const dim = ctx.geoKey;
  if (ctx.p[dim]) return detail(ctx, dim);
  const land = await api('landscape', { ...ctx.f, by: dim });
  const map = dim === 'province' ? await provinceMap(land.rows) : null;
  const share = {
    id: 'share',
    label: t('col.share_of_total'),
    num: true,
    value: (r) => r.ips,
    cell: (r) => h('td.num', fmtShare(land.total.ips ? r.ips / land.total.ips : null)),
  };
  return [
    viewHeader(ctx, t('view.provinces')),
    kpis([
      { testid: 'kpi-ips', label: t('kpi.ips'), value: land.total.ips },
      { testid: 'kpi-events', label: t('kpi.events'), value: land.total.events },
      { testid: 'kpi-provinces', label: t('kpi.provinces'), value: land.rows.filter((r) => r[dim]).length },
    ]),
    map ? card(t('card.map'), map, { testid: 'card-map', wide: true }) : null,
    card(
      t('card.provinces'),
      [
        h('div.wide-bars', rankTable(dim, land.rows, { testid: 'table-provinces', caption: t('card.provinces'), extraCols: [share] })),
        dim === 'region' ? note('note.region_fallback') : null,
        note('note.ips_not_additive'),
      ],
      { testid: 'card-provinces', wide: true },
    ),
  ];
}
