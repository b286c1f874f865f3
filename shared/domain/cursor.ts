import { createHash } from 'node:crypto';

/**
 * Opaque paging cursors, bound to the query they came from. A cursor carries its position and a
 * check: a SHA-256 over the cursor's kind, the query's identifying fields and the position. The
 * query itself is not in the cursor, so a cursor used with another query (another service, other
 * time bounds), or with its position edited, fails the check and is refused as not handed out.
 * The check is not a secret: it binds a cursor to its query, it does not authenticate its maker.
 */
export type CursorQuery = Readonly<Record<string, string | number | undefined>>;

const CHECK_HEX = 32;

function checkOf(kind: string, query: CursorQuery, position: unknown): string {
  const fields = Object.keys(query)
    .sort()
    .map((k) => [k, query[k] ?? null]);
  return createHash('sha256')
    .update(JSON.stringify([kind, fields, position]))
    .digest('hex')
    .slice(0, CHECK_HEX);
}

export function encodeCursor(kind: string, query: CursorQuery, position: unknown): string {
  return Buffer.from(JSON.stringify({ p: position, c: checkOf(kind, query, position) })).toString('base64url');
}

/** The position a cursor holds, or null for one this kind of query with these fields did not hand out. */
export function decodeCursor(kind: string, query: CursorQuery, cursor: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
  const { p, c, ...rest } = parsed as Record<string, unknown>;
  if (Object.keys(rest).length > 0 || typeof c !== 'string' || p === undefined) return null;
  return c === checkOf(kind, query, p) ? p : null;
}
