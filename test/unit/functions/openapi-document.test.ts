import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import type { Rule, Service } from '#domain/model.ts';
import { openApiDocument } from '#functions/openapi/document.ts';
import { createRule, deleteRule, updateRule } from '#use-cases/rules.ts';
import { createService, deleteService } from '#use-cases/services.ts';
import { memoryPorts } from '../use-cases/memory-ports.ts';
import { responseChecker } from './openapi-responses.ts';

const document = openApiDocument() as Record<string, any>;
const operations = Object.entries(document.paths as Record<string, Record<string, any>>).flatMap(([path, methods]) =>
  Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
);
const caller = { actor: 'user/alice', requestId: 'req-1' };
const tags = { agency: 'ED', program: 'FSA', fiscalYear: 'FY2026' };

describe('the OpenAPI document', () => {
  it('is valid OpenAPI 3.1 to an independent validator', async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('gives every success answer a real schema, and every 4xx and 5xx the error envelope', () => {
    expect(operations.length).toBeGreaterThan(20);
    for (const { path, method, operation } of operations) {
      const codes = Object.keys(operation.responses);
      expect(
        codes.some((code) => code.startsWith('2')),
        `${method} ${path}`,
      ).toBe(true);
      for (const code of codes) {
        const schema = operation.responses[code].content?.['application/json']?.schema;
        if (code.startsWith('2')) {
          expect(Object.keys(schema ?? {}).length, `${method} ${path} ${code}`).toBeGreaterThan(0);
        } else {
          expect(schema, `${method} ${path} ${code}`).toEqual({ $ref: '#/components/schemas/Error' });
        }
      }
      expect(codes).toEqual(expect.arrayContaining(['400', '401', '403', '500', '503']));
    }
  });

  it('documents the error envelope as {"error":{"code","message","field"}}', () => {
    const check = responseChecker(document);
    expect(check.check('GET', '/services/{name}', 404, { error: { code: 'not_found', message: 'service x', field: 'name' } })).toBeNull();
    expect(check.check('GET', '/services/{name}', 404, { error: { code: 'not_found', message: 'service x', field: null } })).toBeNull();
    expect(check.check('GET', '/services/{name}', 404, { error: { code: 'not_found', message: 'service x' } })).toMatch(/field/);
    expect(check.check('GET', '/services/{name}', 404, { message: 'service x' })).toMatch(/error/);
  });

  it('describes what the use cases answer, and refuses what they do not', async () => {
    const { ports } = memoryPorts();
    const check = responseChecker(document);
    const input = { name: 'eligibility-api', cluster: 'sandbox', namespace: 'benefits', deployment: 'eligibility-api', tags };

    const preview = await createService(ports, caller, input, { dryRun: true });
    expect(check.check('POST', '/services', 200, preview)).toBeNull();
    const service = (await createService(ports, caller, input, { dryRun: false })) as Service;
    expect(check.check('POST', '/services', 201, service)).toBeNull();
    expect(check.check('GET', '/services/{name}', 200, service)).toBeNull();
    expect(check.check('GET', '/services', 200, { services: [service] })).toBeNull();

    const ruleInput = { service: 'eligibility-api', minReplicas: 2, maxReplicas: 10, trigger: { metric: 'http_rps', threshold: 500 } };
    expect(check.check('POST', '/autoscale-rules', 200, await createRule(ports, caller, ruleInput, { dryRun: true }))).toBeNull();
    const rule = (await createRule(ports, caller, ruleInput, { dryRun: false })) as Rule;
    expect(check.check('POST', '/autoscale-rules', 201, rule)).toBeNull();
    const edit = { scaleInThreshold: 100 };
    expect(check.check('PATCH', '/autoscale-rules/{id}', 200, await updateRule(ports, caller, rule.ruleId, edit, { dryRun: true }))).toBeNull();
    expect(check.check('PATCH', '/autoscale-rules/{id}', 200, await updateRule(ports, caller, rule.ruleId, edit, { dryRun: false }))).toBeNull();
    expect(check.check('DELETE', '/autoscale-rules/{id}', 200, await deleteRule(ports, caller, rule.ruleId, { dryRun: false }))).toBeNull();
    expect(check.check('DELETE', '/services/{name}', 200, await deleteService(ports, caller, 'eligibility-api', { dryRun: false }))).toBeNull();
    expect(check.check('GET', '/audit', 200, await ports.audit.list({ limit: 10 }))).toBeNull();

    // A field missing, a field not documented, or a value of the wrong type is refused.
    const { version: _version, ...unversioned } = service;
    expect(check.check('GET', '/services/{name}', 200, unversioned)).toMatch(/version/);
    expect(check.check('GET', '/services/{name}', 200, { ...service, extra: 1 })).toMatch(/additional/);
    expect(check.check('GET', '/services/{name}', 200, { ...service, version: '1' })).toMatch(/number/);
  });
});
