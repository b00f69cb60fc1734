import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { approvalApiGateway } from './api-gateway';
import type { Backends } from './backends';
import type { ControlApi } from './control-api';
import type { withInjectedFaults } from './faults';
import { AwsError, type Protocol, readBody, sendError, sendJson } from './http';
import { sendDenied } from './iam/denial';
import { refusalOf } from './iam/gate';
import type { Principals } from './iam/principals';
import { LOCAL_REGION } from './local-stage';
import {
  markLastCall,
  parsedJson,
  resolveJson,
  resolveQuery,
  resolveRest,
  type Signed,
} from './operations';
import { PRESIGNED_URL_EXPIRED, presignedUrlExpiresAt } from './presigned-expiry';
import { signingService, TARGETS } from './routes';
import type { ServiceApis } from './service-apis';
import type { lambdaInvoke } from './services/lambda';
import { validateCall } from './validate';
import type { ApiCall, World } from './world';

export type RouterDeps = {
  url: string;
  world: World;
  principals: Principals;
  backends: Backends;
  apis: ServiceApis;
  lambdaInvoke: ReturnType<typeof lambdaInvoke>;
  approvals: ReturnType<typeof approvalApiGateway>;
  control: ControlApi;
  injectFaults: ReturnType<typeof withInjectedFaults>;
};

const refuse = (world: World, res: ServerResponse, call: ApiCall, message: string) => {
  call.status = 403;
  world.refusals.push({ ...call, message });
  sendDenied(res, call.service, message);
};

/**
 * The protocol router: one port for every service. Unsigned requests are the approval
 * API (API Gateway) and the emulator's controls; a signed request goes to the service of
 * its SigV4 scope, through IAM (the caller's policies), the operation's documented
 * constraints and the injected faults, in that order.
 */
export const protocolRouter =
  (deps: RouterDeps) =>
  (req: IncomingMessage, res: ServerResponse): void => {
    void route(deps, req, res);
  };

const route = async (deps: RouterDeps, req: IncomingMessage, res: ServerResponse) => {
  const u = new URL(req.url ?? '/', deps.url);
  const service = signingService(req);
  const internal = req.headers['x-emulator-internal'] === '1';
  if (!service) return unsigned(deps, req, res, u);
  // The emulator's own clients act as AWS itself (no IAM); everyone else is a caller.
  const caller = internal ? undefined : deps.principals.callerOf(req);
  if (caller && 'invalid' in caller)
    return sendDenied(
      res,
      service,
      caller.invalid,
      service === 's3' ? 'InvalidAccessKeyId' : 'UnrecognizedClientException',
      403,
    );
  const signed = { req, res, u, service, caller, internal };
  if (service === 'dynamodb' || service === 's3') return storage(deps, signed);
  return awsApi(deps, signed);
};

const unsigned = async (deps: RouterDeps, req: IncomingMessage, res: ServerResponse, u: URL) => {
  const body = await readBody(req);
  if (u.pathname.startsWith('/approvals/')) return deps.approvals(req, res, body, u);
  if (u.pathname.startsWith('/_emulator/')) {
    try {
      const path = u.pathname.slice('/_emulator/'.length);
      const answer = await deps.control(req.method ?? 'GET', path, parsedJson(body));
      return sendJson(res, 200, answer, 'rest-json');
    } catch (error) {
      return sendJson(res, 400, { message: (error as Error).message }, 'rest-json');
    }
  }
  return sendJson(res, 404, { message: 'not an AWS request' }, 'rest-json');
};

/** DynamoDB and S3: counted and authorized here, answered by the storage backends. */
const storage = async (deps: RouterDeps, { req, res, u, service, caller, internal }: Signed) => {
  const { world } = deps;
  const call = {
    service,
    operation:
      service === 'dynamodb'
        ? String(req.headers['x-amz-target'] ?? '')
            .split('.')
            .pop()!
        : `${req.method} object`,
    at: world.clock.now(),
    status: 0,
  };
  if (!internal) world.calls.push(call);
  const expiresAt = service === 's3' ? presignedUrlExpiresAt(u.searchParams) : undefined;
  if (expiresAt !== undefined && world.clock.now() > expiresAt) {
    call.status = 403;
    return sendDenied(res, service, PRESIGNED_URL_EXPIRED);
  }
  let forwarded: IncomingMessage = req;
  if (caller?.kind === 'role') {
    // DynamoDB names its table in the body: read it, then replay it to dynalite.
    const body = service === 'dynamodb' ? await readBody(req) : Buffer.alloc(0);
    if (service === 'dynamodb')
      forwarded = Object.assign(Readable.from(body.length ? [body] : []), {
        headers: req.headers,
        method: req.method,
        url: req.url,
      }) as unknown as IncomingMessage;
    const refusal = await refusalOf(
      caller,
      {
        service,
        operation: call.operation,
        input: parsedJson(body),
        s3: {
          method: req.method ?? 'GET',
          path: u.pathname,
          query: u.searchParams,
          copySource: req.headers['x-amz-copy-source'] as string | undefined,
        },
      },
      LOCAL_REGION,
    );
    if (refusal) return refuse(world, res, call, refusal.message);
  }
  return service === 'dynamodb'
    ? deps.backends.dynamodb(forwarded, res)
    : deps.backends.s3(forwarded, res);
};

/** The services the emulator implements itself. */
const awsApi = async (deps: RouterDeps, signed: Signed) => {
  const { world } = deps;
  const { req, res, u, service, caller, internal } = signed;
  const target = TARGETS[service];
  const protocol = target?.protocol ?? 'rest-json';
  const body = await readBody(req);
  let operation = `${req.method} ${u.pathname}`;
  try {
    if (!target)
      throw new AwsError(
        'UnknownOperationException',
        `The emulator does not implement ${service}`,
        400,
      );
    const resolution =
      protocol === 'json'
        ? resolveJson(deps, signed, target.prefix!, body)
        : protocol === 'query'
          ? resolveQuery(deps, signed, body)
          : resolveRest(deps, signed, body, operation);
    operation = resolution.operation;
    const { authRequest, respond } = resolution.prepare();
    const call = { service, operation, at: world.clock.now(), status: 200 };
    if (!internal) world.calls.push(call);
    if (caller?.kind === 'role' && service !== 'sts') {
      const refusal = await refusalOf(caller, authRequest, LOCAL_REGION);
      if (refusal) return refuse(world, res, call, refusal.message);
    }
    // The operation's documented constraints, from AWS's service model (validate.ts).
    validateCall(service, protocol, operation, {
      method: req.method!,
      url: u,
      headers: req.headers,
      body,
    });
    if (internal) await respond(res);
    else await deps.injectFaults(call, respond, res);
  } catch (error) {
    const e = asAwsError(error, protocol);
    markLastCall(world, operation, e.status);
    sendError(res, protocol, e);
  }
};

const asAwsError = (error: unknown, protocol: Protocol) =>
  error instanceof AwsError
    ? error
    : new AwsError(
        protocol === 'json' ? 'InternalFailure' : 'InternalServerException',
        (error as Error).message,
        500,
      );
