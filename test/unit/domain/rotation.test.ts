import { describe, expect, it } from 'vitest';
import { alternateUsername, parsePostgresSecret, parseRotationEvent, parseRotationPolicy, strategyOf } from '#domain/rotation.ts';

describe('parseRotationPolicy', () => {
  it.each([
    [undefined, 24, 'rate(1 day)'],
    ['24h', 24, 'rate(1 day)'],
    ['4h', 4, 'rate(4 hours)'],
    ['36h', 36, 'rate(36 hours)'],
    ['7d', 168, 'rate(7 days)'],
  ])('reads %s', (text, hours, expression) => expect(parseRotationPolicy(text)).toEqual({ hours, scheduleExpression: expression }));

  it.each(['3h', '0d', '1w', '24', '-4h', '1000d'])('refuses %s, naming the tag', (text) => {
    expect(() => parseRotationPolicy(text)).toThrow(expect.objectContaining({ field: 'hms:rotation-policy' }));
  });
});

describe('parseRotationEvent', () => {
  const event = { SecretId: 'arn:aws:secretsmanager:us-east-1:1:secret:db-AbCdEf', ClientRequestToken: 'tok-1', Step: 'setSecret' };
  it('accepts the four steps', () => expect(parseRotationEvent(event)).toEqual(event));
  it('refuses an unknown step by name', () => {
    expect(() => parseRotationEvent({ ...event, Step: 'rotateSecret' })).toThrow(/unknown rotation step "rotateSecret"/);
  });
  it('refuses a missing token', () => expect(() => parseRotationEvent({ ...event, ClientRequestToken: '' })).toThrow(/ClientRequestToken/));
});

describe('strategies and secrets', () => {
  it('needs a known strategy tag', () => {
    expect(strategyOf({ 'hms:rotation-strategy': 'postgres-single-user' })).toBe('postgres-single-user');
    expect(() => strategyOf({})).toThrow(/has no hms:rotation-strategy/);
    expect(() => strategyOf({ 'hms:rotation-strategy': 'mysql' })).toThrow(/is not one of/);
  });

  it('alternates app and app_clone', () => {
    expect(alternateUsername('app')).toBe('app_clone');
    expect(alternateUsername('app_clone')).toBe('app');
  });

  it('reads a database secret with defaults, and refuses one without a password', () => {
    expect(parsePostgresSecret('{"host":"db","username":"app","password":"p"}', 'AWSCURRENT')).toMatchObject({
      engine: 'postgres',
      port: 5432,
      dbname: 'postgres',
    });
    expect(() => parsePostgresSecret('{"host":"db","username":"app"}', 'AWSCURRENT')).toThrow(/AWSCURRENT has no password/);
    expect(() => parsePostgresSecret('not json', 'AWSPENDING')).toThrow(/AWSPENDING is not JSON/);
  });
});
