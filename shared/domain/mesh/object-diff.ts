/**
 * What applying `desired` would change in `live`, one line per field, for `--dry-run` and for telling an
 * unchanged apply from a configured one. Like server-side apply it looks at the fields hms-sys declares:
 * fields the API server or other managers set (status, defaults such as clusterIP, managedFields, uid,
 * resourceVersion, generation, creationTimestamp) are not changes. A field hms-sys applied before and no
 * longer declares (read from live's managedFields of manager hms-sys) is a removal.
 *   + path: value          added
 *   ~ path: old → new      changed
 *   - path: old            removed
 */
import { FIELD_MANAGER, type KubeObject } from './kube-resources.ts';

type Json = unknown;
type JsonObject = Record<string, Json>;

const SERVER_SET_METADATA = [
  'managedFields',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'selfLink',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
];

const isObject = (v: Json): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const show = (v: Json): string => JSON.stringify(v);
const child = (path: string, key: string): string => (/^[A-Za-z_$][\w$]*$/.test(key) ? (path ? `${path}.${key}` : key) : `${path}[${JSON.stringify(key)}]`);

/** The object without what the server sets, so neither side's server fields count. */
function withoutServerFields(obj: KubeObject): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(obj)) {
    if (key === 'status') continue;
    if (key !== 'metadata') out[key] = value;
    else {
      const meta: JsonObject = { ...obj.metadata };
      for (const drop of SERVER_SET_METADATA) delete meta[drop];
      out.metadata = meta;
    }
  }
  return out;
}

/** True when every field `want` declares has the same value in `have` (extra fields in `have` are defaults). */
function covers(have: Json, want: Json): boolean {
  if (isObject(want)) return isObject(have) && Object.entries(want).every(([k, v]) => covers(have[k], v));
  if (Array.isArray(want)) return Array.isArray(have) && have.length === want.length && want.every((v, i) => covers(have[i], v));
  return have === want;
}

/** Both sides in full, as for a list hms-sys owns whole: a field only live has is a removal too. */
function compareExactly(live: Json, desired: Json, path: string, out: string[]) {
  if (isObject(live) && isObject(desired)) {
    for (const [key, value] of Object.entries(desired)) compareExactly(live[key], value, child(path, key), out);
    for (const [key, value] of Object.entries(live)) if (!(key in desired)) out.push(`- ${child(path, key)}: ${show(value)}`);
  } else if (Array.isArray(live) && Array.isArray(desired) && live.length === desired.length) {
    desired.forEach((value, i) => {
      compareExactly(live[i], value, `${path}[${i}]`, out);
    });
  } else if (live === undefined) out.push(`+ ${path}: ${show(desired)}`);
  else if (show(live) !== show(desired)) out.push(`~ ${path}: ${show(live)} → ${show(desired)}`);
}

/**
 * desired's fields against live's. `owned` is hms-sys's fieldsV1 node for this path: an empty node on a
 * list or map means the field is atomic and hms-sys owns it whole (Istio's lists are), so it is compared
 * exactly; otherwise fields only live has are the server's defaults or other managers', and do not count.
 */
function compare(live: Json, desired: Json, path: string, out: string[], owned: Json) {
  const atomic = isObject(owned) && Object.keys(owned).length === 0 && (Array.isArray(desired) || isObject(desired));
  if (atomic && live !== undefined) return compareExactly(live, desired, path, out);
  if (isObject(desired)) {
    if (!isObject(live)) {
      out.push(live === undefined ? `+ ${path}: ${show(desired)}` : `~ ${path}: ${show(live)} → ${show(desired)}`);
      return;
    }
    const node = isObject(owned) ? owned : {};
    for (const [key, value] of Object.entries(desired)) compare(live[key], value, child(path, key), out, node[`f:${key}`]);
    return;
  }
  if (live === undefined) out.push(`+ ${path}: ${show(desired)}`);
  else if (Array.isArray(desired) && Array.isArray(live) && live.length === desired.length) {
    desired.forEach((value, i) => {
      if (!covers(live[i], value)) compare(live[i], value, `${path}[${i}]`, out, undefined);
    });
  } else if (!covers(live, desired)) out.push(`~ ${path}: ${show(live)} → ${show(desired)}`);
}

/** The list item a fieldsV1 "k:{...}" key names: the one whose key fields all match. */
function itemByKey(list: Json, key: string): Json {
  if (!Array.isArray(list)) return undefined;
  let wanted: JsonObject;
  try {
    wanted = JSON.parse(key) as JsonObject;
  } catch {
    return undefined;
  }
  return list.find((item) => isObject(item) && Object.entries(wanted).every(([k, v]) => item[k] === v));
}

/** Fields manager hms-sys owns in live (its Apply entry's fieldsV1) that desired no longer declares. */
function removals(owned: JsonObject, live: Json, desired: Json, path: string, out: string[]) {
  for (const [key, sub] of Object.entries(owned)) {
    if (key === '.') continue;
    const kind = key.slice(0, 2);
    const name = key.slice(2);
    if (kind === 'f:') {
      const here = child(path, name);
      const liveValue = isObject(live) ? live[name] : undefined;
      if (liveValue === undefined) continue;
      const desiredValue = isObject(desired) ? desired[name] : undefined;
      if (desiredValue === undefined) out.push(`- ${here}: ${show(liveValue)}`);
      else if (isObject(sub)) removals(sub, liveValue, desiredValue, here, out);
    } else if (kind === 'k:') {
      const liveItem = itemByKey(live, name);
      if (liveItem === undefined) continue;
      const desiredItem = itemByKey(desired, name);
      const here = `${path}[${name}]`;
      if (desiredItem === undefined) out.push(`- ${here}: ${show(liveItem)}`);
      else if (isObject(sub)) removals(sub, liveItem, desiredItem, here, out);
    }
  }
}

function ownedFields(live: KubeObject): JsonObject | undefined {
  const entries = Array.isArray(live.metadata.managedFields) ? live.metadata.managedFields : [];
  const mine = entries.find((e) => isObject(e) && e.manager === FIELD_MANAGER && e.operation === 'Apply' && isObject(e.fieldsV1));
  return isObject(mine) ? (mine.fieldsV1 as JsonObject) : undefined;
}

/** The changes, in a stable order; empty when applying desired would change nothing hms-sys declares. */
export function diffObjects(live: KubeObject | null, desired: KubeObject): string[] {
  const want = withoutServerFields(desired);
  const out: string[] = [];
  if (live === null) {
    for (const [key, value] of Object.entries(want)) compare(undefined, value, key, out, undefined);
    return out;
  }
  const have = withoutServerFields(live);
  const owned = ownedFields(live);
  for (const [key, value] of Object.entries(want)) compare(have[key], value, key, out, owned?.[`f:${key}`]);
  if (owned) removals(owned, have, want, '', out);
  return out;
}
