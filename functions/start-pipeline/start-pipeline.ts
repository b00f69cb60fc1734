import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import {
  DescribeExecutionCommand,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { type Clock, systemClock } from '../shared/clock';
import { classifyAwsError, isAwsError } from '../shared/errors';
import { executionArnOf } from '../shared/names';
import {
  type Approval,
  advanceLatestVersion,
  recordExecution,
  recordPackageStatus,
} from '../shared/registry-store';
import type { StageConfig } from '../shared/stage-config/schema';
import type { StateStore } from '../shared/state-store';
import {
  executionInput,
  executionName,
  type ModelPackageEvent,
  parseEvent,
  registryProblem,
  statusTime,
  triage,
} from './decide';
import {
  byteLength,
  clipMessage,
  type FailureRecordContext,
  failureRecord,
  MAX_INLINE_EVENT_BYTES,
} from './failure-record';
import { rejectRelease } from './rejection';

export type Decision =
  | { decision: 'ignored'; reason: string }
  | { decision: 'dead-lettered'; reason: string }
  | { decision: 'unchanged'; reason: string }
  | { decision: 'stale'; reason: string }
  | { decision: 'superseded'; reason: string }
  | { decision: 'started' | 'duplicate'; executionArn: string; executionName: string }
  | {
      decision: 'rejected';
      stopped: string[];
      rejectedAtApproval: string[];
      liveOn: string[];
      rollbackExecutionArn?: string;
    };

export type StartPipelineDeps = {
  sfn: SFNClient;
  store: StateStore;
  logger: Logger;
  metrics: Metrics;
  config: {
    stage: string;
    stageConfig: StageConfig;
    stateMachineArn: string;
    /** The machine that rolls back a rejected release that is live on fleets. */
    rollbackStateMachineArn: string;
  };
  /** The handler's clock (event times after it are refused). */
  now?: Clock;
  /** Writes a failure record to the ingest dead-letter queue (see `ingest`). */
  deadLetter?: (record: string) => Promise<void>;
};

/** A stored time as ISO text; never throws, whatever was stored (Date covers ±8.64e15 ms). */
const isoTime = (ms: number) =>
  Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : String(ms);

const executionExists = async (executionArn: string, deps: StartPipelineDeps) =>
  deps.sfn.send(new DescribeExecutionCommand({ executionArn })).then(
    () => true,
    (error: unknown) => {
      if (isAwsError(error, 'ExecutionDoesNotExist')) return false;
      throw classifyAwsError(error, 'DescribeExecution');
    },
  );

/**
 * Starts the execution of `approval`. Only a transition into Approved starts one; a later
 * Approved of the same package (a duplicate, or the registry's event for our own metadata
 * write) finds the approval's execution and stops there, unless its start was lost (the
 * Lambda failed between recording and starting), which it then completes.
 */
const approve = async (
  event: ModelPackageEvent,
  approval: Approval,
  transition: boolean,
  deps: StartPipelineDeps,
): Promise<Decision> => {
  const d = event.detail;
  const latest = await advanceLatestVersion(
    deps.store,
    d.ModelPackageGroupName,
    d.ModelPackageVersion,
    d.ModelPackageArn,
  );
  if (latest > d.ModelPackageVersion) {
    return {
      decision: 'superseded',
      reason: `version ${latest} of ${d.ModelPackageGroupName} is already approved; version ${d.ModelPackageVersion} is not started`,
    };
  }
  const name = approval.executionName;
  const executionArn = executionArnOf(deps.config.stateMachineArn, name);
  if (!transition && (await executionExists(executionArn, deps)))
    return { decision: 'duplicate', executionArn, executionName: name };
  // Recorded first: a Rejected event arriving while StartExecution is in flight finds it.
  await recordExecution(deps.store, d.ModelPackageArn, executionArn);
  try {
    await deps.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: deps.config.stateMachineArn,
        name,
        input: JSON.stringify(executionInput(event, approval.approvedAt)),
      }),
    );
    return { decision: 'started', executionArn, executionName: name };
  } catch (error) {
    // A redelivery of an approval whose execution already finished (or runs with other input).
    if (isAwsError(error, 'ExecutionAlreadyExists'))
      return { decision: 'duplicate', executionArn, executionName: name };
    throw classifyAwsError(error, 'StartExecution');
  }
};

/**
 * Handles one EventBridge "SageMaker Model Package State Change" event. Malformed events
 * throw `InvalidEvent` (they end in the DLQ with the reason), and so do approvals from a
 * registry the stage does not list; events that are not ours are acknowledged with the
 * reason; a transition into Approved starts exactly one execution (deterministic name); a
 * Rejected stops what runs for that package. Out-of-order events resolve to the later
 * status. Every decision is logged and counted.
 */
export const startPipeline = async (raw: unknown, deps: StartPipelineDeps): Promise<Decision> => {
  const now = (deps.now ?? systemClock)().getTime();
  const event = parseEvent(raw, now);
  const d = event.detail;
  deps.logger.appendKeys({ modelPackageArn: d.ModelPackageArn, eventId: event.id });
  const kind = triage(event, deps.config.stageConfig, deps.config.stage);
  let decision: Decision;
  if (kind.kind === 'ignore') {
    decision = { decision: 'ignored', reason: kind.reason };
  } else {
    // Before anything is stored: a package in a registry the stage does not trust.
    const foreign = registryProblem(event, deps.config.stageConfig, deps.config.stateMachineArn);
    if (foreign) throw foreign;
    const at = statusTime(event);
    const recorded = await recordPackageStatus(
      deps.store,
      d.ModelPackageArn,
      {
        status: d.ModelApprovalStatus,
        statusTime: at,
        eventId: event.id,
        ...(kind.kind === 'approved'
          ? { approval: { executionName: executionName(event), approvedAt: at } }
          : {}),
      },
      now,
    );
    if (!recorded.applied) {
      const { current } = recorded;
      decision = {
        decision: 'stale',
        reason: `out of order: ${current.status} at ${isoTime(current.statusTime)} is later than this ${d.ModelApprovalStatus}`,
      };
    } else if (kind.kind === 'approved') {
      // An approval recorded before approvals were kept with the status: this event's own.
      const approval = recorded.current.approval ?? {
        executionName: executionName(event),
        approvedAt: at,
      };
      decision = await approve(event, approval, recorded.transition, deps);
    } else if (recorded.transition || recorded.retry) {
      decision = await rejectRelease(event, deps);
    } else {
      // Rejected again: a duplicate, or the event for a metadata update (our outcome write
      // while the rejected execution records its failure). Acting again would stop that
      // execution mid-way or start a second rollback.
      decision = {
        decision: 'unchanged',
        reason: `${d.ModelPackageGroupName} v${d.ModelPackageVersion} was already ${d.ModelApprovalStatus}; nothing to do`,
      };
    }
  }
  deps.metrics.addDimension('decision', decision.decision);
  deps.metrics.addMetric('ModelPackageEvents', MetricUnit.Count, 1);
  deps.logger.info('model package event handled', { ...decision, status: d.ModelApprovalStatus });
  return decision;
};

/**
 * The handler's entry: failure records stay under the dead-letter queue's message limit.
 * An event small enough fails as usual (Lambda retries, then its on-failure destination
 * records the event and the error, whose message is clipped). A larger event cannot fit
 * in Lambda's record, so its failure is recorded here, bounded, and acknowledged.
 */
export const ingest = async (
  raw: unknown,
  deps: StartPipelineDeps,
  context: Omit<FailureRecordContext, 'at'>,
): Promise<Decision> => {
  const inline = byteLength(JSON.stringify(raw) ?? '') <= MAX_INLINE_EVENT_BYTES;
  try {
    return await startPipeline(raw, deps);
  } catch (error) {
    const e = error instanceof Error ? error : new Error(String(error));
    e.message = clipMessage(e.message);
    if (inline || !deps.deadLetter) throw e;
    await deps.deadLetter(
      failureRecord(raw, e, { ...context, at: (deps.now ?? systemClock)().getTime() }),
    );
    const decision: Decision = {
      decision: 'dead-lettered',
      reason: `${e.name}: ${e.message}`.slice(0, 1024),
    };
    deps.logger.error('oversized model package event failed; recorded in the dead-letter queue', {
      ...decision,
    });
    deps.metrics.addDimension('decision', decision.decision);
    deps.metrics.addMetric('ModelPackageEvents', MetricUnit.Count, 1);
    return decision;
  }
};
