import {
  DescribeExecutionCommand,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { reject as rejectApproval } from '../shared/approval/decisions';
import { approvalOfExecution, getApproval } from '../shared/approval/store';
import { systemClock } from '../shared/clock';
import type { ErrorName } from '../shared/error-taxonomy';
import { classifyAwsError, isAwsError, TransientError } from '../shared/errors';
import { deterministicName, EXECUTION_NAME, executionArnOf } from '../shared/names';
import { executionsOf } from '../shared/registry-store';
import { getFleetRecord } from '../shared/state-store';
import { executionName, type ModelPackageEvent, statusTime } from './decide';
import type { Decision, StartPipelineDeps } from './start-pipeline';

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
  // Already rejected at its approval (an earlier attempt of this event): it is ending as
  // rejected; stopping it now would cut its Record Failure short.
  if (approval?.status === 'REJECTED') return 'rejected';
  if (approval?.status === 'PENDING') {
    const outcome = await rejectApproval(approval, { by: 'model registry' }, why, {
      ...deps,
      now: deps.now ?? systemClock,
    });
    if (outcome.outcome === 'delivered') {
      if (outcome.delivery.state === 'resumed') return 'rejected';
      // Recorded with its outbox, but Step Functions did not take it yet: a retry of this
      // event finds it REJECTED (above); the approval watchdog keeps sending it meanwhile.
      if (outcome.delivery.state === 'not-resumed')
        throw new TransientError(`rejecting the pending approval: ${outcome.delivery.error}`);
    }
    // Decided meanwhile (the conditional write lost) or the task is gone: stop it instead.
  }
  try {
    await deps.sfn.send(
      new StopExecutionCommand({
        executionArn,
        error: 'ModelRejected' satisfies ErrorName,
        cause: why,
      }),
    );
  } catch (error) {
    if (!isAwsError(error, 'ExecutionDoesNotExist', 'ValidationException'))
      throw classifyAwsError(error, 'StopExecution');
  }
  return 'stopped';
};

/**
 * A version rejected in the registry: executions of it waiting at approval end as rejected,
 * others are stopped, and fleets it is live on go back to their previous good release
 * through the rollback state machine.
 */
export const rejectRelease = async (
  event: ModelPackageEvent,
  deps: StartPipelineDeps,
): Promise<Decision> => {
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
  const rollbackExecutionArn = executionArnOf(deps.config.rollbackStateMachineArn, name);
  try {
    await deps.sfn.send(
      new StartExecutionCommand({
        stateMachineArn: deps.config.rollbackStateMachineArn,
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
