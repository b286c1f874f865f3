import type * as z from 'zod/mini';
import { ValidationError } from '../errors.ts';
import { describeIssue } from '../validation.ts';

/**
 * Field paths in the notation a reader of the file uses: `routes[0].path`,
 * `spec.containers[0].ports[0].containerPort`, and a key that holds a dot, a slash or a bracket in
 * quotes, so a label key stays unambiguous: `metadata.labels["hms/mesh"]`.
 */
export function fieldPath(parts: readonly PropertyKey[]): string {
  let path = '';
  for (const part of parts) {
    if (typeof part === 'number') path += `[${part}]`;
    else path += keySegment(String(part), path === '');
  }
  return path;
}

/** One key of a path: `.name`, or `["a.b/c"]` for a key a dot would split. */
export function keySegment(key: string, first = false): string {
  if (key === '' || /[.[\]"\s/\\]/.test(key)) return `[${JSON.stringify(key)}]`;
  return first ? key : `.${key}`;
}

/** A field under a path already written in this notation. */
export const fieldUnder = (base: string, key: string): string => `${base}${keySegment(key, base === '')}`;

type Issue = z.core.$ZodIssue;

/** Parses one manifest format; the first problem (an unknown key before any other) becomes a ValidationError naming its field. */
export function parseFile<S extends z.ZodMiniType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues;
  const issue = issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0];
  if (!issue) throw new ValidationError('the manifest is invalid');
  if (issue.code === 'unrecognized_keys') {
    const field = fieldPath([...issue.path, issue.keys[0] ?? '']);
    throw new ValidationError(`unknown field "${field}"`, field, 'unknown_field');
  }
  const field = fieldPath(issue.path) || null;
  const message = issue.code === 'invalid_key' ? keyMessage(issue) : describeIssue(issue, input);
  throw new ValidationError(field ? `${field} ${message}` : message, field);
}

/** A record key zod refused (a label key): the inner check's words. */
function keyMessage(issue: Issue & { code: 'invalid_key' }): string {
  const inner = issue.issues[0];
  return inner?.message && inner.message !== 'Invalid input' ? `is not a valid key: it ${inner.message}` : 'is not a valid key';
}
