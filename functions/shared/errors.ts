import { ERROR_TAXONOMY, type ErrorName } from './error-taxonomy';

/**
 * The error classes of the taxonomy (error-taxonomy.ts declares every name, its kind and
 * what to do about it). Each class sets `name` to a literal from the taxonomy (a minified
 * bundle renames classes); `retryable` (the state machine retries it) follows its kind.
 */
export abstract class PipelineError extends Error {
  abstract readonly retryable: boolean;
}

const named = (name: ErrorName) =>
  class extends PipelineError {
    readonly retryable = ERROR_TAXONOMY[name].kind === 'transient';
    constructor(message: string, options?: ErrorOptions) {
      super(message, options);
      this.name = name;
    }
  };

/** Throttling, 5xx, network trouble, a resource not yet readable: retry with backoff. */
export class TransientError extends named('TransientError') {}
/** The task input does not match its contract (a bug upstream or a hand-made replay). */
export class InvalidInput extends named('InvalidInput') {}
/** The deployment profile is missing or wrong for this model group. */
export class ConfigError extends named('ConfigError') {}
/** The model package is no longer Approved, so nothing may be built or deployed from it. */
export class ModelNotApproved extends named('ModelNotApproved') {}
/** The model package has no usable model artifact to compile. */
export class ModelArtifactMissing extends named('ModelArtifactMissing') {}
/** SageMaker Neo ended the compilation job as FAILED or STOPPED. */
export class CompilationFailed extends named('CompilationFailed') {}
/** The Edge Manager packaging job ended as FAILED or STOPPED. */
export class PackagingFailed extends named('PackagingFailed') {}
/** A deterministic name is held by a different resource (e.g. a job compiling another model). */
export class ResourceConflict extends named('ResourceConflict') {}
/** The resource exists but is not ready yet (short waits only; the state machine retries). */
export class NotReady extends named('NotReady') {}
/** Another execution holds the fleet's rollout lease (retried with a long backoff). */
export class FleetBusy extends named('FleetBusy') {}
/** Another model group is testing on the shared digital twin (retried with a long backoff). */
export class TwinBusy extends named('TwinBusy') {}
/** A component version exists with a different recipe: component versions are immutable. */
export class ComponentVersionConflict extends named('ComponentVersionConflict') {}
/** Greengrass could not make a component version deployable (e.g. unreadable artifact). */
export class ComponentRegistrationFailed extends named('ComponentRegistrationFailed') {}
/** A Greengrass deployment failed or was cancelled. */
export class DeploymentFailed extends named('DeploymentFailed') {}
/** A poll loop ran past its overall deadline: nothing may hang silently. */
export class WaitTimedOut extends named('WaitTimedOut') {}
/** The twin tests did not pass: no production deployment. */
export class TwinTestsFailed extends named('TwinTestsFailed') {}
/** An approver rejected the release (sent with SendTaskFailure). */
export class ApprovalRejected extends named('ApprovalRejected') {}
/** A production wave crossed its failure threshold and the fleet was rolled back. */
export class RolloutAborted extends named('RolloutAborted') {}
/** A newer approved version of the same model group took over. Not a failure of this one. */
export class Superseded extends named('Superseded') {}
/** start-pipeline: a malformed model package event (it ends in the dead-letter queue). */
export class InvalidEvent extends named('InvalidEvent') {}
/** start-pipeline: an approval or rejection from a registry the stage does not list (never trusted). */
export class UnlistedRegistry extends named('UnlistedRegistry') {}

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
