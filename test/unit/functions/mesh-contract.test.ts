import { describe, expect, it } from 'vitest';
import { readTextBody } from '#functions/http/http.ts';
import { validateRequest } from '#functions/http/request.ts';
import { MANIFEST_CONTENT_TYPES, meshContract } from '#functions/mesh/contract.ts';
import { meshOpsContract } from '#functions/mesh-ops/contract.ts';

const event = (body: string | undefined, headers: Record<string, string> = {}, query?: Record<string, string>) =>
  ({ body, isBase64Encoded: false, headers, ...(query ? { queryStringParameters: query } : {}) }) as never;
const caller = { actor: 'user/alice', requestId: 'req-1' };

describe('a manifest sent as the body', () => {
  it('is read as the file’s text with the content type it came with, whatever its YAML says', () => {
    const text = 'name: receipt-svc\nport: 8080\n';
    expect(readTextBody(event(text, { 'Content-Type': 'application/yaml; charset=utf-8' }), MANIFEST_CONTENT_TYPES)).toEqual({
      text,
      contentType: 'application/yaml',
    });
    expect(readTextBody(event(text), MANIFEST_CONTENT_TYPES)).toEqual({ text });
    const encoded = { body: Buffer.from(text).toString('base64'), isBase64Encoded: true, headers: { 'content-type': 'text/plain' } };
    expect(readTextBody(encoded, MANIFEST_CONTENT_TYPES)).toEqual({ text, contentType: 'text/plain' });
  });

  it('is refused over 64 KiB (413), empty (400), or sent as a form (400 naming content-type, with the curl that works)', () => {
    const big = `name: x\n# ${'a'.repeat(64 * 1024)}`;
    expect(() => readTextBody(event(big, { 'content-type': 'application/yaml' }), MANIFEST_CONTENT_TYPES)).toThrow(
      expect.objectContaining({ name: 'PayloadTooLargeError' }),
    );
    expect(() => readTextBody(event('  \n'), MANIFEST_CONTENT_TYPES)).toThrow(expect.objectContaining({ code: 'missing_body' }));
    expect(() => readTextBody(event(undefined), MANIFEST_CONTENT_TYPES)).toThrow(expect.objectContaining({ code: 'missing_body' }));
    const form = () => readTextBody(event('name=x', { 'content-type': 'application/x-www-form-urlencoded' }), MANIFEST_CONTENT_TYPES);
    expect(form).toThrow(expect.objectContaining({ code: 'unsupported_media_type', field: 'content-type' }));
    expect(form).toThrow(/--data-binary @FILE/);
  });

  it('passes POST /manifests’s contract with dryRun read from the query', () => {
    const request = validateRequest(meshContract.applyManifest, event('port: 80', { 'content-type': 'application/json' }, { dryRun: 'true' }), {}, caller);
    expect(request.body).toEqual({ text: 'port: 80', contentType: 'application/json' });
    expect(request.dryRun).toBe(true);
    expect(() => validateRequest(meshContract.applyManifest, event('port: 80', {}, { force: 'true' }), {}, caller)).toThrow(
      expect.objectContaining({ code: 'unknown_field', field: 'query.force' }),
    );
  });
});

describe('chapter 7’s pause body', () => {
  const pause = (body: unknown) => () => validateRequest(meshOpsContract.pauseService, event(JSON.stringify(body)), {}, caller);

  it('takes a service and 1 to 10,080 minutes, with an optional reason', () => {
    expect(pause({ service: 'fraud-scanner', durationMin: 30 })().body).toEqual({ service: 'fraud-scanner', durationMin: 30 });
    expect(pause({ service: 'fraud-scanner', durationMin: 10_080, reason: 'IRS audit window' })().body.durationMin).toBe(10_080);
  });

  it('names the field of each bad value', () => {
    expect(pause({ service: 'fraud-scanner', durationMin: 0 })).toThrow(expect.objectContaining({ field: 'durationMin' }));
    expect(pause({ service: 'fraud-scanner', durationMin: 10_081 })).toThrow(expect.objectContaining({ field: 'durationMin' }));
    expect(pause({ service: 'fraud-scanner', durationMin: 2.5 })).toThrow(expect.objectContaining({ field: 'durationMin' }));
    expect(pause({ service: 'Fraud_Scanner', durationMin: 30 })).toThrow(expect.objectContaining({ field: 'service' }));
    expect(pause({ service: 'fraud-scanner', durationMin: 30, force: true })).toThrow(expect.objectContaining({ code: 'unknown_field', field: 'force' }));
  });
});

describe('DELETE /policies/pause/{service}: the resume', () => {
  const resume = (query?: Record<string, string>) => () =>
    validateRequest(
      meshOpsContract.resumeService,
      { ...(event(undefined, {}, query) as object), pathParameters: { service: 'fraud-scanner' } } as never,
      {},
      caller,
    );

  it('takes an optional reason in the query, for the audit record', () => {
    expect(resume({ reason: 'window over' })().query).toEqual({ reason: 'window over' });
    expect(resume()().query.reason).toBeUndefined();
  });

  it('refuses an empty or over-long reason, naming query.reason', () => {
    expect(resume({ reason: '' })).toThrow(expect.objectContaining({ field: 'query.reason' }));
    expect(resume({ reason: 'x'.repeat(513) })).toThrow(expect.objectContaining({ field: 'query.reason' }));
  });
});
