// Which alerts a destination wants: a minimum priority, rule name wildcards to include or
// exclude, and tags (any one of them). Compiled once per destination; checked per alert.
import type { DeliveryOptions } from '../config/index.js';
import type { Alert } from './alert.js';

function wildcard(pattern: string): RegExp {
  return new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
}

export type AlertFilter = (a: Alert) => boolean;

export function alertFilter(o: Pick<DeliveryOptions, 'minimumPriority' | 'rules' | 'excludeRules' | 'tags'>): AlertFilter {
  const include = o.rules.map(wildcard);
  const exclude = o.excludeRules.map(wildcard);
  const tags = new Set(o.tags);
  return (a) => a.priority <= o.minimumPriority
    && (include.length === 0 || include.some((r) => r.test(a.rule)))
    && !exclude.some((r) => r.test(a.rule))
    && (tags.size === 0 || a.tags.some((t) => tags.has(t)));
}
