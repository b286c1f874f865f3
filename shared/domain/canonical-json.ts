/**
 * The JSON Canonicalization Scheme, RFC 8785 (https://www.rfc-editor.org/rfc/rfc8785): object
 * members sorted by the UTF-16 code units of their names, no whitespace, numbers as ECMAScript
 * prints them, strings escaped as JSON.stringify escapes them. Audit records and digests are
 * hashed and signed over these bytes (docs/audit-format.md).
 *
 * The value is taken as JSON.stringify sees it: toJSON() is honoured, an undefined member or a
 * function is left out, an undefined array element (or top-level value) is null. What JCS forbids
 * (I-JSON, RFC 7493) is refused: a non-finite number, a lone surrogate, a bigint, a cycle.
 */
export class CanonicalJsonError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CanonicalJsonError';
  }
}

// In a /u pattern a surrogate pair is one code point, so \p{Cs} matches only a lone surrogate.
const LONE_SURROGATE = /\p{Cs}/u;

/** RFC 8785 canonical JSON of `value` (see the module comment). */
export function canonicalJson(value: unknown): string {
  return serialize(value, new Set()) ?? 'null';
}

function serializeString(text: string): string {
  if (LONE_SURROGATE.test(text)) throw new CanonicalJsonError('a string holds a lone surrogate, which RFC 8785 (I-JSON) does not allow');
  return JSON.stringify(text);
}

function serialize(input: unknown, ancestors: Set<object>): string | undefined {
  let value = input;
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    value = (value as { toJSON: () => unknown }).toJSON();
  }
  if (value instanceof Number || value instanceof String || value instanceof Boolean) value = value.valueOf();
  switch (typeof value) {
    case 'string':
      return serializeString(value);
    case 'number':
      if (!Number.isFinite(value)) throw new CanonicalJsonError(`${value} is not a JSON number (RFC 8785 refuses NaN and Infinity)`);
      // ECMAScript's Number-to-string, which RFC 8785 section 3.2.2.3 adopts; -0 prints as 0.
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      throw new CanonicalJsonError('a bigint is not a JSON number');
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
  }
  if (value === null) return 'null';
  const container = value as object;
  if (ancestors.has(container)) throw new CanonicalJsonError('the value refers to itself');
  ancestors.add(container);
  try {
    if (Array.isArray(container)) return `[${container.map((item) => serialize(item, ancestors) ?? 'null').join(',')}]`;
    const members: string[] = [];
    // Array.prototype.sort with no comparator orders strings by UTF-16 code units, as RFC 8785 section 3.2.3 asks.
    for (const name of Object.keys(container).sort()) {
      const member = serialize((container as Record<string, unknown>)[name], ancestors);
      if (member !== undefined) members.push(`${serializeString(name)}:${member}`);
    }
    return `{${members.join(',')}}`;
  } finally {
    ancestors.delete(container);
  }
}
