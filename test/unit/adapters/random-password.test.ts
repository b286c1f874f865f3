import { describe, expect, it } from 'vitest';
import { generateRandomPassword, PUNCTUATION } from '#adapters/local/random-password.ts';
import { PortError } from '#ports/errors.ts';

const ALL = `ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789${PUNCTUATION}`;

describe('generateRandomPassword', () => {
  it('uses the 32 characters and the four types GetRandomPassword uses by default', () => {
    const password = generateRandomPassword();
    expect(password).toHaveLength(32);
    expect([...password].every((c) => ALL.includes(c))).toBe(true);
  });

  it('includes one of each type even at the shortest length that allows it', () => {
    for (let i = 0; i < 50; i++) {
      const password = generateRandomPassword({ length: 4 });
      expect(password).toMatch(/[A-Z]/);
      expect(password).toMatch(/[a-z]/);
      expect(password).toMatch(/[0-9]/);
      expect([...password].some((c) => PUNCTUATION.includes(c))).toBe(true);
    }
  });

  it('drops a type whose characters are all excluded, and no longer requires it', () => {
    const password = generateRandomPassword({ length: 3, excludeCharacters: '0123456789', excludePunctuation: true });
    expect(password).toMatch(/^[A-Za-z]{3}$/);
  });

  it('draws every allowed character and never an excluded one', () => {
    const excluded = '/@"\'\\';
    const seen = new Set(Array.from({ length: 300 }, () => generateRandomPassword({ excludeCharacters: excluded })).join(''));
    const allowed = [...ALL].filter((c) => !excluded.includes(c));
    expect([...seen].sort()).toEqual(allowed.sort());
  });

  it('refuses lengths outside 1 to 4096, too short for every type, or exclusions that leave nothing', () => {
    for (const length of [0, 4097, 1.5, Number.NaN]) expect(() => generateRandomPassword({ length })).toThrow(PortError);
    expect(() => generateRandomPassword({ length: 3 })).toThrow(/one of each/);
    expect(() => generateRandomPassword({ excludeCharacters: ALL })).toThrow(/no characters/);
    expect(generateRandomPassword({ length: 4096 })).toHaveLength(4096);
  });
});
