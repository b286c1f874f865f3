import type { EventPattern } from '#domain/triggers.ts';

/**
 * Matches an event against an EventBridge pattern: arrays list allowed values, objects nest,
 * and `{ prefix }`, `{ suffix }`, `{ wildcard }`, `{ exists }` and `{ anything-but }` are understood.
 */
export function matchesPattern(pattern: EventPattern, event: unknown): boolean {
  if (event === null || typeof event !== 'object') return false;
  const record = event as Record<string, unknown>;
  return Object.entries(pattern).every(([key, rule]) => {
    const value = record[key];
    if (Array.isArray(rule)) return rule.some((allowed) => matchesValue(allowed, value));
    if (rule !== null && typeof rule === 'object') return matchesPattern(rule as EventPattern, value);
    return false;
  });
}

/** EventBridge wildcard matching: `*` stands for any run of characters, everything else is literal. */
function wildcardRegex(wildcard: string): RegExp {
  return new RegExp(`^${wildcard.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
}

function matchesValue(allowed: unknown, value: unknown): boolean {
  if (allowed !== null && typeof allowed === 'object') {
    const filter = allowed as Record<string, unknown>;
    if ('prefix' in filter) return typeof value === 'string' && value.startsWith(String(filter.prefix));
    if ('suffix' in filter) return typeof value === 'string' && value.endsWith(String(filter.suffix));
    if ('wildcard' in filter) return typeof value === 'string' && wildcardRegex(String(filter.wildcard)).test(value);
    if ('exists' in filter) return (value !== undefined) === Boolean(filter.exists);
    if ('anything-but' in filter) {
      const excluded = ([] as unknown[]).concat(filter['anything-but']);
      return value !== undefined && !excluded.includes(value);
    }
    return false;
  }
  return Array.isArray(value) ? value.includes(allowed) : value === allowed;
}
