// ISPs: operators (the API's `isp` key, several ASNs under one name) when
// the server has it, each one click above its ASNs; otherwise ASNs alone.
// The ASN table adds the share of the ISP's announced address space that
// is infected (from /api/v1/asns) and a sparkline of its daily addresses.

import { h } from '../dom.js';
import { api } from '../api.js';
import { t, fmtNum, fmtPct } from '../i18n.js';
import { href } from '../state.js';
import { viewHeader, card, rankTable, kpis } from './common.js';
import { detail } from './detail.js';
import { summary } from './summary.js';
import { trendColumn } from './families.js';

/** Operators | ASNs switch, shown when the server groups ASNs by operator. */
function groupSwitch(ctx, active) {
  if (!ctx.caps.isp) return null;
  const item = (id, group) =>
    h(
      'a.seg',
      { href: href('isps', { group, isp: null, asn: null }), 'aria-current': active === id ? 'page' : null, 'data-testid': 'group-' + id },
      t('group.' + id),
    );
  return h('nav.segmented', { 'aria-label': t('group.label') }, item('isp', null), item('asn', 'asn'));
}

const shareOf = (r) =>
  typeof r.infected_share === 'number'
    ? r.infected_share
    : r.announced_addresses
      ? r.ips / r.announced_addresses
      : null;

/** The ASN table of the selection (rows from /asns, or landscape when absent). */
async function asnCard(ctx, title) {
  const [asns, days] = await Promise.all([
    ctx.caps.asns ? api('asns', ctx.f) : api('landscape', { ...ctx.f, by: 'asn' }),
    api('landscape', { ...ctx.f, by: 'asn,day' }),
  ]);
  const rows = asns.rows.slice().sort((a, b) => b.ips - a.ips || a.asn - b.asn);
  const extra = [
    {
      id: 'announced',
      label: t('col.announced'),
      num: true,
      value: (r) => r.announced_addresses ?? -1,
      cell: (r) => h('td.num', { 'data-testid': 'announced', 'data-value': r.announced_addresses ?? '' }, fmtNum(r.announced_addresses)),
    },
    {
      id: 'share',
      label: t('col.infected_share'),
      num: true,
      value: (r) => shareOf(r) ?? -1,
      cell: (r) => h('td.num', { 'data-testid': 'share', 'data-value': shareOf(r) ?? '' }, fmtPct(shareOf(r))),
    },
    trendColumn(ctx, 'asn', days.rows),
  ];
  return [
    kpis([
      { testid: 'kpi-ips', label: t('kpi.ips'), value: asns.total ? asns.total.ips : null },
      { testid: 'kpi-events', label: t('kpi.events'), value: asns.total ? asns.total.events : null },
      { testid: 'kpi-asns', label: t('kpi.asns'), value: rows.length },
    ]),
    card(title, rankTable('asn', rows, { testid: 'table-asns', caption: title, extraCols: extra, limit: 40 }), {
      testid: 'card-asns',
      wide: true,
    }),
  ];
}

async function operators(ctx) {
  const [land, days] = await Promise.all([
    api('landscape', { ...ctx.f, by: 'isp' }),
    api('landscape', { ...ctx.f, by: 'isp,day' }),
  ]);
  return [
    viewHeader(ctx, t('view.isps'), groupSwitch(ctx, 'isp')),
    kpis([
      { testid: 'kpi-ips', label: t('kpi.ips'), value: land.total.ips },
      { testid: 'kpi-events', label: t('kpi.events'), value: land.total.events },
      { testid: 'kpi-isps', label: t('kpi.isps'), value: land.rows.length },
    ]),
    card(
      t('card.isps'),
      rankTable('isp', land.rows, { testid: 'table-isps', caption: t('card.isps'), extraCols: [trendColumn(ctx, 'isp', days.rows)], limit: 40 }),
      { testid: 'card-isps', wide: true },
    ),
  ];
}

async function operatorDetail(ctx) {
  const name = ctx.p.isp;
  const [asnPart, rest] = await Promise.all([asnCard(ctx, t('card.isp_asns', { name })), summary(ctx, { skip: ['isp', 'asn'] })]);
  return [
    viewHeader(
      ctx,
      t('detail.isp', { name }),
      h('p.actions', h('a.button', { href: href('isps', { isp: null }), 'data-testid': 'detail-up' }, t('detail.up')),
        h('a.button', { href: href('rows', {}) }, t('drill.rows_all'))),
    ),
    ...asnPart,
    ...rest.slice(2),
  ];
}

async function asnDetail(ctx) {
  let extra = null;
  try {
    const { asn, ...rest } = ctx.f; // the ASN is in the path, not a parameter
    const a = await api('asns/' + encodeURIComponent(asn), rest);
    extra = kpis([
      { testid: 'kpi-announced', label: t('col.announced'), value: a.announced_addresses },
      { testid: 'kpi-share', label: t('col.infected_share'), value: shareOf(a), text: fmtPct(shareOf(a)) },
    ]);
  } catch {
    /* a server without /asns/{asn}: the landscape figures still stand */
  }
  return detail(ctx, 'asn', { extraKpis: extra, skip: ['isp'] });
}

export async function render(ctx) {
  if (ctx.p.asn) return asnDetail(ctx);
  if (ctx.p.isp) return operatorDetail(ctx);
  if (ctx.caps.isp && ctx.p.group !== 'asn') return operators(ctx);
  return [viewHeader(ctx, t('view.isps'), groupSwitch(ctx, 'asn')), ...(await asnCard(ctx, t('card.asns')))];
}

