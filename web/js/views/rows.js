// The rows behind a figure: the landscape at its finest grouping (day ×
// family × ASN × province) under the current filters.  The API has no
// per-address listing yet; when it answers by=ip the addresses are listed
// too, each opening its own page.  Until then the address box opens one.

import { h } from '../dom.js';
import { api } from '../api.js';
import { t, fmtNum, fmtDay } from '../i18n.js';
import { href } from '../state.js';
import { dataTable, numCell } from '../charts.js';
import { viewHeader, card, kpis, note, pickButton, rowLabel } from './common.js';

const LIMIT = 1000;
const IP_LIMIT = 500;

export async function render(ctx) {
  const geo = ctx.geoKey;
  const by = ['day', 'family', 'asn', geo].join(',');
  const [land, ips] = await Promise.all([
    api('landscape', { ...ctx.f, by, top: LIMIT + 1 }),
    ctx.caps.ip ? api('landscape', { ...ctx.f, by: 'ip', top: IP_LIMIT + 1 }) : null,
  ]);
  const rows = land.rows.slice(0, LIMIT);
  const cut = land.rows.length > LIMIT;
  const table = dataTable({
    testid: 'table-rows',
    caption: t('card.rows'),
    rows,
    rowKey: (r) => [r.day, r.family, r.asn, r[geo]].join('|'),
    sort: { id: 'day', dir: 'desc' },
    limit: 100,
    columns: [
      { id: 'day', label: t('col.day'), value: (r) => r.day, cell: (r) => h('td.nowrap', { 'data-value': r.day }, fmtDay(r.day)) },
      { id: 'family', label: t('dim.family'), value: (r) => r.family, cell: (r) => h('td', pickButton('family', r, r.family)) },
      { id: 'asn', label: t('dim.asn'), value: (r) => r.asn, cell: (r) => h('td', pickButton('asn', r, rowLabel('asn', r), 'AS' + r.asn)) },
      { id: 'geo', label: t('dim.province'), value: (r) => rowLabel(geo, r), cell: (r) => h('td', pickButton(geo, r, rowLabel(geo, r))) },
      { id: 'ips', label: t('col.ips'), num: true, value: (r) => r.ips, cell: (r) => numCell(r.ips, 'ips') },
      { id: 'events', label: t('col.events'), num: true, value: (r) => r.events, cell: (r) => numCell(r.events, 'events') },
    ],
  });
  const out = [
    viewHeader(ctx, t('view.rows')),
    kpis([
      { testid: 'kpi-ips', label: t('kpi.ips'), value: land.total.ips },
      { testid: 'kpi-events', label: t('kpi.events'), value: land.total.events },
      { testid: 'kpi-groups', label: t('kpi.groups'), value: rows.length, text: fmtNum(rows.length) + (cut ? '+' : '') },
    ]),
    card(t('card.rows'), [cut ? note('note.rows_cut', { n: fmtNum(LIMIT) }) : null, table], { testid: 'card-rows', wide: true }),
  ];
  if (ips) {
    const list = ips.rows.slice(0, IP_LIMIT);
    out.push(
      card(
        t('card.addresses'),
        dataTable({
          testid: 'table-ips',
          caption: t('card.addresses'),
          rows: list,
          rowKey: (r) => r.ip,
          sort: { id: 'events', dir: 'desc' },
          limit: 100,
          columns: [
            { id: 'ip', label: t('col.address'), value: (r) => r.ip, cell: (r) => h('td.mono', h('a', { href: href('ip', { ip: r.ip }) }, r.ip)) },
            { id: 'events', label: t('col.events'), num: true, value: (r) => r.events, cell: (r) => numCell(r.events, 'events') },
          ],
        }),
        { testid: 'card-addresses', wide: true },
      ),
    );
  } else {
    out.push(note('note.no_ip_listing'));
  }
  return out;
}
