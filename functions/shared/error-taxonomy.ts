/**
 * Every error name edge-mlops emits, in one table. A name is an API: Lambda reports it as
 * `errorType`, the state machine matches it in `ErrorEquals`, the CLI and the notifications
 * explain it. Everything else derives from this table: the Retry and Catch blocks of the
 * state machines (statemachines/definition.ts), the error classes (errors.ts),
 * record-failure's status and message, `edge-mlops executions explain`, the alarms'
 * descriptions and the error table in docs/pipeline.md.
 *
 * - kind: `transient` errors are retried by the state machine with backoff, never caught
 *   (when retries run out the execution fails at that task and stays redrivable);
 *   `permanent`, `model-fault` and `operator-fault` errors are caught into Record Failure,
 *   because retrying cannot change the outcome. `model-fault`: the model version itself is
 *   at fault; `operator-fault`: the configuration or a hand-made input is.
 * - raisedBy: `task` (a Lambda task throws it: the state machine matches it), `state-machine`
 *   (a state of the ASL sets it), `ingest` (start-pipeline refuses the event: it goes to the
 *   dead-letter queue), `stop` (start-pipeline stops an execution with it).
 * - stage: the pipeline stage the error belongs to (`any` when several tasks raise it).
 * - decided: a decision about the version, not a fault: nothing to retry or replay.
 * - advice: what the SRE does about it.
 */

export type ErrorKind = 'transient' | 'permanent' | 'model-fault' | 'operator-fault';
export type ErrorSource = 'task' | 'state-machine' | 'ingest' | 'stop';
export type PipelineStage =
  | 'ingest'
  | 'resolve'
  | 'build'
  | 'register'
  | 'twin'
  | 'twin-tests'
  | 'approval'
  | 'production'
  | 'any';

/**
 * A Step Functions retrier's timing (Step Functions developer guide, "Handling errors in Step
 * Functions workflows", retrier fields IntervalSeconds, BackoffRate, MaxAttempts,
 * MaxDelaySeconds, JitterStrategy).
 */
export type RetryPolicy = {
  IntervalSeconds: number;
  BackoffRate: number;
  MaxAttempts: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: 'FULL' | 'NONE';
};

export type ErrorEntry = {
  kind: ErrorKind;
  raisedBy: ErrorSource;
  stage: PipelineStage;
  meaning: string;
  advice: string;
  decided?: true;
  /** How a release that ends with this error is recorded, when it is not a failure. */
  outcome?: 'REJECTED' | 'SUPERSEDED';
  /** Transient errors only: how the state machine retries them. */
  retry?: RetryPolicy;
};

/** Throttling, 5xx, a network error: short backoff with full jitter, six attempts (about two minutes). */
const STANDARD_RETRY: RetryPolicy = {
  IntervalSeconds: 2,
  BackoffRate: 2,
  MaxAttempts: 6,
  JitterStrategy: 'FULL',
};
/** Someone else holds a shared resource: up to 20 attempts, 1 to 15 minutes apart. */
const BUSY_RETRY: RetryPolicy = {
  IntervalSeconds: 60,
  BackoffRate: 1.5,
  MaxAttempts: 20,
  MaxDelaySeconds: 900,
  JitterStrategy: 'FULL',
};

/**
 * Rollback tasks must not give up after two minutes of throttling: transient errors are
 * retried up to 10 times, at most 5 minutes apart (the state machine's `"Persistent": true`).
 */
export const PERSISTENT_RETRY: Partial<RetryPolicy> = { MaxAttempts: 10, MaxDelaySeconds: 300 };

export const ERROR_TAXONOMY = {
  TransientError: {
    kind: 'transient',
    raisedBy: 'task',
    stage: 'any',
    retry: STANDARD_RETRY,
    meaning: 'throttling, a 5xx or a network error of an AWS call (retried)',
    advice: 'wait for the outage to end, then redrive: the run resumes at the failed task',
  },
  NotReady: {
    kind: 'transient',
    raisedBy: 'task',
    stage: 'register',
    retry: { IntervalSeconds: 5, BackoffRate: 1.5, MaxAttempts: 8 },
    meaning: 'a resource exists but is not usable yet (a component version being made deployable)',
    advice: 'redrive once Greengrass has made the component version deployable',
  },
  FleetBusy: {
    kind: 'transient',
    raisedBy: 'task',
    stage: 'production',
    retry: BUSY_RETRY,
    meaning: "another execution holds the fleet's lease (retried)",
    advice: 'wait: the other rollout ends or its lease expires by itself',
  },
  TwinBusy: {
    kind: 'transient',
    raisedBy: 'task',
    stage: 'twin',
    retry: BUSY_RETRY,
    meaning: 'another model group is testing on the shared digital twin (retried)',
    advice: 'wait: the other test run frees the twin or its lease expires by itself',
  },
  InvalidInput: {
    kind: 'operator-fault',
    raisedBy: 'task',
    stage: 'any',
    meaning: 'a task got input that breaks its contract (hand-edited replay, bug)',
    advice: 'fix the input or the bug, deploy, then replay',
  },
  ConfigError: {
    kind: 'operator-fault',
    raisedBy: 'task',
    stage: 'any',
    meaning: 'the model group has no (or a wrong) profile in config/<stage>.yml',
    advice: 'fix config/<stage>.yml, deploy, then replay',
  },
  ModelNotApproved: {
    kind: 'permanent',
    raisedBy: 'task',
    stage: 'any',
    decided: true,
    meaning: 'the model package is no longer Approved in the registry',
    advice:
      'nothing to replay: the registry no longer says Approved; approve a new (or this) version in the registry to release',
  },
  ModelArtifactMissing: {
    kind: 'model-fault',
    raisedBy: 'task',
    stage: 'resolve',
    meaning: 'no ModelDataUrl, not a .tar.gz, or the package is not Completed',
    advice:
      'the model itself is at fault — fix the registry entry: reject this version and approve a fixed one',
  },
  CompilationFailed: {
    kind: 'model-fault',
    raisedBy: 'task',
    stage: 'build',
    meaning: "SageMaker Neo ended FAILED or STOPPED; the cause quotes Neo's FailureReason",
    advice:
      'the model itself is at fault — fix the framework or input shape in the profile, or reject this version and approve a fixed one',
  },
  PackagingFailed: {
    kind: 'permanent',
    raisedBy: 'task',
    stage: 'build',
    meaning: 'the Edge Manager packaging job or its Greengrass preset failed (legacy)',
    advice: 'switch the profile to packaging: native, deploy, then replay',
  },
  ResourceConflict: {
    kind: 'permanent',
    raisedBy: 'task',
    stage: 'build',
    meaning: 'a deterministic job name is held by a job for something else',
    advice: 'investigate the job that holds the name (never overwritten), then replay',
  },
  ComponentVersionConflict: {
    kind: 'permanent',
    raisedBy: 'task',
    stage: 'register',
    meaning: 'the component version exists with a different recipe (versions are immutable)',
    advice: 'bump the inference version (or the model major) in the profile, deploy, then replay',
  },
  ComponentRegistrationFailed: {
    kind: 'permanent',
    raisedBy: 'task',
    stage: 'register',
    meaning: 'Greengrass marked the component version FAILED (e.g. an unreadable artifact)',
    advice: 'fix the artifact or its permissions, bump the version, then replay',
  },
  DeploymentFailed: {
    kind: 'permanent',
    raisedBy: 'task',
    stage: 'any',
    meaning: 'a Greengrass deployment failed or was cancelled',
    advice: 'read the device ids in the cause, fix the devices, then replay',
  },
  WaitTimedOut: {
    kind: 'permanent',
    raisedBy: 'task',
    stage: 'any',
    meaning: 'a poll loop passed its overall deadline',
    advice: 'inspect the job named in the cause; replay once it is unstuck',
  },
  TwinTestsFailed: {
    kind: 'model-fault',
    raisedBy: 'task',
    stage: 'twin-tests',
    meaning: 'a twin test failed; the cause lists which and why',
    advice:
      'the model itself is at fault — read the report in S3, reject this version in the registry and approve a fixed one',
  },
  ApprovalRejected: {
    kind: 'permanent',
    raisedBy: 'task',
    stage: 'approval',
    decided: true,
    outcome: 'REJECTED',
    meaning: 'an approver (or the model registry) rejected the release; the cause says who and why',
    advice:
      'nothing to replay: this version was rejected; approve a new (or this) version in the registry to release',
  },
  RolloutAborted: {
    kind: 'model-fault',
    raisedBy: 'task',
    stage: 'production',
    meaning: 'a wave crossed its failure threshold or was unhealthy; the fleets were rolled back',
    advice:
      'the model itself is at fault — read the cause (devices, counts), reject this version in the registry and approve a fixed one',
  },
  Superseded: {
    kind: 'permanent',
    raisedBy: 'task',
    stage: 'any',
    outcome: 'SUPERSEDED',
    meaning: 'a newer approved version of the model group took over (not a failure)',
    advice: 'nothing: the newer version is being released',
  },
  ApprovalTimedOut: {
    kind: 'permanent',
    raisedBy: 'state-machine',
    stage: 'approval',
    meaning: 'nobody decided within approval.timeoutHours',
    advice: 'replay (edge-mlops executions replay) to ask the approvers again',
  },
  InvalidEvent: {
    kind: 'permanent',
    raisedBy: 'ingest',
    stage: 'ingest',
    meaning: 'a malformed model package event; the message names the bad fields',
    advice:
      'the event is evidence of a producer bug: fix the producer, then delete it from the DLQ',
  },
  UnlistedRegistry: {
    kind: 'operator-fault',
    raisedBy: 'ingest',
    stage: 'ingest',
    meaning:
      'an approval or rejection from an account or region that registry in config/<stage>.yml does not list',
    advice:
      'if the registry is trusted, add it to registry in config/<stage>.yml, deploy, then replay the event from the DLQ',
  },
  ModelRejected: {
    kind: 'permanent',
    raisedBy: 'stop',
    stage: 'any',
    decided: true,
    meaning:
      'the version was rejected in the model registry while its execution ran; it was stopped',
    advice:
      'nothing to replay: this version was rejected in the registry; approve a new (or this) version in the registry to release',
  },
} as const satisfies Record<string, ErrorEntry>;

export type ErrorName = keyof typeof ERROR_TAXONOMY;
export type Taxonomy = Record<string, ErrorEntry>;

const namesWhere = (taxonomy: Taxonomy, test: (entry: ErrorEntry) => boolean) =>
  Object.entries(taxonomy)
    .filter(([, entry]) => test(entry))
    .map(([name]) => name);

/** Retried by the state machine; if retries run out the execution fails at that task, redrivable. */
export const transientErrorNames = (taxonomy: Taxonomy = ERROR_TAXONOMY): string[] =>
  namesWhere(taxonomy, (e) => e.kind === 'transient');

/** Caught into Record Failure by every task that has a Catch: retrying cannot change the outcome. */
export const caughtErrorNames = (taxonomy: Taxonomy = ERROR_TAXONOMY): string[] =>
  namesWhere(taxonomy, (e) => e.raisedBy === 'task' && e.kind !== 'transient');

/** Is `name` one of ours, and what do we know about it. */
export const errorEntry = (name: string | undefined): ErrorEntry | undefined =>
  name && Object.hasOwn(ERROR_TAXONOMY, name) ? (ERROR_TAXONOMY as Taxonomy)[name] : undefined;

/**
 * Lambda service errors the state machine retries like `TransientError`: Lambda's transient
 * 500s and its throttling of invocations (Step Functions developer guide, "Handle Lambda
 * service exceptions", https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html).
 */
export const LAMBDA_SERVICE_ERRORS = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.ClientExecutionTimeoutException',
  'Lambda.TooManyRequestsException',
] as const;

/**
 * Step Functions' answers to SendTaskSuccess/SendTaskFailure when the task token no longer
 * stands for an open task (Step Functions API reference, SendTaskFailure, "Errors":
 * InvalidToken, TaskDoesNotExist, TaskTimedOut).
 */
export const TASK_TOKEN_GONE = ['TaskTimedOut', 'InvalidToken', 'TaskDoesNotExist'] as const;
