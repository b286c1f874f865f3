import { describe, expect, it } from 'vitest';
import { readBody } from '#functions/http/http.ts';

const read = (body: string) => () => readBody({ body, isBase64Encoded: false });

describe('a request body', () => {
  it('is refused with the field named when a string holds an unpaired surrogate escape, which no audit record could hash', () => {
    expect(read('{"tags":{"agency":"E\\ud800D"}}')).toThrow(expect.objectContaining({ code: 'malformed_json', field: 'tags.agency' }));
    expect(read('{"name":"\\udfff"}')).toThrow(expect.objectContaining({ code: 'malformed_json', field: 'name' }));
    expect(read('{"tags":{"\\ud800":"x"}}')).toThrow(expect.objectContaining({ code: 'malformed_json', field: 'tags' }));
  });

  it('is taken when its surrogates pair up, escaped or not', () => {
    expect(readBody({ body: '{"name":"\\ud83d\\ude00 😀"}', isBase64Encoded: false })).toEqual({ name: '😀 😀' });
  });
});

describe('a body that is not JSON', () => {
  const sent = (body: string, contentType?: string) => () =>
    readBody({ body, isBase64Encoded: false, headers: contentType ? { 'Content-Type': contentType } : {} });

  it('sent as YAML to a JSON route is unsupported_media_type naming content-type, not malformed JSON', () => {
    expect(sent('service: receipt-svc\ndurationMin: 30\n', 'application/yaml')).toThrow(
      expect.objectContaining({ code: 'unsupported_media_type', field: 'content-type' }),
    );
    expect(sent('service: a\n', 'text/yaml; charset=utf-8')).toThrow(expect.objectContaining({ code: 'unsupported_media_type' }));
  });

  it('sent as JSON or with no type is malformed_json; JSON with a form type still reads', () => {
    expect(sent('service: a\n', 'application/json')).toThrow(expect.objectContaining({ code: 'malformed_json' }));
    expect(sent('service: a\n')).toThrow(expect.objectContaining({ code: 'malformed_json' }));
    expect(sent('{"service":"a"}', 'application/x-www-form-urlencoded')()).toEqual({ service: 'a' });
  });
});
