import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';

type Json = Record<string, any>;

/**
 * Checks answers against the response schemas an OpenAPI document declares, with a JSON Schema
 * 2020-12 validator (ajv, which the OpenAPI validator brings): the document's own words, not the
 * zod schemas they were generated from.
 */
export function responseChecker(document: Json) {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  const compiled = new Map<string, ValidateFunction>();
  const schemaOf = (path: string, method: string, status: number): Json => {
    const operation = document.paths?.[path]?.[method.toLowerCase()];
    if (!operation) throw new Error(`the document has no ${method} ${path}`);
    const response = operation.responses[String(status)];
    if (!response) throw new Error(`${method} ${path} documents no ${status} answer`);
    const schema = response.content?.['application/json']?.schema;
    if (!schema) throw new Error(`${method} ${path} ${status} has no JSON schema`);
    if (schema.$ref === '#/components/schemas/Error') return document.components.schemas.Error;
    return schema;
  };
  return {
    /** The validation errors of `body` as the answer `status` of `method path` (the path as declared, with {params}); null when valid. */
    check(method: string, path: string, status: number, body: unknown): string | null {
      const key = `${method} ${path} ${status}`;
      let validate = compiled.get(key);
      if (!validate) {
        validate = ajv.compile(schemaOf(path, method, status));
        compiled.set(key, validate);
      }
      return validate(body) ? null : ajv.errorsText(validate.errors, { dataVar: key });
    },
  };
}
