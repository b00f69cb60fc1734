import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import {
  type ApprovalApiDeps,
  decideApproval,
  type HttpRequest,
  type HttpResponse,
  viewApproval,
} from './approval-api';
import { messagePage, SECURITY_HEADERS } from './page';

/** API Gateway HTTP API (payload 2.0) → our request shape; the body of a form POST parsed. */
export const toRequest = (event: APIGatewayProxyEventV2): HttpRequest => {
  const raw = event.body
    ? event.isBase64Encoded
      ? Buffer.from(event.body, 'base64').toString('utf8')
      : event.body
    : '';
  return {
    method: event.requestContext.http.method,
    approvalId: event.pathParameters?.id ?? '',
    query: event.queryStringParameters ?? {},
    form: Object.fromEntries(new URLSearchParams(raw)),
    headers: Object.fromEntries(
      Object.entries(event.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
    ),
    sourceIp: event.requestContext.http.sourceIp,
    userAgent: event.requestContext.http.userAgent,
  };
};

/** Routes the two approval endpoints; anything unexpected is a plain error page, never a stack trace. */
export const route = async (
  event: APIGatewayProxyEventV2,
  deps: ApprovalApiDeps & { logger: Logger },
): Promise<APIGatewayProxyStructuredResultV2> => {
  const request = toRequest(event);
  let response: HttpResponse;
  try {
    if (request.method === 'GET' && event.routeKey.endsWith('/approvals/{id}'))
      response = await viewApproval(request, deps);
    else if (request.method === 'POST' && event.routeKey.endsWith('/approvals/{id}/decision'))
      response = await decideApproval(request, deps);
    else
      response = {
        statusCode: 404,
        headers: SECURITY_HEADERS,
        body: messagePage('Not found', 'There is nothing here.'),
      };
  } catch (error) {
    deps.logger.error('approval request failed', {
      error: (error as Error).message,
      name: (error as Error).name,
    });
    response = {
      statusCode: 500,
      headers: SECURITY_HEADERS,
      body: messagePage(
        'Something went wrong',
        'Please open your link again in a minute: the page shows whether a decision was recorded and whether the release resumed.',
      ),
    };
  }
  return response;
};
