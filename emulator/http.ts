import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Wire-protocol helpers. AWS services answer in one of a few protocols; the SDK clients
 * parse errors from the status code plus either `__type` (JSON RPC), `x-amzn-errortype`
 * (REST JSON) or an XML `<Error><Code>` (query), so each helper speaks one of them.
 */
export type Protocol = 'json' | 'rest-json' | 'query';

export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = code;
  }
}

export const readBody = (req: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });

const requestId = () => `${Date.now().toString(16)}-${Math.random().toString(16).slice(2, 10)}`;

export const sendJson = (
  res: ServerResponse,
  status: number,
  body: unknown,
  protocol: Protocol = 'json',
) => {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': protocol === 'json' ? 'application/x-amz-json-1.1' : 'application/json',
    'x-amzn-requestid': requestId(),
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
};

export const sendXml = (res: ServerResponse, status: number, xml: string) => {
  res.writeHead(status, {
    'content-type': 'text/xml',
    'x-amzn-requestid': requestId(),
    'content-length': Buffer.byteLength(xml),
  });
  res.end(xml);
};

export const sendError = (res: ServerResponse, protocol: Protocol, error: AwsError) => {
  if (protocol === 'query') {
    const xml = `<ErrorResponse><Error><Type>${error.status >= 500 ? 'Receiver' : 'Sender'}</Type><Code>${error.code}</Code><Message>${escapeXml(error.message)}</Message></Error><RequestId>${requestId()}</RequestId></ErrorResponse>`;
    sendXml(res, error.status, xml);
    return;
  }
  const body = {
    __type: error.code,
    message: error.message,
    Message: error.message,
    ...error.extra,
  };
  const text = JSON.stringify(body);
  res.writeHead(error.status, {
    'content-type': protocol === 'json' ? 'application/x-amz-json-1.1' : 'application/json',
    'x-amzn-errortype': error.code,
    'x-amzn-requestid': requestId(),
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
};

export const escapeXml = (text: string) =>
  text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;');

/** Epoch seconds, the default timestamp format of AWS JSON protocols. */
export const epoch = (ms: number) => ms / 1000;

/** `required(body, 'Name')` → value, or the ValidationException AWS would answer. */
export const required = <T>(value: T | undefined | null, name: string): T => {
  if (value === undefined || value === null || value === '') {
    throw new AwsError(
      'ValidationException',
      `1 validation error detected: Value null at '${name}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
};

export const matches = (
  value: string,
  pattern: RegExp,
  name: string,
  maxLength: number,
  minLength = 1,
) => {
  if (value.length < minLength || value.length > maxLength) {
    throw new AwsError(
      'ValidationException',
      `1 validation error detected: Value '${value}' at '${name}' failed to satisfy constraint: Member must have length between ${minLength} and ${maxLength}`,
    );
  }
  if (!pattern.test(value)) {
    throw new AwsError(
      'ValidationException',
      `1 validation error detected: Value '${value}' at '${name}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${pattern.source}`,
    );
  }
};

/** Pages of `items` for a `nextToken` (an opaque offset). */
export const page = <T>(
  items: T[],
  nextToken: string | undefined,
  maxResults: number | undefined,
  cap = 100,
) => {
  const start = nextToken
    ? Number.parseInt(Buffer.from(nextToken, 'base64url').toString(), 10) || 0
    : 0;
  const size = Math.min(maxResults && maxResults > 0 ? maxResults : cap, cap);
  const slice = items.slice(start, start + size);
  const next =
    start + size < items.length
      ? Buffer.from(String(start + size)).toString('base64url')
      : undefined;
  return { items: slice, nextToken: next };
};

/** A page of a REST list whose nextToken and maxResults come in the query string. */
export const queryPage = <T>(items: T[], query: URLSearchParams, defaultMax: number, cap = 100) =>
  page(
    items,
    query.get('nextToken') ?? undefined,
    Number(query.get('maxResults') ?? defaultMax),
    cap,
  );
