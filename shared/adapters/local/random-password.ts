import { randomInt } from 'node:crypto';
import { PortError } from '#ports/errors.ts';
import type { RandomPasswordOptions } from '#ports/secret-store.ts';

/** The punctuation GetRandomPassword uses, and removes under ExcludePunctuation (Secrets Manager API reference). */
export const PUNCTUATION = '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~';
const CHARACTER_CLASSES = ['ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz', '0123456789'];

/** GetRandomPassword's default length and the range PasswordLength accepts. */
export const DEFAULT_PASSWORD_LENGTH = 32;
const MAX_PASSWORD_LENGTH = 4096;

/**
 * A password as Secrets Manager's GetRandomPassword makes one with its defaults: uppercase,
 * lowercase, digits and punctuation, less the excluded characters, and at least one character
 * of each class that still has any (RequireEachIncludedType). Every choice uses crypto randomness.
 */
export function generateRandomPassword(options: RandomPasswordOptions = {}): string {
  const length = options.length ?? DEFAULT_PASSWORD_LENGTH;
  if (!Number.isInteger(length) || length < 1 || length > MAX_PASSWORD_LENGTH) {
    throw new PortError(`password length must be an integer from 1 to ${MAX_PASSWORD_LENGTH}, got ${length}`);
  }
  const excluded = new Set(options.excludeCharacters ?? '');
  const classes = [...CHARACTER_CLASSES, ...(options.excludePunctuation ? [] : [PUNCTUATION])]
    .map((chars) => [...chars].filter((c) => !excluded.has(c)))
    .filter((chars) => chars.length > 0);
  if (classes.length === 0) throw new PortError('the exclusions leave no characters to make a password from');
  if (length < classes.length) {
    throw new PortError(`a password of ${length} characters cannot include one of each of the ${classes.length} character types`);
  }
  const all = classes.flat();
  const chars = [...classes.map(pick), ...Array.from({ length: length - classes.length }, () => pick(all))];
  // Fisher–Yates, so the guaranteed characters are not always first.
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join('');
}

function pick(chars: string[]): string {
  return chars[randomInt(chars.length)]!;
}
