// The landscape of the current selection: KPI tiles, the daily trend and the
// top families, ISPs and provinces.  The overview is this with no entity
// chosen; a family, ISP or province view is this with that filter set and
// its own dimension left out of the rankings.

import { h } from '../dom.js';
import { api } from '../api.js';
import { t } from '../i18n.js';
import { href } from '../state.js';
import { card, rankTable, trendCard, totalsKpis, DIMS } from './common.js';

/** The dimensions ranked under a summary, minus those already filtered. */
export function rankDims(ctx, skip = []) {
  const ispDim = ctx.caps.isp && !ctx.p.isp ? 'isp' : 'asn';
  return ['family', ispDim, ctx.geoKey].filter((d) => !skip.includes(d) && !ctx.p[DIMS[d].param]);
}

const RANK_TITLE = { family: 'card.top_families', asn: 'card.top_asns', isp: 'card.top_isps', province: 'card.top_provinces', region: 'card.top_provinces' };

/** Elements of a summary of ctx's selection (top: rows per ranking). */
export async function summary(ctx, { skip = [], top = 10, extraKpis = null } = {}) {
  const dims = rankDims(ctx, skip);
  const [land, ...ranks] = await Promise.all([
    api('landscape', { ...ctx.f, by: 'day' }),
    ...dims.map((d) => api('landscape', { ...ctx.f, by: d, top })),
  ]);
  const cards = dims.map((d, i) =>
    card(t(RANK_TITLE[d], { n: top }), rankTable(d, ranks[i].rows, { testid: 'rank-' + d, caption: t(RANK_TITLE[d], { n: top }) }), {
      testid: 'card-' + d,
      actions: h('a.more', { href: href(DIMS[d].view, { group: d === 'asn' && ctx.caps.isp ? 'asn' : null }) }, t('card.all')),
    }),
  );
  return [
    totalsKpis(ctx, land, land.rows),
    extraKpis,
    trendCard(ctx, land.rows, { title: t('card.trend') }),
    h('div.grid3', cards),
  ];
}
