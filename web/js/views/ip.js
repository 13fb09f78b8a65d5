// One address: its enrichment and every stored observation of it.

import { h } from '../dom.js';
import { api } from '../api.js';
import { t, fmtDay, fmtTime } from '../i18n.js';
import { dataTable, numCell } from '../charts.js';
import { card, kpis, note, pickButton } from './common.js';

export async function render(ctx) {
  const ip = ctx.p.ip;
  if (!ip) return [h('div.view-head', h('h1', { 'data-testid': 'view-title' }, t('view.ip'))), note('ip.prompt')];
  const a = await api('ip/' + encodeURIComponent(ip));
  const g = a.geolocation || {};
  const obs = a.observations || [];
  const events = obs.reduce((n, o) => n + (o.events || 0), 0);
  const place = [g.city, g.region, g.cc].filter(Boolean).join(', ');
  const facts = h(
    'dl.facts',
    h('dt', t('dim.asn')), h('dd', { 'data-testid': 'ip-asn', 'data-value': a.asn ?? '' }, a.asn ? 'AS' + a.asn + (a.as_name ? ' · ' + a.as_name : '') : '–'),
    h('dt', t('ip.location')), h('dd', { 'data-testid': 'ip-location' }, place || '–'),
    h('dt', t('ip.coordinates')), h('dd', g.latitude !== undefined && g.latitude !== null ? `${g.latitude}, ${g.longitude}` : '–'),
  );
  return [
    h('div.view-head', h('h1', { 'data-testid': 'view-title' }, t('ip.title', { ip: a.ip || ip }))),
    kpis([
      { testid: 'kpi-observations', label: t('kpi.observations'), value: obs.length },
      { testid: 'kpi-events', label: t('kpi.events'), value: events },
      { testid: 'kpi-first', label: t('kpi.first_day'), value: obs.length ? obs.map((o) => o.day).sort()[0] : null, text: obs.length ? fmtDay(obs.map((o) => o.day).sort()[0]) : '–' },
      { testid: 'kpi-last', label: t('kpi.last_day_seen'), value: obs.length ? obs.map((o) => o.day).sort().at(-1) : null, text: obs.length ? fmtDay(obs.map((o) => o.day).sort().at(-1)) : '–' },
    ]),
    card(t('card.enrichment'), facts, { testid: 'card-enrichment' }),
    card(
      t('card.observations'),
      dataTable({
        testid: 'table-observations',
        caption: t('card.observations'),
        rows: obs,
        rowKey: (o) => [o.day, o.type, o.family, o.feed, o.tlp].join('|'),
        sort: { id: 'day', dir: 'desc' },
        empty: t('ip.none'),
        columns: [
          { id: 'day', label: t('col.day'), value: (o) => o.day, cell: (o) => h('td.nowrap', fmtDay(o.day)) },
          { id: 'type', label: t('col.type'), value: (o) => o.type, cell: (o) => h('td', o.type) },
          { id: 'family', label: t('dim.family'), value: (o) => o.family, cell: (o) => h('td', pickButton('family', o, o.family)) },
          { id: 'feed', label: t('col.feed'), value: (o) => o.feed, cell: (o) => h('td', o.feed) },
          { id: 'tlp', label: 'TLP', value: (o) => o.tlp, cell: (o) => h('td', h('span', { class: 'tlp tlp-' + String(o.tlp).toLowerCase().replace(/[^a-z]/g, '') }, 'TLP:' + o.tlp)) },
          { id: 'events', label: t('col.events'), num: true, value: (o) => o.events, cell: (o) => numCell(o.events, 'events') },
          { id: 'first', label: t('col.first_seen'), value: (o) => o.first_seen, cell: (o) => h('td.nowrap', fmtTime(o.first_seen)) },
          { id: 'last', label: t('col.last_seen'), value: (o) => o.last_seen, cell: (o) => h('td.nowrap', fmtTime(o.last_seen)) },
        ],
      }),
      { testid: 'card-observations', wide: true },
    ),
  ];
}
