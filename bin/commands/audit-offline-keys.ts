import { createPublicKey, type KeyObject } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { OBJECT_LIMITS } from '#adapters/local/folder-archive.ts';
import type { DigestBreak } from '#domain/audit-digest-check.ts';

/**
 * What an offline verify can tell about a signature break from the keys an export publishes
 * (keys/<keyId>.pem): that the digest names one key and the key given is another. The export's
 * keys are only a hint here (the trusted key is the one given); a signature that fails with the
 * very key the digest names is a forged digest, and gets no note.
 */
export function keyNotes(dir: string, givenPem: string, breaks: DigestBreak[]): string[] {
  const given = publicKey(givenPem);
  if (!given) return [];
  const published = exportKeys(dir);
  const givenId = [...published].find(([, key]) => key.equals(given))?.[0];
  const notes = new Set<string>();
  for (const found of breaks) {
    if (found.kind !== 'signature') continue;
    const named = digestKeyId(dir, found.key);
    if (named === null || named === givenId) continue;
    if (givenId !== undefined)
      notes.add(`${found.key} names key ${named}, but the key given is ${givenId}'s (keys/${encodeURIComponent(givenId)}.pem in the export)`);
    else if (published.has(named))
      notes.add(`${found.key} names key ${named}, and the key given is not the one the export publishes for it (keys/${encodeURIComponent(named)}.pem)`);
  }
  return [...notes];
}

/** keyId -> public key, for each keys/<keyId>.pem of the export that parses. */
function exportKeys(dir: string): Map<string, KeyObject> {
  const keys = new Map<string, KeyObject>();
  let files: string[];
  try {
    files = readdirSync(join(dir, 'keys'));
  } catch {
    return keys;
  }
  for (const file of files) {
    if (!file.endsWith('.pem')) continue;
    const key = publicKey(readText(join(dir, 'keys', file)) ?? '');
    if (key) keys.set(decodeOr(file.slice(0, -'.pem'.length)), key);
  }
  return keys;
}

function decodeOr(name: string): string {
  try {
    return decodeURIComponent(name);
  } catch {
    return name;
  }
}

/** The keyId a digest object names, or null if it cannot be read. */
function digestKeyId(dir: string, key: string): string | null {
  const text = readText(join(dir, ...key.split('/')));
  if (text === null) return null;
  try {
    const keyId = (JSON.parse(text) as { keyId?: unknown }).keyId;
    return typeof keyId === 'string' ? keyId : null;
  } catch {
    return null;
  }
}

function publicKey(pem: string): KeyObject | null {
  try {
    return createPublicKey(pem);
  } catch {
    return null;
  }
}

/** A key or digest file's text, or null when it cannot be read or is too large to be one. */
function readText(path: string): string | null {
  try {
    if (statSync(path).size > OBJECT_LIMITS.other) return null;
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}
