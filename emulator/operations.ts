import type { IncomingMessage, ServerResponse } from 'node:http';
import { AwsError, sendJson, sendXml } from './http';
import type { ApiRequest } from './iam/actions';
import { sendDenied } from './iam/denial';
import type { Caller } from './iam/principals';
import { LOCAL_ACCOUNT } from './local-stage';
import { checkedResponse } from './responses';
import type { RouterDeps } from './router';
import { CREATED, OPERATION_NAMES } from './routes';
import type { World } from './world';

/**
 * Which operation a signed request names, by its service's protocol (AWS JSON, query, REST
 * JSON), and how to authorize and answer it. Naming comes first: an answer that fails is
 * still counted against the operation.
 */

/** One signed request: the service it was signed for and who signed it (none: the emulator itself). */
export type Signed = {
  req: IncomingMessage;
  res: ServerResponse;
  u: URL;
  service: string;
  caller: Caller | undefined;
  internal: boolean;
};

export type Respond = (res: ServerResponse) => Promise<void>;

/** An operation named by the request, and how to authorize and answer it. */
export type Resolution = {
  operation: string;
  prepare: () => { authRequest: ApiRequest; respond: Respond };
};
export const parsedJson = (body: Buffer) => (body.length ? JSON.parse(body.toString('utf8')) : {});

/** Call counts report the status of the last call when it is this operation's. */
export const markLastCall = (world: World, operation: string, status: number) => {
  const last = world.calls.at(-1);
  if (last && last.operation === operation) last.status = status;
};

/** AWS JSON 1.0/1.1: the operation is the X-Amz-Target after the service's prefix. */
export const resolveJson = (
  deps: RouterDeps,
  { req, service }: Signed,
  prefix: string,
  body: Buffer,
): Resolution => {
  const operation = String(req.headers['x-amz-target'] ?? '').slice(prefix.length);
  return {
    operation,
    prepare: () => {
      const fn = deps.apis.json[service]?.[operation];
      if (!fn)
        throw new AwsError(
          'UnknownOperationException',
          `${service}.${operation} is not implemented by the emulator`,
        );
      const input = parsedJson(body);
      return {
        authRequest: { service, operation, input },
        respond: async (res) =>
          sendJson(
            res,
            200,
            checkedResponse(
              service,
              operation,
              await fn(input, { origin: `http://${req.headers.host}` }),
            ),
            'json',
          ),
      };
    },
  };
};

/** AWS query: the operation is the form's Action. STS checks the caller itself. */
export const resolveQuery = (
  deps: RouterDeps,
  { req, service, caller }: Signed,
  body: Buffer,
): Resolution => {
  const { world, apis } = deps;
  const form = new URLSearchParams(body.toString('utf8'));
  const operation = form.get('Action') ?? '';
  return {
    operation,
    prepare: () => {
      const stsCall = service === 'sts' ? apis.sts[operation as keyof typeof apis.sts] : undefined;
      const fn = apis.query[service]?.[operation];
      if (!fn && !stsCall)
        throw new AwsError('InvalidAction', `${operation} is not implemented by the emulator`);
      const respond: Respond = stsCall
        ? async (res) => {
            // STS evaluates the caller's policy and the role's trust policy itself.
            const out = await stsCall(caller ?? (deps.principals.callerOf(req) as Caller), form);
            if ('xml' in out) return sendXml(res, 200, out.xml);
            markLastCall(world, operation, 403);
            world.refusals.push({ service, operation, at: world.clock.now(), message: out.denied });
            sendDenied(res, 'sts', out.denied);
          }
        : async (res) => sendXml(res, 200, await fn!(form));
      return { authRequest: { service, operation, input: Object.fromEntries(form) }, respond };
    },
  };
};

/** REST JSON: the operation is the route the method and path match. */
export const resolveRest = (
  deps: RouterDeps,
  { req, u, service, caller }: Signed,
  body: Buffer,
  unmatched: string,
): Resolution => {
  const path = u.pathname;
  // Greengrass and IoT resources belong to the caller's account.
  const routes = deps.apis.restRoutes(caller?.account ?? LOCAL_ACCOUNT, service);
  const route = routes.find((r) => r.method === req.method && r.regex.test(path));
  if (!route)
    return {
      operation: unmatched,
      prepare: () => {
        throw new AwsError(
          'UnknownOperationException',
          `${req.method} ${path} is not implemented by the emulator`,
          404,
        );
      },
    };
  const operation = OPERATION_NAMES[route.key] ?? route.key;
  return {
    operation,
    prepare: () => {
      const m = route.regex.exec(path)!;
      const params = Object.fromEntries(
        route.names.map((n, i) => [n, decodeURIComponent(m[i + 1]!)]),
      );
      const authRequest = {
        service,
        operation,
        input: service === 'iotdata' ? {} : parsedJson(body),
        params,
      };
      if (service === 'lambda') {
        const invocationType = String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse');
        return {
          authRequest,
          respond: (res) => deps.lambdaInvoke(res, params.name!, body, invocationType),
        };
      }
      const input = service === 'iotdata' ? body : parsedJson(body);
      return {
        authRequest,
        respond: async (res) =>
          sendJson(
            res,
            CREATED.has(route.key) ? 201 : 200,
            checkedResponse(service, operation, await route.handler(input, params, u.searchParams)),
            'rest-json',
          ),
      };
    },
  };
};
