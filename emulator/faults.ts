import { AwsError } from './http';
import { serviceModel } from './service-models';

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
