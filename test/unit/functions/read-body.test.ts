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
