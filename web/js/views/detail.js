// One entity (a family, an ASN, an operator, a province) under the current
// filters: its summary, with its own dimension left out of the rankings,
// and links to the rows behind the figures and back up one level.

import { h } from '../dom.js';
import { t } from '../i18n.js';
import { href } from '../state.js';
import { viewHeader, filterLabel, DIMS } from './common.js';
import { summary } from './summary.js';

export async function detail(ctx, dim, { extraKpis = null, skip = [] } = {}) {
  const d = DIMS[dim];
  const value = ctx.p[d.param];
  const name = filterLabel(ctx, d.param, value);
  const up = dim === 'asn' && ctx.p.isp ? { asn: null } : { [d.param]: null };
  const head = viewHeader(
    ctx,
    t('detail.' + dim, { name }),
    h(
      'p.actions',
      h('a.button', { href: href(d.view, up), 'data-testid': 'detail-up' }, t('detail.up')),
      h('a.button', { href: href('rows', {}), 'data-testid': 'detail-rows' }, t('drill.rows_all')),
    ),
  );
  return [head, ...(await summary(ctx, { skip: [dim, ...skip], extraKpis }))];
}
