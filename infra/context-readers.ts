/** Readers of single CDK context values, each failing with a ConfigError that names the key (config.ts). */

/** Reads one context key; `tryGetContext` on a construct node fits this shape. */
export type ContextReader = (key: string) => unknown;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export function readRaw(read: ContextReader, key: string): unknown {
  const value = read(key);
  if (value === undefined || value === null || value === '') {
    throw new ConfigError(`Missing context value "${key}": set it in cdk.json or pass -c ${key}=...`);
  }
  return value;
}

export function readString(read: ContextReader, key: string, pattern: RegExp, expected: string): string {
  const value = readRaw(read, key);
  if (typeof value !== 'string' || !pattern.test(value.trim())) {
    throw new ConfigError(`Malformed context value "${key}": expected ${expected}, got ${JSON.stringify(value)}`);
  }
  return value.trim();
}

/** Accepts a JSON array (cdk.json) or a comma-separated string (`-c key=a,b`). */
export function readList(read: ContextReader, key: string, pattern: RegExp, expected: string): string[] {
  const value = readRaw(read, key);
  const items = typeof value === 'string' ? value.split(',') : value;
  if (!Array.isArray(items) || items.some((item) => typeof item !== 'string')) {
    throw new ConfigError(`Malformed context value "${key}": expected a comma-separated list of ${expected}`);
  }
  const trimmed = (items as string[]).map((item) => item.trim()).filter((item) => item !== '');
  const bad = trimmed.filter((item) => !pattern.test(item));
  if (trimmed.length === 0 || bad.length > 0) {
    throw new ConfigError(`Malformed context value "${key}": expected ${expected}, got ${JSON.stringify(value)}`);
  }
  return [...new Set(trimmed)];
}

export function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

/** A whole number of at least 1, as a number (cdk.json) or a string (`-c key=4`); `fallback` when left out. */
export function readCount(read: ContextReader, key: string, fallback: number): number {
  const value = read(key);
  if (value === undefined || value === null || value === '') return fallback;
  const count = typeof value === 'string' ? Number(value.trim()) : value;
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 1) {
    throw new ConfigError(`Malformed context value "${key}": expected a whole number of at least 1, got ${JSON.stringify(value)}`);
  }
  return count;
}

/** `true` or `false`, as a boolean (cdk.json) or a string (`-c key=true`); undefined when left out. */
export function readFlag(read: ContextReader, key: string): boolean | undefined {
  const value = read(key);
  if (value === undefined || value === null || value === '') return undefined;
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new ConfigError(`Malformed context value "${key}": expected true or false, got ${JSON.stringify(value)}`);
}
