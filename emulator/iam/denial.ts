import type { ServerResponse } from 'node:http';
import { escapeXml } from '../http';
import type { Check } from './actions';

/**
 * A refused call, answered as each service answers it: the SDK turns these into the
 * service's own exception (AccessDeniedException, S3's AccessDenied, SNS's
 * AuthorizationError …). The message follows the IAM User Guide's format: "User: <caller> is
 * not authorized to perform: <action> on resource: <arn> because …".
 */
type Format = {
  code: string;
  status: number;
  wire: 'json1.0' | 'json1.1' | 'rest-json' | 'xml' | 'query';
};

const FORMATS: Record<string, Format> = {
  // DynamoDB: JSON 1.0, coral error type (dynalite answers other errors the same way).
  dynamodb: {
    code: 'com.amazon.coral.service#AccessDeniedException',
    status: 400,
    wire: 'json1.0',
  },
  sagemaker: { code: 'AccessDeniedException', status: 400, wire: 'json1.1' },
  states: { code: 'AccessDeniedException', status: 400, wire: 'json1.0' },
  secretsmanager: { code: 'AccessDeniedException', status: 400, wire: 'json1.1' },
  events: { code: 'AccessDeniedException', status: 400, wire: 'json1.1' },
  // SQS (JSON protocol, query-compatible): the query error code rides in x-amzn-query-error.
  sqs: { code: 'AccessDenied', status: 403, wire: 'json1.0' },
  // Greengrass V2, IoT and Lambda document AccessDeniedException with HTTP 403.
  greengrass: { code: 'AccessDeniedException', status: 403, wire: 'rest-json' },
  iot: { code: 'AccessDeniedException', status: 403, wire: 'rest-json' },
  lambda: { code: 'AccessDeniedException', status: 403, wire: 'rest-json' },
  // The IoT data plane models ForbiddenException (403) for refused requests.
  iotdata: { code: 'ForbiddenException', status: 403, wire: 'rest-json' },
  // SNS (query): AuthorizationError, 403 (SNS API reference, common errors of Publish).
  sns: { code: 'AuthorizationError', status: 403, wire: 'query' },
  sts: { code: 'AccessDenied', status: 403, wire: 'query' },
  // S3 REST XML: <Error><Code>AccessDenied</Code> with 403.
  s3: { code: 'AccessDenied', status: 403, wire: 'xml' },
};

export const deniedMessage = (callerArn: string, check: Check, reason: string) =>
  `User: ${callerArn} is not authorized to perform: ${check.action} on resource: ${check.resource} ${reason}`;

const requestId = () => crypto.randomUUID();

/** The error code a refused call to `service` carries (for tests and call records). */
export const deniedCode = (service: string) =>
  (FORMATS[service]?.code ?? 'AccessDeniedException').replace(/^.*#/, '');

export const sendDenied = (
  res: ServerResponse,
  service: string,
  message: string,
  code = FORMATS[service]?.code ?? 'AccessDeniedException',
  status = FORMATS[service]?.status ?? 403,
) => {
  const wire = FORMATS[service]?.wire ?? 'rest-json';
  const id = requestId();
  if (wire === 'xml' || wire === 'query') {
    const error = `<Error>${wire === 'query' ? '<Type>Sender</Type>' : ''}<Code>${code}</Code><Message>${escapeXml(message)}</Message>${wire === 'xml' ? `<RequestId>${id}</RequestId>` : ''}</Error>`;
    const xml =
      wire === 'xml'
        ? `<?xml version="1.0" encoding="UTF-8"?>\n${error}`
        : `<ErrorResponse>${error}<RequestId>${id}</RequestId></ErrorResponse>`;
    res.writeHead(status, {
      'content-type': wire === 'xml' ? 'application/xml' : 'text/xml',
      'x-amzn-requestid': id,
      'x-amz-request-id': id,
      'content-length': Buffer.byteLength(xml),
    });
    res.end(xml);
    return;
  }
  const text = JSON.stringify({ __type: code, message, Message: message });
  res.writeHead(status, {
    'content-type':
      wire === 'json1.0'
        ? 'application/x-amz-json-1.0'
        : wire === 'json1.1'
          ? 'application/x-amz-json-1.1'
          : 'application/json',
    'x-amzn-errortype': code.replace(/^.*#/, ''),
    'x-amzn-requestid': id,
    ...(service === 'sqs' ? { 'x-amzn-query-error': `${code};Sender` } : {}),
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
};
