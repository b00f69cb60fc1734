/**
 * The error taxonomy. Each `name` is what Lambda reports as `errorType` and what the
 * state machine matches in `ErrorEquals`, so the names are an API: they are literal
 * strings (a minified bundle renames classes) and tests cross-check them against the ASL.
 *
 * Two kinds: transient errors are retried by the state machine with backoff; permanent
 * errors are caught and end the execution through `Record Failure` with a cause a human
 * can act on.
 */
export abstract class PipelineError extends Error {
  abstract readonly retryable: boolean;
}

const permanent = (name: string) =>
  class extends PipelineError {
    readonly retryable = false;
    constructor(message: string, options?: ErrorOptions) {
      super(message, options);
      this.name = name;
    }
  };

/** Throttling, 5xx, network trouble, a resource not yet readable: retry with backoff. */
export class TransientError extends PipelineError {
  readonly retryable = true;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TransientError';
  }
}

/** The task input does not match its contract (a bug upstream or a hand-made replay). */
export class InvalidInput extends permanent('InvalidInput') {}
/** The deployment profile is missing or wrong for this model group. */
export class ConfigError extends permanent('ConfigError') {}
/** The model package is no longer Approved, so nothing may be built or deployed from it. */
export class ModelNotApproved extends permanent('ModelNotApproved') {}
/** The model package has no usable model artifact to compile. */
export class ModelArtifactMissing extends permanent('ModelArtifactMissing') {}
/** SageMaker Neo ended the compilation job as FAILED or STOPPED. */
export class CompilationFailed extends permanent('CompilationFailed') {}
/** The Edge Manager packaging job ended as FAILED or STOPPED. */
export class PackagingFailed extends permanent('PackagingFailed') {}
/** A deterministic name is held by a different resource (e.g. a job compiling another model). */
export class ResourceConflict extends permanent('ResourceConflict') {}
/** The resource exists but is not ready yet (short waits only; the state machine retries). */
export class NotReady extends PipelineError {
  readonly retryable = true;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'NotReady';
  }
}
/** Another execution holds the fleet's rollout lease (retried with a long backoff). */
export class FleetBusy extends PipelineError {
  readonly retryable = true;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'FleetBusy';
  }
}
/** Another model group is testing on the shared digital twin (retried with a long backoff). */
export class TwinBusy extends PipelineError {
  readonly retryable = true;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TwinBusy';
  }
}
/** A component version exists with a different recipe: component versions are immutable. */
export class ComponentVersionConflict extends permanent('ComponentVersionConflict') {}
/** Greengrass could not make a component version deployable (e.g. unreadable artifact). */
export class ComponentRegistrationFailed extends permanent('ComponentRegistrationFailed') {}
/** A Greengrass deployment failed or was cancelled. */
export class DeploymentFailed extends permanent('DeploymentFailed') {}
/** A poll loop ran past its overall deadline: nothing may hang silently. */
export class WaitTimedOut extends permanent('WaitTimedOut') {}
/** The twin tests did not pass: no production deployment. */
export class TwinTestsFailed extends permanent('TwinTestsFailed') {}
/** An approver rejected the release (sent with SendTaskFailure). */
export class ApprovalRejected extends permanent('ApprovalRejected') {}
/** A production wave crossed its failure threshold and the fleet was rolled back. */
export class RolloutAborted extends permanent('RolloutAborted') {}
/** A newer approved version of the same model group took over. Not a failure of this one. */
export class Superseded extends permanent('Superseded') {}

/** Every name the state machine may match, for the ASL contract test. */
export const ERROR_NAMES = [
  'TransientError',
  'NotReady',
  'FleetBusy',
  'TwinBusy',
  'InvalidInput',
  'ResourceConflict',
  'ConfigError',
  'ModelNotApproved',
  'ModelArtifactMissing',
  'CompilationFailed',
  'PackagingFailed',
  'ComponentVersionConflict',
  'ComponentRegistrationFailed',
  'DeploymentFailed',
  'WaitTimedOut',
  'TwinTestsFailed',
  'ApprovalRejected',
  'RolloutAborted',
  'Superseded',
] as const;
export type ErrorName = (typeof ERROR_NAMES)[number];

/** Retried by the state machine; if retries run out the execution fails at that task, redrivable. */
export const TRANSIENT_ERROR_NAMES: readonly ErrorName[] = [
  'TransientError',
  'NotReady',
  'FleetBusy',
  'TwinBusy',
];
/** Caught by the state machine into Record Failure: retrying cannot change the outcome. */
export const PERMANENT_ERROR_NAMES: readonly ErrorName[] = ERROR_NAMES.filter(
  (name) => !TRANSIENT_ERROR_NAMES.includes(name),
);

type AwsLikeError = {
  name?: string;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
  code?: string;
};

const TRANSIENT_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'ProvisionedThroughputExceededException',
  // SQS throttling: a 400 with this code (SQS API reference, RequestThrottled).
  'RequestThrottled',
  'RequestAlreadyInProgressException',
  'InternalServerException',
  'InternalFailure',
  'InternalServerError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
]);

/** True when an AWS SDK error is worth retrying: throttling, 5xx, network failures. */
export const isTransientAwsError = (error: unknown): boolean => {
  if (error instanceof PipelineError) return error.retryable;
  if (typeof error !== 'object' || error === null) return false;
  const e = error as AwsLikeError;
  if (e.$retryable) return true;
  if (e.name && TRANSIENT_NAMES.has(e.name)) return true;
  if (e.code && TRANSIENT_NAMES.has(e.code)) return true;
  const status = e.$metadata?.httpStatusCode;
  return status !== undefined && status >= 500;
};

/**
 * Turns anything thrown by an AWS call into our taxonomy: transient errors become
 * `TransientError` (retried); pipeline errors pass through; the rest is returned as is,
 * which the state machine treats as a bug (caught by States.ALL, never retried blindly).
 */
export const classifyAwsError = (error: unknown, doing: string): Error => {
  if (error instanceof PipelineError) return error;
  const message = error instanceof Error ? error.message : String(error);
  const name = error instanceof Error ? error.name : 'Error';
  if (isTransientAwsError(error)) {
    return new TransientError(`${doing}: ${name}: ${message}`, { cause: error });
  }
  return error instanceof Error ? error : new Error(`${doing}: ${message}`);
};

/**
 * Step Functions carries a Lambda error's Cause as the runtime's JSON
 * (`{errorType, errorMessage, trace}`); people want the message.
 */
export function readableCause(cause: string): string;
export function readableCause(cause: string | undefined): string | undefined;
export function readableCause(cause: string | undefined): string | undefined {
  if (!cause) return cause;
  try {
    return (JSON.parse(cause) as { errorMessage?: string }).errorMessage ?? cause;
  } catch {
    return cause;
  }
}

/** True when an SDK error has the given name (SDK v3 sets `name` to the modeled error). */
export const isAwsError = (error: unknown, ...names: string[]): boolean =>
  typeof error === 'object' &&
  error !== null &&
  names.includes((error as { name?: string }).name ?? '');
