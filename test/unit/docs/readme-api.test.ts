import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { httpRoutes as routes } from '#functions/http-routes.ts';
import { openApiDocument } from '#functions/openapi/document.ts';

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
const reference = readme.slice(readme.indexOf('## API reference'), readme.indexOf('## Development'));
const documented = [...reference.matchAll(/^\| (GET|POST|PATCH|DELETE) \| (\S+) \| (\S+) \|/gm)].map(([, method, path, scope]) => `${method} ${path} ${scope}`);

describe("the README's API reference", () => {
  it('lists exactly the declared routes with their scopes', () => {
    expect(documented.sort()).toEqual(routes.map((r) => `${r.method} ${r.path} ${r.scope}`).sort());
  });

  it('agrees with the OpenAPI document on every path, method and scope', () => {
    const paths = openApiDocument().paths as Record<string, Record<string, { 'x-required-scope': string }>>;
    const fromOpenApi = Object.entries(paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => `${method.toUpperCase()} ${path} ${op['x-required-scope']}`),
    );
    expect(fromOpenApi.sort()).toEqual(documented.sort());
  });
});
