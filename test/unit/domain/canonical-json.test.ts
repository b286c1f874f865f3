import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AuditEntry, type AuditRecord, chainEntry, verifyChain } from '#domain/audit.ts';
import { CanonicalJsonError, canonicalJson } from '#domain/canonical-json.ts';

// The canonicalize package is RFC 8785's reference implementation in JavaScript (by the RFC's
// co-author): it serves here as the oracle, never in shipped code.
const jsonValues = fc.jsonValue({ stringUnit: 'binary', maxDepth: 4 });

/** The canonical JSON hms-sys hashed records with before RFC 8785 (sorted keys over JSON.stringify). */
function legacyCanonicalJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(legacyCanonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${legacyCanonicalJson(v)}`).join(',')}}`;
}

/** A number from its IEEE 754 bits, as RFC 8785 appendix B lists them. */
function fromBits(hex: string): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, BigInt(`0x${hex}`));
  return view.getFloat64(0);
}

describe('canonical JSON (RFC 8785)', () => {
  it('writes every JSON value exactly as the reference implementation does', () => {
    fc.assert(
      fc.property(jsonValues, (value) => canonicalJson(value) === canonicalize(value)),
      { numRuns: 2000 },
    );
  });

  it('writes the same bytes after a parse of its own output', () => {
    fc.assert(fc.property(jsonValues, (value) => canonicalJson(JSON.parse(canonicalJson(value))) === canonicalJson(value)));
  });

  it('writes the bytes the records written before RFC 8785 were hashed over', () => {
    fc.assert(
      fc.property(jsonValues, (value) => canonicalJson(value) === legacyCanonicalJson(value)),
      { numRuns: 2000 },
    );
  });

  it('still verifies a chain hashed before RFC 8785, with the hashes it had then', () => {
    const entries = [
      {
        time: '2026-11-23T12:00:00.000Z',
        actor: 'dev',
        action: 'rule.create',
        target: 'rule/AR-101',
        before: null,
        after: { threshold: 0.1, big: 1e21, tiny: 5e-7, name: 'café ☕ 😀', nested: { z: [1, -0, 2.5], a: 'x"\\\n\u001f' } },
        outcome: 'success',
        reasons: ['created'],
        requestId: 'r1',
        service: 'orders',
        tags: { team: 'ops', é: 'accent', Z: 'upper' },
      },
      {
        time: '2026-11-23T12:00:01.000Z',
        actor: 'dev',
        action: 'service.scale',
        target: 'service/orders',
        before: { replicas: 2 },
        after: { replicas: 4 },
        outcome: 'failure',
        reasons: ['the cluster refused', 'retry later'],
        requestId: 'r2',
        service: 'orders',
        intent: 'b0c3',
      },
      {
        time: '2026-11-23T12:00:02.000Z',
        actor: 'svc:alarm',
        action: 'lookup.listRules',
        target: '/rules',
        before: { query: { limit: '10' } },
        after: null,
        outcome: 'denied',
        reasons: [],
        requestId: 'r3',
        service: 'orders',
        kind: 'lookup',
      },
    ] as AuditEntry[];
    // Computed with the pre-RFC 8785 canonicalJson (commit 95c5c7d) and frozen here.
    const hashesThen = [
      '19db0f130beef76e872ab8c1dc9dc00eb10512704c48b96d864d1b9c7e3e7e74',
      'a33cfa4d173c594dc9b6cbc796af4edb43feaff23b4b42a7d4fa52189e5505d0',
      '24b177267bf4be45d75809e891f2a8cebcc7d6408fb527af944f5283085f1850',
    ];
    const records: AuditRecord[] = [];
    for (const entry of entries) records.push(chainEntry(entry, 'service#orders', records.at(-1) ?? null));
    expect(records.map((record) => record.hash)).toEqual(hashesThen);
    expect(verifyChain(records)).toBeNull();
  });

  // RFC 8785 section 3.2.2 and 3.2.3: the sample input, as parsed, and its canonical form.
  it("writes the RFC's sample object as the RFC does", () => {
    const sample = JSON.parse(
      '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],' +
        ' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/", "literals": [null, true, false]}',
    );
    expect(canonicalJson(sample)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it("sorts the RFC's property names by UTF-16 code units (section 3.2.3)", () => {
    const names = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    // "1" first would be JavaScript's own property order; RFC 8785 puts "\r" (U+000D) before it.
    expect(canonicalJson(names)).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",' +
        '"\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
  });

  it("writes the RFC's appendix B numbers as ECMAScript does", () => {
    const table: [string, string][] = [
      ['0000000000000000', '0'],
      ['8000000000000000', '0'],
      ['0000000000000001', '5e-324'],
      ['8000000000000001', '-5e-324'],
      ['7fefffffffffffff', '1.7976931348623157e+308'],
      ['ffefffffffffffff', '-1.7976931348623157e+308'],
      ['4340000000000000', '9007199254740992'],
      ['c340000000000000', '-9007199254740992'],
      ['4430000000000000', '295147905179352830000'],
      ['44b52d02c7e14af5', '9.999999999999997e+22'],
      ['44b52d02c7e14af6', '1e+23'],
      ['44b52d02c7e14af7', '1.0000000000000001e+23'],
      ['444b1ae4d6e2ef4e', '999999999999999700000'],
      ['444b1ae4d6e2ef4f', '999999999999999900000'],
      ['444b1ae4d6e2ef50', '1e+21'],
      ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
      ['3eb0c6f7a0b5ed8d', '0.000001'],
      ['41b3de4355555553', '333333333.3333332'],
      ['41b3de4355555554', '333333333.33333325'],
      ['41b3de4355555555', '333333333.3333333'],
      ['41b3de4355555556', '333333333.3333334'],
      ['41b3de4355555557', '333333333.33333343'],
      ['becbf647612f3696', '-0.0000033333333333333333'],
      ['43143ff3c1cb0959', '1424953923781206.2'],
    ];
    for (const [bits, text] of table) expect(canonicalJson(fromBits(bits)), bits).toBe(text);
  });

  it('refuses what RFC 8785 refuses: NaN, Infinity and lone surrogates, in values and in names', () => {
    expect(() => canonicalJson(fromBits('7fffffffffffffff'))).toThrow(CanonicalJsonError);
    expect(() => canonicalJson({ a: [Number.POSITIVE_INFINITY] })).toThrow(CanonicalJsonError);
    expect(() => canonicalJson({ a: 'x\ud800' })).toThrow(/lone surrogate/);
    expect(() => canonicalJson({ '\udc00': 1 })).toThrow(/lone surrogate/);
    expect(() => canonicalJson(10n)).toThrow(CanonicalJsonError);
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(() => canonicalJson(cycle)).toThrow(CanonicalJsonError);
  });

  it('refuses any string the reference implementation refuses', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.integer({ min: 0xd700, max: 0xe000 }).map((code) => String.fromCharCode(code)) }), (text) => {
        let oracle: string | Error;
        try {
          oracle = canonicalize(text) as string;
        } catch (error) {
          oracle = error as Error;
        }
        if (oracle instanceof Error) return throws(() => canonicalJson(text));
        return canonicalJson(text) === oracle;
      }),
    );
  });

  it('takes a value as JSON.stringify sees it: toJSON, left-out undefined members, null for undefined elements', () => {
    const value = { when: new Date('2026-12-03T00:00:00Z'), gone: undefined, list: [undefined, 1] };
    expect(canonicalJson(value)).toBe('{"list":[null,1],"when":"2026-12-03T00:00:00.000Z"}');
    expect(canonicalJson(value)).toBe(canonicalize(value));
  });
});

function throws(run: () => unknown): boolean {
  try {
    run();
    return false;
  } catch (error) {
    return error instanceof CanonicalJsonError;
  }
}
