import * as z from 'zod/mini';
import { dnsLabel } from '../schemas.ts';

/**
 * The field schemas every manifest format shares. Ranges follow what the rendered objects accept:
 * a Service name is a DNS-1035 label (a DNS-1123 label starting with a letter), a port 1..65535,
 * Istio durations at least 1 ms.
 */

export const meshName = z
  .string()
  .check(
    z.maxLength(63, 'must be at most 63 characters'),
    z.regex(/^[a-z]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS-1123 label starting with a letter (a Kubernetes Service name): lowercase letters, digits and "-"'),
  );

export const namespaceName = dnsLabel;

const PORT_RULE = 'must be a port from 1 to 65535';
export const port = z.int().check(z.minimum(1, PORT_RULE), z.maximum(65_535, PORT_RULE));

export const MAX_RETRIES = 10;
export const retries = z
  .int()
  .check(z.minimum(0, 'must not be negative'), z.maximum(MAX_RETRIES, `must be at most ${MAX_RETRIES} (each retry adds load to a failing service)`));

/** "800ms", "1.5s", "2m", "1h": Istio's duration units a manifest may need. */
export const DURATION_PATTERN = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** A duration in milliseconds: a number in `unitMs` units, or a string with its unit; undefined when unparsable. */
export function durationToMs(value: number | string, unitMs: number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value * unitMs : undefined;
  const match = DURATION_PATTERN.exec(value.trim());
  if (!match?.[1] || !match[2]) return undefined;
  return Number(match[1]) * (UNIT_MS[match[2]] ?? Number.NaN);
}

/** A duration written as a number of `unit`s or a string like "800ms"; the rules say which values are sane. */
function duration(unit: 'ms' | 's', minMs: number, maxMs: number, wholeMs: number) {
  const unitMs = unit === 'ms' ? 1 : 1_000;
  const example = unit === 'ms' ? '800' : '30';
  const words = `must be ${unit === 'ms' ? 'a number of milliseconds' : 'a whole number of seconds'} (like ${example}) or a string with its unit (like "${example}${unit}"; units ms, s, m, h)`;
  // A string of digits alone is a number the file quoted: say so rather than list the units.
  const stringWords = (input: unknown) =>
    typeof input === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(input)
      ? `must be a number of ${unit === 'ms' ? 'milliseconds' : 'seconds'}, not a string: write ${input.trim()} or "${input.trim()}${unit}"`
      : words;
  return z.union([z.number(), z.string().check(z.regex(DURATION_PATTERN, { error: (issue) => stringWords(issue.input) }))], { error: words }).check(
    z.superRefine((value: number | string, ctx) => {
      const ms = durationToMs(value, unitMs);
      if (ms === undefined || Number.isNaN(ms)) ctx.addIssue({ code: 'custom', message: words, input: value });
      else if (ms < minMs || ms > maxMs) ctx.addIssue({ code: 'custom', message: `must be from ${minMs / unitMs} to ${maxMs / unitMs} ${unit}`, input: value });
      else if (ms % wholeMs !== 0)
        ctx.addIssue({ code: 'custom', message: `must be a whole number of ${wholeMs === 1 ? 'milliseconds' : 'seconds'}`, input: value });
    }),
  );
}

/** A request timeout (chapter 7's timeoutMs): 1 ms to 1 h. */
export const timeoutDuration = duration('ms', 1, 3_600_000, 1);
/** An ejection or breaker window (chapter 10's reset_seconds): 1 s to 1 h, whole seconds. */
export const resetDuration = duration('s', 1_000, 3_600_000, 1_000);

export const consecutiveFailures = z.int().check(z.minimum(1, 'must be at least 1'), z.maximum(1_000, 'must be at most 1000'));
export const maxConnections = z.int().check(z.minimum(1, 'must be at least 1'), z.maximum(2_147_483_647, 'must be at most 2147483647'));
export const errorPercent = z
  .number()
  .check(z.refine(Number.isFinite, 'must be a finite number'), z.gt(0, 'must be greater than 0'), z.maximum(100, 'must be at most 100'));

/** A label value, also the manifest's `version` (it becomes the pods' version label). */
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
export const labelValue = z
  .string()
  .check(
    z.maxLength(63, 'must be at most 63 characters'),
    z.regex(LABEL_VALUE, 'must be a Kubernetes label value: letters, digits, "-", "_" and ".", starting and ending alphanumeric'),
  );
export const version = labelValue.check(z.minLength(1, 'must not be empty'));

/** A label key: an optional DNS subdomain prefix and "/", then a name of at most 63 characters. */
const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
export const labels = z.record(
  z.string().check(z.regex(LABEL_KEY, 'must be a Kubernetes label key like app or example.com/team'), z.maxLength(253 + 1 + 63)),
  z.string().check(z.regex(LABEL_VALUE, 'must be a Kubernetes label value: letters, digits, "-", "_" and "."'), z.maxLength(63)),
);

export const image = z
  .string()
  .check(
    z.maxLength(1_024, 'must be at most 1024 characters'),
    z.regex(/^[A-Za-z0-9][A-Za-z0-9._\-/:@]*$/, 'must be an image reference like ghcr.io/gov/receipt:1.0'),
  );

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
const routePath = z
  .string()
  .check(z.maxLength(1_024, 'must be at most 1024 characters'), z.regex(/^\/[^\s?#]*$/, 'must be a path starting with "/" (no spaces, query or fragment)'));
// Methods are case-sensitive (RFC 9110 §9.1), so `post` is refused rather than guessed.
const methodList = z.array(z.enum(HTTP_METHODS)).check(z.maxLength(HTTP_METHODS.length));
export const route = z.strictObject({
  path: routePath,
  methods: z.optional(methodList.check(z.minLength(1, 'must not be empty: leave methods out for any method'))),
});
/** The canonical form writes `methods: []` for any method (canonical.ts MeshRoute), so it reads it back. */
const canonicalRoute = z.strictObject({ path: routePath, methods: z.optional(methodList) });
const routeList = <T extends typeof route | typeof canonicalRoute>(item: T) =>
  z.array(item).check(
    z.maxLength(100, 'must have at most 100 routes'),
    z.superRefine((list: { path: string }[], ctx) => {
      const first = new Map<string, number>();
      list.forEach((r, i) => {
        const earlier = first.get(r.path);
        if (earlier !== undefined)
          ctx.addIssue({ code: 'custom', path: [i, 'path'], message: `repeats the path of route ${earlier}: list each path once`, input: r.path });
        else first.set(r.path, i);
      });
    }),
  );
export const routes = routeList(route);
export const canonicalRoutes = routeList(canonicalRoute);

/** The defaults of a manifest that leaves them out. */
export const DEFAULT_CPU_PERCENT = 70;
export const DEFAULT_RESET_SECONDS = 30;

const replicas = z.int().check(z.minimum(1, 'must be at least 1'), z.maximum(10_000, 'must be at most 10000'));
export const scaling = z
  .strictObject({
    min: replicas,
    max: replicas,
    cpuPercent: z.optional(z.int().check(z.minimum(1, 'must be at least 1'), z.maximum(100, 'must be at most 100'))),
  })
  .check(
    z.superRefine((value: { min: number; max: number }, ctx) => {
      if (value.min > value.max) ctx.addIssue({ code: 'custom', path: ['max'], message: 'must be at least min', input: value.max });
    }),
  );

export const namespaces = z.array(namespaceName).check(z.maxLength(100, 'must have at most 100 namespaces'));
