/**
 * Helpers for the conformance suite: what the official client's typed models know of, and raw
 * requests made with the client's own kubeconfig handling (CA, token), for the answers the
 * typed API has no model for (Tables) or to see exactly what the server sent.
 */
import https from 'node:https';
import * as k8s from '@kubernetes/client-node';

interface Attribute {
  baseName: string;
  type: string;
}

type Model = { getAttributeTypeMap(): Attribute[] };

/**
 * The JSON paths in `value` that the client's model `type` (e.g. 'V1Deployment') has no field for:
 * a server that invents a field, or misspells one, shows up here. Types the client does not model
 * (maps of strings, IntOrString, quantities) are taken as they are.
 */
export function unknownFields(value: unknown, type: string, path = '$'): string[] {
  if (value === null || value === undefined) return [];
  const array = /^Array<(.+)>$/.exec(type);
  if (array) return Array.isArray(value) ? value.flatMap((item, i) => unknownFields(item, array[1]!, `${path}[${i}]`)) : [`${path} (not an array)`];
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) return Object.entries(value as object).flatMap(([key, item]) => unknownFields(item, map[1]!, `${path}.${key}`));
  const model = (k8s as unknown as Record<string, Model | undefined>)[type];
  if (typeof model?.getAttributeTypeMap !== 'function') return [];
  if (typeof value !== 'object' || Array.isArray(value)) return [`${path} (not an object)`];
  const attributes = model.getAttributeTypeMap();
  return Object.entries(value).flatMap(([key, item]) => {
    const attribute = attributes.find((a) => a.baseName === key);
    return attribute ? unknownFields(item, attribute.type, `${path}.${key}`) : [`${path}.${key}`];
  });
}

/** A GET with the kubeconfig's server, CA and token, answering the status and the parsed body. */
export async function rawGet(kc: k8s.KubeConfig, path: string, accept = 'application/json'): Promise<{ status: number; body: any }> {
  const server = new URL(kc.getCurrentCluster()!.server);
  const options: https.RequestOptions = { method: 'GET', host: server.hostname, port: server.port, path, headers: { accept } };
  await kc.applyToHTTPSOptions(options);
  return new Promise((resolve, reject) => {
    https
      .get(options, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

/** The V1Status an ApiException carries, parsed; the client leaves it as the raw text. */
export function statusOf(err: unknown): { code: number; status: any } {
  if (!(err instanceof k8s.ApiException)) throw err;
  const body = typeof err.body === 'string' ? JSON.parse(err.body) : err.body;
  return { code: err.code, status: body };
}
