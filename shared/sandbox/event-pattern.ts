import type { EventPattern } from '#domain/triggers.ts';

/**
 * Matches an event against an EventBridge pattern, as the EventBridge User Guide describes it
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-patterns-content-based-filtering.html,
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-create-pattern-operators.html):
 * every key in the pattern must be in the event (AND); an array lists allowed values (OR); an
 * array in the event matches when any of its elements does; `$or` takes alternatives; and the
 * filters prefix, suffix, wildcard, equals-ignore-case, anything-but, numeric, exists and cidr
 * (IPv4) are understood. Anything else never matches, so a pattern the sandbox does not
 * understand fails loudly in tests rather than matching too much.
 */
export function matchesPattern(pattern: EventPattern, event: unknown): boolean {
  if (event === null || typeof event !== 'object' || Array.isArray(event)) return false;
  const record = event as Record<string, unknown>;
  return Object.entries(pattern).every(([key, rule]) => {
    if (key === '$or') return Array.isArray(rule) && rule.some((alternative) => matchesPattern(alternative as EventPattern, event));
    const value = record[key];
    if (Array.isArray(rule)) return rule.some((allowed) => matchesField(allowed, value));
    if (rule !== null && typeof rule === 'object') return matchesPattern(rule as EventPattern, value);
    return false;
  });
}

/** One allowed value against a field; an array field matches when any element does. */
function matchesField(allowed: unknown, value: unknown): boolean {
  if (isFilter(allowed) && 'exists' in allowed) {
    // Exists works on leaf nodes only: an object is not a present leaf.
    const present = value !== undefined && !isObject(value);
    return present === (allowed.exists === true);
  }
  if (value === undefined) return false;
  if (Array.isArray(value)) return value.some((element) => matchesLeaf(allowed, element));
  return matchesLeaf(allowed, value);
}

function matchesLeaf(allowed: unknown, value: unknown): boolean {
  if (!isFilter(allowed)) return value === allowed;
  if ('anything-but' in allowed) return !matchesAnythingBut(allowed['anything-but'], value);
  return matchesStringFilter(allowed, value) ?? matchesOtherFilter(allowed, value);
}

/** prefix, suffix, wildcard and equals-ignore-case; undefined when the filter is none of them. */
function matchesStringFilter(filter: Record<string, unknown>, value: unknown): boolean | undefined {
  const [name, operand] = Object.entries(filter)[0] ?? [];
  if (name !== 'prefix' && name !== 'suffix' && name !== 'wildcard' && name !== 'equals-ignore-case') return undefined;
  if (typeof value !== 'string') return false;
  // prefix and suffix take a string or { "equals-ignore-case": string }.
  const ignoreCase = isFilter(operand) && typeof operand['equals-ignore-case'] === 'string';
  const text = ignoreCase ? String((operand as Record<string, unknown>)['equals-ignore-case']) : operand;
  if (typeof text !== 'string') return false;
  const [subject, target] = ignoreCase || name === 'equals-ignore-case' ? [value.toLowerCase(), text.toLowerCase()] : [value, text];
  switch (name) {
    case 'prefix':
      return subject.startsWith(target);
    case 'suffix':
      return subject.endsWith(target);
    case 'wildcard':
      return wildcardRegex(text).test(value);
    default:
      return subject === target;
  }
}

function matchesOtherFilter(filter: Record<string, unknown>, value: unknown): boolean {
  if ('numeric' in filter) return matchesNumeric(filter.numeric, value);
  if ('cidr' in filter) return matchesCidr(filter.cidr, value);
  return false;
}

/** anything-but: a value, a list of values, or one prefix, suffix, wildcard or equals-ignore-case filter. */
function matchesAnythingBut(excluded: unknown, value: unknown): boolean {
  if (isFilter(excluded)) {
    if ('equals-ignore-case' in excluded && Array.isArray(excluded['equals-ignore-case'])) {
      return excluded['equals-ignore-case'].some((e) => matchesStringFilter({ 'equals-ignore-case': e }, value) === true);
    }
    return matchesStringFilter(excluded, value) === true;
  }
  return ([] as unknown[]).concat(excluded).includes(value);
}

/** `[">", 0, "<=", 5]`: every comparison must hold, on a JSON number. */
function matchesNumeric(conditions: unknown, value: unknown): boolean {
  if (typeof value !== 'number' || !Array.isArray(conditions) || conditions.length % 2 !== 0) return false;
  for (let i = 0; i < conditions.length; i += 2) {
    const [op, bound] = [conditions[i], conditions[i + 1]];
    if (typeof bound !== 'number') return false;
    const holds =
      op === '<'
        ? value < bound
        : op === '<='
          ? value <= bound
          : op === '='
            ? value === bound
            : op === '>'
              ? value > bound
              : op === '>='
                ? value >= bound
                : false;
    if (!holds) return false;
  }
  return true;
}

/** IPv4 CIDR only; an IPv6 pattern never matches here. */
function matchesCidr(cidr: unknown, value: unknown): boolean {
  if (typeof cidr !== 'string' || typeof value !== 'string') return false;
  const [base, bitsText] = cidr.split('/');
  const bits = Number(bitsText);
  const network = ipv4(base);
  const address = ipv4(value);
  if (network === null || address === null || !Number.isInteger(bits) || bits < 0 || bits > 32) return false;
  const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
  return (network & mask) >>> 0 === (address & mask) >>> 0;
}

function ipv4(text: string | undefined): number | null {
  const parts = text?.split('.') ?? [];
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return null;
  return parts.reduce((n, p) => ((n << 8) | Number(p)) >>> 0, 0);
}

/** `*` stands for any run of characters; `\*` and `\\` are a literal star and backslash. */
function wildcardRegex(wildcard: string): RegExp {
  let source = '';
  for (let i = 0; i < wildcard.length; i++) {
    const c = wildcard[i]!;
    if (c === '\\' && (wildcard[i + 1] === '*' || wildcard[i + 1] === '\\')) {
      source += `\\${wildcard[++i]}`;
    } else {
      source += c === '*' ? '.*' : c.replace(/[.+?^${}()|[\]\\/-]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`, 's');
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isFilter = isObject;
