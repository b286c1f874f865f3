import { describe, expect, it } from 'vitest';
import { openApiDocument } from '#functions/openapi/document.ts';

const paths = openApiDocument().paths as Record<string, Record<string, { responses: Record<string, unknown> }>>;

describe("the OpenAPI document's 404 answers", () => {
  it('lists 404 for GET /audit/verify, which answers it for a service that never had a stream', () => {
    expect(paths['/audit/verify']!.get!.responses).toHaveProperty('404');
  });

  it('lists none for GET /audit, which answers an empty page for an unknown service', () => {
    expect(paths['/audit']!.get!.responses).not.toHaveProperty('404');
  });

  it('lists 404 for PATCH /services/{name}', () => {
    expect(paths['/services/{name}']!.patch!.responses).toHaveProperty('404');
  });
});
