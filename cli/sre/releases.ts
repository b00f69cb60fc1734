import { DescribeExecutionCommand, type HistoryEvent, type SFNClient } from '@aws-sdk/client-sfn';
import {
  type ApprovalRecord,
  type ApprovalStore,
  approvalOfExecution,
  deadlineOf,
  getApproval,
} from '../../functions/shared/approval/store';
import { readableCause } from '../../functions/shared/errors';
import { fleetOutcomesOf } from './fleet-outcomes';
import { listExecutions } from './list-executions';
import { fullHistory, inputOf, waitsAtApproval } from './state-machine';

/**
 * The history of a model group's versions, from what already records it: its executions
 * (started, status, the states they went through, what the fleet tasks returned) and the
 * approval of each in the state table (who approved or rejected, and when).
 */
export type ReleaseView = {
  version?: number;
  execution: string;
  /** A release, or the rollback a registry rejection of a live version started. */
  kind: 'release' | 'rollback';
  started: string;
  stopped?: string;
  status: string;
  outcome: string;
  approval?: {
    approvalId: string;
    status: string;
    approvers: string[];
    quorum: number;
    deadline: string;
    approvedBy: { approver: string; at: string; comment?: string }[];
    decision?: ApprovalRecord['decision'];
  };
  /** Fleets that got this version (DEPLOYED), or were rolled back from it. */
  fleets: { fleet: string; status: string; offline?: string[] }[];
  /** What a rollback did: restored versions, and whether every device runs them. */
  rollback?: string;
};

const entered = (events: HistoryEvent[], state: string) =>
  events.some((e) => e.stateEnteredEventDetails?.name === state);

/** The error an execution ended with: Record Failure's input keeps the original one. */
const errorOf = (events: HistoryEvent[], described: { error?: string; cause?: string }) => {
  const recorded = events.find((e) => e.stateEnteredEventDetails?.name === 'Record Failure');
  if (recorded?.stateEnteredEventDetails?.input) {
    const state = JSON.parse(recorded.stateEnteredEventDetails.input) as {
      error?: { Error?: string; Cause?: string };
    };
    return { error: state.error?.Error, cause: readableCause(state.error?.Cause) };
  }
  return { error: described.error, cause: readableCause(described.cause) };
};

const outcomeOf = (
  status: string,
  events: HistoryEvent[],
  failure: { error?: string; cause?: string },
  rollback: boolean,
): string => {
  if (rollback)
    return status === 'SUCCEEDED' ? 'rolled back (rejected in the registry)' : status.toLowerCase();
  if (status === 'RUNNING') {
    if (waitsAtApproval(events)) return 'waiting for approval';
    const last = events.findLast((e) => e.stateEnteredEventDetails?.name);
    return `running (${last?.stateEnteredEventDetails?.name ?? 'starting'})`;
  }
  if (status === 'SUCCEEDED')
    return entered(events, 'Superseded') ? 'superseded by a newer version' : 'released';
  if (status === 'ABORTED') return `stopped${failure.error ? ` (${failure.error})` : ''}`;
  if (failure.error === 'ApprovalRejected') return 'rejected at approval';
  if (failure.error === 'ApprovalTimedOut') return 'approval timed out';
  const rolledBack = entered(events, 'Roll Back Fleets') ? ', fleets rolled back' : '';
  return `failed: ${failure.error ?? status}${rolledBack}`;
};

export const releaseHistory = async (
  sfn: SFNClient,
  stateMachineArns: readonly string[],
  store: ApprovalStore | undefined,
  modelGroup: string,
): Promise<ReleaseView[]> => {
  const rows = [];
  for (const arn of stateMachineArns)
    rows.push(...(await listExecutions(sfn, arn, { modelGroup })));
  const releases: ReleaseView[] = [];
  for (const row of rows) {
    const described = await sfn.send(
      new DescribeExecutionCommand({ executionArn: row.executionArn }),
    );
    const input = inputOf(described) as ReturnType<typeof inputOf> & { rollback?: unknown };
    const events = await fullHistory(sfn, row.executionArn);
    const failure = errorOf(events, described);
    const isRollback = input.rollback !== undefined;
    const release: ReleaseView = {
      ...(row.version !== undefined ? { version: row.version } : {}),
      execution: row.name,
      kind: isRollback ? 'rollback' : 'release',
      started: row.startDate,
      ...(described.stopDate ? { stopped: described.stopDate.toISOString() } : {}),
      status: row.status,
      outcome: outcomeOf(row.status, events, failure, isRollback),
      fleets: [],
    };
    const outcomes = fleetOutcomesOf(events);
    release.fleets.push(...outcomes.fleets);
    if (outcomes.rolledBack) release.rollback = outcomes.rollbackCause ?? failure.cause;
    if (store) {
      const approvalId = await approvalOfExecution(store, row.executionArn);
      const record = approvalId ? await getApproval(store, approvalId) : undefined;
      if (record)
        release.approval = {
          approvalId: record.approvalId,
          status: record.status,
          approvers: record.approvers,
          quorum: record.quorum,
          deadline: new Date(deadlineOf(record) * 1000).toISOString(),
          approvedBy: record.approvals,
          ...(record.decision ? { decision: record.decision } : {}),
        };
    }
    releases.push(release);
  }
  return releases.sort((a, b) => a.started.localeCompare(b.started));
};
