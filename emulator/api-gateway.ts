import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FunctionRuntime } from './runtime/functions';

/** What a Lambda proxy integration answers: API Gateway turns it into the HTTP response. */
type ProxyResult = { statusCode: number; headers: Record<string, string>; body: string };

/** The routes serverless.yml gives the approval API, matched as API Gateway matches them. */
const routeOf = (path: string) => {
  const decision = /^\/approvals\/([^/]+)\/decision$/.exec(path);
  if (decision) return { routeKey: 'POST /approvals/{id}/decision', id: decision[1]! };
  const view = /^\/approvals\/([^/]+)$/.exec(path);
  if (view) return { routeKey: 'GET /approvals/{id}', id: view[1]! };
  return { routeKey: '$default', id: '' };
};

/** An HTTP API request as the payload format version 2.0 event a Lambda proxy integration receives. */
const httpApiEvent = (req: IncomingMessage, body: Buffer, u: URL) => {
  const { routeKey, id: encodedId } = routeOf(u.pathname);
  const id = decodeURIComponent(encodedId);
  return {
    version: '2.0',
    routeKey,
    rawPath: u.pathname,
    rawQueryString: u.search.slice(1),
    headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])),
    queryStringParameters: u.search ? Object.fromEntries(u.searchParams) : undefined,
    pathParameters: id ? { id } : undefined,
    requestContext: {
      http: {
        method: req.method,
        path: u.pathname,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: req.headers['user-agent'] ?? '',
      },
      routeKey: '',
      stage: '$default',
    },
    body: body.length ? body.toString('base64') : undefined,
    isBase64Encoded: body.length > 0,
  };
};

/**
 * API Gateway (HTTP API) in front of the approval function: the browser's request reaches
 * `approvalApi` as a proxy event, and its result becomes the response.
 */
export const approvalApiGateway =
  (functions: FunctionRuntime) =>
  async (req: IncomingMessage, res: ServerResponse, body: Buffer, u: URL) => {
    const out = (await functions.invoke('approvalApi', httpApiEvent(req, body, u))) as ProxyResult;
    res.writeHead(out.statusCode, out.headers);
    res.end(out.body);
  };
