import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

/**
 * What a bundled handler's AWS wiring reaches for a cluster, on loopback, for the cold-start bench:
 * - EKS DescribeCluster (`GET /clusters/{name}`, REST-JSON), answering this server as the endpoint;
 * - the cluster's API server: requests carrying an EKS token (`k8s-aws-v1.` + a presigned STS
 *   GetCallerIdentity URL that signs `x-k8s-aws-id`) or the simulator's own token are passed to the
 *   simulator with its token. EKS would ask STS whether the signature is good; this checks the
 *   token's shape and cluster, which is all a local stand-in can do without AWS.
 */
export interface EksFront {
  url: string;
  close(): Promise<void>;
}

const DESCRIBE_CLUSTER = /^\/clusters\/([^/?]+)$/;

function eksTokenProblem(token: string, clusterName: string, region: string): string | null {
  if (!token.startsWith('k8s-aws-v1.')) return 'not an EKS token';
  let url: URL;
  try {
    url = new URL(Buffer.from(token.slice('k8s-aws-v1.'.length), 'base64url').toString('utf8'));
  } catch {
    return 'the token is no URL';
  }
  const q = url.searchParams;
  if (url.host !== `sts.${region}.amazonaws.com`) return `the token signs for ${url.host}`;
  if (q.get('Action') !== 'GetCallerIdentity' || q.get('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256') return 'the token is no presigned GetCallerIdentity';
  if (!(q.get('X-Amz-SignedHeaders') ?? '').split(';').includes('x-k8s-aws-id')) return 'the token does not sign x-k8s-aws-id';
  if (Number(q.get('X-Amz-Expires')) > 60 || !q.get('X-Amz-Signature')) return 'the token is not a 60 s presigned URL';
  return clusterName === '' ? 'no cluster' : null;
}

export async function startEksFront(options: {
  simulatorUrl: string;
  simulatorToken: string;
  simulatorCaData?: string;
  clusterName: string;
  region: string;
}): Promise<EksFront> {
  const target = new URL(options.simulatorUrl);
  // The sandbox's simulator serves HTTPS with a certificate from the sandbox CA.
  const ca = options.simulatorCaData === undefined ? undefined : Buffer.from(options.simulatorCaData, 'base64');
  let selfUrl = '';
  const server = http.createServer((req, res) => {
    const described = DESCRIBE_CLUSTER.exec(req.url ?? '');
    if (req.method === 'GET' && described) {
      const found = decodeURIComponent(described[1]!) === options.clusterName;
      res.writeHead(found ? 200 : 404, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify(
          found
            ? { cluster: { name: options.clusterName, endpoint: selfUrl, status: 'ACTIVE', version: '1.33' } }
            : { message: `No cluster found for name: ${described[1]}.` },
        ),
      );
      return;
    }
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    const problem = token === options.simulatorToken ? null : eksTokenProblem(token, options.clusterName, options.region);
    if (problem) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message: `Unauthorized: ${problem}`, reason: 'Unauthorized', code: 401 }));
      return;
    }
    const forwarded = (target.protocol === 'https:' ? https : http).request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        ca,
        headers: { ...req.headers, host: target.host, authorization: `Bearer ${options.simulatorToken}` },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forwarded.on('error', (err) => {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(err.message);
    });
    req.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  selfUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url: selfUrl, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
