// Overview: the whole landscape of the chosen period and filters.

import { t } from '../i18n.js';
import { viewHeader } from './common.js';
import { summary } from './summary.js';

export async function render(ctx) {
  return [viewHeader(ctx, t('view.overview')), ...(await summary(ctx))];
}
