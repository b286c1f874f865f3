import type { z } from 'zod';
import { ValidationError } from './errors.ts';

/** Parses input with a schema; the first problem becomes a ValidationError naming its field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, fieldPrefix = ''): z.infer<S> {
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
  const message = issue.code === 'invalid_type' && issue.input === undefined ? 'is required' : issue.message;
  throw new ValidationError(field ? `${field} ${message}` : message, field);
}
