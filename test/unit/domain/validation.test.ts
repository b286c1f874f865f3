import { describe, expect, it } from 'vitest';
import { ValidationError } from '#domain/errors.ts';
import { createRuleSchema, createServiceSchema, updateRuleSchema } from '#domain/schemas.ts';
import { parseInput } from '#domain/validation.ts';

const rule = { service: 'eligibility-api', minReplicas: 4, maxReplicas: 20, trigger: { metric: 'http_rps', threshold: 500 } };
const service = {
  name: 'eligibility-api',
  cluster: 'sandbox',
  namespace: 'benefits',
  deployment: 'eligibility-api',
  tags: { agency: 'ED', program: 'FSA', fiscalYear: 'FY2026' },
};

function fieldOf(schema: Parameters<typeof parseInput>[0], input: unknown): { field: string | null; code: string } {
  try {
    parseInput(schema, input);
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return { field: (err as ValidationError).field, code: (err as ValidationError).code };
  }
  throw new Error('expected a validation error');
}

describe('rule validation', () => {
  it("accepts chapter 5's payload verbatim", () => expect(parseInput(createRuleSchema, rule)).toEqual(rule));

  it.each([
    ['negative min', { ...rule, minReplicas: -1 }, 'minReplicas'],
    ['fractional max', { ...rule, maxReplicas: 2.5 }, 'maxReplicas'],
    ['min above max', { ...rule, minReplicas: 30 }, 'maxReplicas'],
    ['max over 10,000', { ...rule, maxReplicas: 10_001 }, 'maxReplicas'],
    ['infinite threshold', { ...rule, trigger: { metric: 'http_rps', threshold: Infinity } }, 'trigger.threshold'],
    ['string threshold', { ...rule, trigger: { metric: 'http_rps', threshold: '500' } }, 'trigger.threshold'],
    ['missing trigger', { service: 'x', minReplicas: 1, maxReplicas: 2 }, 'trigger'],
    ['service not a DNS label', { ...rule, service: 'Eligibility_API' }, 'service'],
    ['scale-in threshold above threshold', { ...rule, scaleInThreshold: 600 }, 'scaleInThreshold'],
  ])('refuses %s, naming the field', (_, input, field) => {
    expect(fieldOf(createRuleSchema, input).field).toBe(field);
  });

  // PutMetricAlarm's Threshold is a Double with no documented range, so any positive finite double is a threshold:
  // https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html
  it('accepts the smallest and largest positive doubles as thresholds, and refuses 0, negatives and NaN', () => {
    for (const threshold of [Number.MIN_VALUE, 1e308, Number.MAX_VALUE]) {
      expect(parseInput(createRuleSchema, { ...rule, trigger: { metric: 'http_rps', threshold } }).trigger.threshold).toBe(threshold);
    }
    for (const threshold of [0, -1e-300, Number.NaN, -Infinity]) {
      expect(fieldOf(createRuleSchema, { ...rule, trigger: { metric: 'http_rps', threshold } }).field).toBe('trigger.threshold');
    }
  });

  it('refuses unknown fields by name', () => {
    expect(fieldOf(createRuleSchema, { ...rule, replicas: 3 })).toEqual({ field: 'replicas', code: 'unknown_field' });
    expect(fieldOf(createRuleSchema, { ...rule, trigger: { ...rule.trigger, op: '>' } })).toEqual({ field: 'trigger.op', code: 'unknown_field' });
  });

  it('refuses an empty edit', () => expect(() => parseInput(updateRuleSchema, {})).toThrow(ValidationError));
});

describe('service validation', () => {
  it('accepts a complete service', () => expect(parseInput(createServiceSchema, service).name).toBe('eligibility-api'));
  it('requires the tags', () => expect(fieldOf(createServiceSchema, { ...service, tags: { agency: 'ED' } }).field).toBe('tags.program'));
  it('refuses a namespace over 63 characters', () => expect(fieldOf(createServiceSchema, { ...service, namespace: 'a'.repeat(64) }).field).toBe('namespace'));

  it.each([10, 20, 30, 60, 120, 300, 3_600, 86_400, 604_800])(
    'accepts every alarm period PutMetricAlarm accepts, for a high-resolution metric: %i s',
    (periodSeconds) => {
      expect(parseInput(createServiceSchema, { ...service, metrics: { periodSeconds, highResolution: true } }).metrics?.periodSeconds).toBe(periodSeconds);
    },
  );

  it.each([60, 120, 3_600])('accepts a period of %i s without highResolution', (periodSeconds) => {
    expect(parseInput(createServiceSchema, { ...service, metrics: { periodSeconds } }).metrics).toEqual({ periodSeconds });
  });

  it.each([
    [10, undefined],
    [20, undefined],
    [30, false],
  ])('refuses a %i s period unless the metric is declared high resolution (highResolution %s), saying how to fix it', (periodSeconds, highResolution) => {
    const metrics = highResolution === undefined ? { periodSeconds } : { periodSeconds, highResolution };
    expect(fieldOf(createServiceSchema, { ...service, metrics }).field).toBe('metrics.periodSeconds');
    expect(() => parseInput(createServiceSchema, { ...service, metrics })).toThrow(
      /one-minute resolution.*scale-in alarm.*StorageResolution 1 and set metrics\.highResolution: true/,
    );
  });

  it('refuses a highResolution that is not a boolean', () => {
    expect(fieldOf(createServiceSchema, { ...service, metrics: { periodSeconds: 10, highResolution: 'yes' } }).field).toBe('metrics.highResolution');
  });

  it.each([0, 1, 5, 15, 45, 59, 61, 90, 604_860, 30.5])('refuses an alarm period of %s s, naming the field', (periodSeconds) => {
    expect(fieldOf(createServiceSchema, { ...service, metrics: { periodSeconds } }).field).toBe('metrics.periodSeconds');
  });
});
