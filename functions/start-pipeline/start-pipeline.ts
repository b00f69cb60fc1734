import type { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import {
  DescribeExecutionCommand,
  SendTaskFailureCommand,
  type SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { approvalOfExecution, closeApproval, getApproval } from '../shared/approval/store';
import { classifyAwsError, isAwsError } from '../shared/errors';
import { deterministicName, EXECUTION_NAME } from '../shared/names';
import {
  advanceLatestVersion,
  executionsOf,
  recordExecution,
  recordPackageStatus,
} from '../shared/registry-store';
import type { StageConfig } from '../shared/stage-config/schema';
import { getFleetRecord, type StateStore } from '../shared/state-store';
import {
  executionInput,
  executionName,
  type ModelPackageEvent,
  parseEvent,
  statusTime,
  triage,
} from './decide';

export type Decision =
  | { decision: 'ignored'; reason: string }
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
  config: { stage: string; stageConfig: StageConfig; stateMachineArn: string };
};

const executionArnOf = (stateMachineArn: string, name: string) =>
  `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;

const approve = async (event: ModelPackageEvent, deps: StartPipelineDeps): Promise<Decision> => {
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
  const name = executionName(event);
  const executionArn = executionArnOf(deps.config.stateMachineArn, name);
  // Recorded first: a Rejected event arriving while StartExecution is in flight finds it.
  await recordExecution(deps.store, d.ModelPackageArn, executionArn);
  try {
    await deps.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: deps.config.stateMachineArn,
        name,
        input: JSON.stringify(executionInput(event)),
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

/** An execution waiting at approval ends as rejected (through its task token); others stop. */
const stopForRejection = async (
  executionArn: string,
  why: string,
  deps: StartPipelineDeps,
): Promise<'rejected' | 'stopped' | 'finished'> => {
  const { status } = await deps.sfn
    .send(new DescribeExecutionCommand({ executionArn }))
    .catch((error: unknown) => {
      if (isAwsError(error, 'ExecutionDoesNotExist')) return { status: 'NONE' };
      throw classifyAwsError(error, 'DescribeExecution');
    });
  if (status !== 'RUNNING') return 'finished';
  const approvalId = await approvalOfExecution(deps.store, executionArn);
  const approval = approvalId ? await getApproval(deps.store, approvalId) : undefined;
  // Decided meanwhile (the conditional write lost) or the token is gone: stop it instead.
  const rejectedHere =
    approval?.status === 'PENDING' &&
    (await closeApproval(deps.store, approval.approvalId, {
      outcome: 'REJECTED',
      by: 'model registry',
      at: new Date().toISOString(),
      reason: why,
    }));
  if (approval && rejectedHere) {
    try {
      await deps.sfn.send(
        new SendTaskFailureCommand({
          taskToken: approval.taskToken,
          error: 'ApprovalRejected',
          cause: why,
        }),
      );
      return 'rejected';
    } catch (error) {
      if (!isAwsError(error, 'TaskTimedOut', 'InvalidToken', 'TaskDoesNotExist')) {
        throw classifyAwsError(error, 'rejecting the pending approval');
      }
    }
  }
  try {
    await deps.sfn.send(
      new StopExecutionCommand({ executionArn, error: 'ModelRejected', cause: why }),
    );
  } catch (error) {
    if (!isAwsError(error, 'ExecutionDoesNotExist', 'ValidationException'))
      throw classifyAwsError(error, 'StopExecution');
  }
  return 'stopped';
};

const reject = async (event: ModelPackageEvent, deps: StartPipelineDeps): Promise<Decision> => {
  const d = event.detail;
  const why = `model package ${d.ModelPackageGroupName} v${d.ModelPackageVersion} was rejected in the model registry at ${new Date(statusTime(event)).toISOString()}`;
  const stopped: string[] = [];
  const rejectedAtApproval: string[] = [];
  for (const executionArn of await executionsOf(deps.store, d.ModelPackageArn)) {
    const outcome = await stopForRejection(executionArn, why, deps);
    if (outcome === 'stopped') stopped.push(executionArn);
    if (outcome === 'rejected') rejectedAtApproval.push(executionArn);
  }
  // Live on fleets? Then those fleets go back to their previous good release.
  const profile = deps.config.stageConfig.modelGroups[d.ModelPackageGroupName]!;
  const liveOn: string[] = [];
  for (const fleet of profile.fleets) {
    const record = await getFleetRecord(deps.store, d.ModelPackageGroupName, fleet.name);
    if (record.lastGood?.modelPackageArn === d.ModelPackageArn) liveOn.push(fleet.name);
  }
  if (liveOn.length === 0) return { decision: 'rejected', stopped, rejectedAtApproval, liveOn };
  const name = deterministicName(
    [
      'rollback',
      d.ModelPackageGroupName,
      `v${d.ModelPackageVersion}`,
      executionName(event).slice(-8),
    ],
    EXECUTION_NAME,
  );
  const rollbackExecutionArn = executionArnOf(deps.config.stateMachineArn, name);
  try {
    await deps.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: deps.config.stateMachineArn,
        name,
        input: JSON.stringify({
          modelPackageArn: d.ModelPackageArn,
          modelPackageGroupName: d.ModelPackageGroupName,
          modelPackageVersion: d.ModelPackageVersion,
          rollback: { reason: why, fleets: liveOn },
        }),
      }),
    );
  } catch (error) {
    if (!isAwsError(error, 'ExecutionAlreadyExists'))
      throw classifyAwsError(error, 'StartExecution (rollback)');
  }
  return { decision: 'rejected', stopped, rejectedAtApproval, liveOn, rollbackExecutionArn };
};

/**
 * Handles one EventBridge "SageMaker Model Package State Change" event. Malformed events
 * throw `InvalidEvent` (they end in the DLQ with the reason); events that are not ours are
 * acknowledged with the reason; an Approved starts exactly one execution per approval
 * (deterministic name); a Rejected stops what runs for that package. Out-of-order events
 * resolve to the later status. Every decision is logged and counted.
 */
export const startPipeline = async (raw: unknown, deps: StartPipelineDeps): Promise<Decision> => {
  const event = parseEvent(raw);
  const d = event.detail;
  deps.logger.appendKeys({ modelPackageArn: d.ModelPackageArn, eventId: event.id });
  const kind = triage(event, deps.config.stageConfig, deps.config.stage);
  let decision: Decision;
  if (kind.kind === 'ignore') {
    decision = { decision: 'ignored', reason: kind.reason };
  } else {
    const { applied, current } = await recordPackageStatus(deps.store, d.ModelPackageArn, {
      status: d.ModelApprovalStatus,
      statusTime: statusTime(event),
      eventId: event.id,
    });
    if (!applied) {
      decision = {
        decision: 'stale',
        reason: `out of order: ${current.status} at ${new Date(current.statusTime).toISOString()} is later than this ${d.ModelApprovalStatus}`,
      };
    } else {
      decision = kind.kind === 'approved' ? await approve(event, deps) : await reject(event, deps);
    }
  }
  deps.metrics.addDimension('decision', decision.decision);
  deps.metrics.addMetric('ModelPackageEvents', MetricUnit.Count, 1);
  deps.logger.info('model package event handled', { ...decision, status: d.ModelApprovalStatus });
  return decision;
};
