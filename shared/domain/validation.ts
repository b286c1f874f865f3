import type * as z from 'zod/mini';
import { ValidationError } from './errors.ts';

type Issue = z.core.$ZodIssue;

const GENERIC = 'Invalid input';

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>((value, key) => (value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined), input);
}

/** Words for an issue zod left with its generic message (zod/mini carries no locale). */
export function describeIssue(issue: Issue, input: unknown): string {
  if (issue.message && issue.message !== GENERIC) return issue.message;
  switch (issue.code) {
    case 'invalid_type':
      if (valueAt(input, issue.path) === undefined) return 'is required';
      return issue.expected === 'int' ? 'must be a whole number' : `must be ${/^[aeiou]/.test(issue.expected) ? 'an' : 'a'} ${issue.expected}`;
    case 'too_small':
      return issue.origin === 'string' ? `must be at least ${issue.minimum} characters` : `must be at least ${issue.minimum}`;
    case 'too_big':
      return issue.origin === 'string' ? `must be at most ${issue.maximum} characters` : `must be at most ${issue.maximum}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map(String).join(', ')}`;
    case 'invalid_format':
      // A pattern check without words of its own: say the value is not in the expected form rather than name the regex.
      return issue.format === 'regex' ? 'is not in the expected form' : `must be a valid ${issue.format}`;
    default:
      return 'is not valid';
  }
}

/** Parses input with a schema; the first problem becomes a ValidationError naming its field. */
export function parseInput<S extends z.ZodMiniType>(schema: S, input: unknown, fieldPrefix = ''): z.infer<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (!issue) throw new ValidationError('the input is invalid');
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    const key = issue.keys[0] ?? '';
    const field = [fieldPrefix, ...path, key].filter(Boolean).join('.');
    throw new ValidationError(`unknown field "${field}"`, field, 'unknown_field');
  }
  const field = [fieldPrefix, ...path].filter(Boolean).join('.') || null;
  const message = describeIssue(issue, input);
  throw new ValidationError(field ? `${field} ${message}` : message, field);
}
