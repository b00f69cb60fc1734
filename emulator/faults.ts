import type { ServerResponse } from 'node:http';
import { AwsError } from './http';
import { serviceModel } from './service-models';
import type { ApiCall, World } from './world';

/**
 * Injected faults (`--api-fault-rate`, simulated outages) answer with the errors the
 * operation's service model lists, so retries are tested against real codes: IoT
 * ServiceUnavailableException (503) / InternalFailureException, IoT data
 * InternalFailureException, SNS InternalError and Throttled (429), Greengrass
 * InternalServerException / ThrottlingException, … Operations whose model lists none
 * answer the generic InternalFailure (500) / ThrottlingException (400) of AWS's JSON services.
 */
export type FaultKind = 'throttle' | 'server';

export const modelledFault = (
  service: string,
  operation: string,
  kind: FaultKind,
  pick = 0,
): { code: string; status: number } => {
  const model = serviceModel(service);
  const errors = (model?.operations[operation]?.errors ?? []).map((name) => ({
    name,
    shape: model!.shapes[name],
  }));
  // KMS and EC2 faults are about a dependency the project does not use (customer keys, VPC).
  const candidates = errors
    .filter(({ name }) => !/kms|ec2/i.test(name))
    .filter(({ name, shape }) =>
      kind === 'throttle'
        ? /throttl|TooManyRequests/i.test(name)
        : /internal|unavailable|ServiceException|ServiceError/i.test(name) &&
          (Boolean(shape?.fault) || (shape?.error?.status ?? 0) >= 500),
    )
    .map(({ name, shape }) => ({
      code: shape?.error?.code ?? name,
      status: shape?.error?.status ?? (kind === 'throttle' ? 400 : 500),
    }));
  if (candidates.length)
    return candidates[Math.min(candidates.length - 1, Math.floor(pick * candidates.length))]!;
  return kind === 'throttle'
    ? { code: 'ThrottlingException', status: 400 }
    : { code: 'InternalFailure', status: 500 };
};

export const faultError = (
  service: string,
  operation: string,
  kind: FaultKind,
  message: string,
  pick = 0,
) => {
  const { code, status } = modelledFault(service, operation, kind, pick);
  return new AwsError(code, message, status);
};

/** A response that goes nowhere: the work of a call whose answer is lost. */
const lostAnswer = () => {
  const sink = {
    writeHead: () => sink,
    end: () => undefined,
    setHeader: () => undefined,
  } as unknown as ServerResponse;
  return sink;
};

/**
 * Runs an API call under the faults the options ask for: a simulated outage of one
 * operation (every call fails until it is cleared); throttling or a 5xx before the work;
 * or a 5xx after it (the answer is lost, the side effect happened), for every call of
 * `lostAnswerOperations` and at random at `apiFaultRate`: what retries must survive.
 * `faults` is the seeded stream the decisions draw from.
 */
export const withInjectedFaults =
  (world: World, faults: () => number) =>
  async (
    call: ApiCall,
    respond: (res: ServerResponse) => Promise<void>,
    res: ServerResponse,
  ): Promise<void> => {
    const { service, operation } = call;
    const name = `${service}.${operation}`;
    if (world.options.failingOperations.includes(name)) {
      const outage = faultError(
        service,
        operation,
        'server',
        `${name} is unavailable (simulated outage)`,
      );
      call.status = outage.status;
      call.injected = true;
      throw outage;
    }
    const loseAnswer = world.options.lostAnswerOperations.includes(name);
    if (!loseAnswer && !(world.options.apiFaultRate > 0 && faults() < world.options.apiFaultRate))
      return respond(res);
    const kind = loseAnswer ? 1 : faults();
    // The operation's modelled throttling and server errors.
    const injected = (k: FaultKind, message: string) => {
      const e = faultError(service, operation, k, message, faults());
      call.status = e.status;
      call.injected = true;
      return e;
    };
    if (kind < 0.4) throw injected('throttle', 'Rate exceeded (injected)');
    if (kind < 0.7) throw injected('server', 'Internal error (injected)');
    await respond(lostAnswer()).catch(() => undefined);
    throw injected('server', 'Internal error after processing (injected)');
  };
