import { DescribeExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { APPROVAL_STATE } from '../../functions/shared/approval/delivery';
import { errorEntry } from '../../functions/shared/error-taxonomy';
import { readableCause } from '../../functions/shared/errors';
import { type ApprovalView, resendCommand } from './approvals';
import { failedStateOf, onFailurePath } from './failed-state';
import { fullHistory, inputOf, stateName, waitsAtApproval } from './state-machine';

/** `executions explain`: what went wrong (or what it waits for), and what to do about it. */
export type Explanation = {
  execution: string;
  executionArn: string;
  status: string;
  modelGroup?: string;
  version?: number;
  failedState?: string;
  error?: string;
  cause?: string;
  failedInput?: unknown;
  lastSuccessfulState?: string;
  redrivable: boolean;
  redriveStatusReason?: string;
  redriveCount: number;
  /** The approval a running execution waits on at Request Approval. */
  waitingForApproval?: ApprovalView & { resend: string };
  suggestion: {
    action: 'redrive' | 'replay' | 'fix-config' | 'reject-model' | 'approve-new-version' | 'none';
    command?: string;
    why: string;
  };
};

export type ExplainDeps = {
  /** Reads the approval an execution waits on (the state table); omitted: not shown. */
  approvalOf?: (executionArn: string) => Promise<ApprovalView | undefined>;
};

/** What went wrong, from the execution history, and what to do about it. */
export const explainExecution = async (
  sfn: SFNClient,
  executionArn: string,
  deps: ExplainDeps = {},
): Promise<Explanation> => {
  const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  const input = inputOf(described);
  const events = await fullHistory(sfn, executionArn);
  const failed =
    described.status === 'SUCCEEDED' || described.status === 'RUNNING' ? {} : failedStateOf(events);
  // States that succeeded: exited before the failed state was entered, and not one of those
  // that recorded the failure.
  const exits = events
    .slice(0, failed.at ?? events.length)
    .filter((e) => e.type?.endsWith('StateExited') && !onFailurePath(stateName(e)));
  // Permanent errors are recorded by Record Failure; the original error is in the state.
  const caught = events.find((e) => e.stateEnteredEventDetails?.name === 'Record Failure');
  let error = described.error;
  let cause = readableCause(described.cause);
  const failedState = failed.name;
  let failedInput: unknown;
  if (caught?.stateEnteredEventDetails?.input) {
    const state = JSON.parse(caught.stateEnteredEventDetails.input) as {
      error?: { Error?: string; Cause?: string };
    };
    error = state.error?.Error ?? error;
    cause = readableCause(state.error?.Cause) ?? cause;
  }
  if (failed.input) {
    try {
      failedInput = JSON.parse(failed.input);
    } catch {
      failedInput = failed.input;
    }
  }
  const redrivable = described.redriveStatus === 'REDRIVABLE';
  const name = described.name ?? executionArn.split(':').pop()!;
  const approval =
    described.status === 'RUNNING' && waitsAtApproval(events) && deps.approvalOf
      ? await deps.approvalOf(executionArn)
      : undefined;
  const waitingForApproval = approval
    ? { ...approval, resend: resendCommand(approval.approvalId) }
    : undefined;
  const suggestion = ((): Explanation['suggestion'] => {
    if (described.status === 'SUCCEEDED') return { action: 'none', why: 'the execution succeeded' };
    if (waitingForApproval && waitingForApproval.status !== 'PENDING') {
      const a = waitingForApproval;
      return {
        action: 'none',
        why: `approval ${a.approvalId} is ${a.status}${a.decision?.by ? ` by ${a.decision.by}` : ''}, but the execution has not resumed yet${a.delivery ? ` (Step Functions answered: ${a.delivery.lastError})` : ''}; the approval watchdog resends the decision every 15 minutes — see the runbook, "A decision did not resume its execution"`,
      };
    }
    if (waitingForApproval) {
      const missing = waitingForApproval.quorum - waitingForApproval.approved;
      return {
        action: 'none',
        command: waitingForApproval.resend,
        why: `the execution waits at ${APPROVAL_STATE} for ${missing} more approval(s) of ${waitingForApproval.approvers.map((a) => a.approver).join(', ')} until ${waitingForApproval.deadline}; an approver who lost the link gets a fresh one with the command below`,
      };
    }
    if (described.status === 'RUNNING')
      return { action: 'none', why: 'the execution is still running' };
    // What to do comes from the error taxonomy (functions/shared/error-taxonomy.ts).
    const known = errorEntry(error);
    if (known?.decided) return { action: 'approve-new-version', why: `${error}: ${known.advice}` };
    if (known?.kind === 'operator-fault')
      return {
        action: 'fix-config',
        command: `edge-mlops executions replay ${name}`,
        why: `${error}: ${known.advice}`,
      };
    if (known?.kind === 'model-fault')
      return { action: 'reject-model', why: `${error}: ${known.advice}` };
    // A failure inside the fleet rollout is recorded whatever its kind (the run rolled back
    // and freed the leases); a redrive would only fail again at the final Fail state.
    if (caught || (known && known.kind !== 'transient')) {
      return {
        action: 'replay',
        command: `edge-mlops executions replay ${name}`,
        why: `${error} was recorded as final; after fixing the cause, replay runs a new execution with the same input`,
      };
    }
    if (redrivable)
      return {
        action: 'redrive',
        command: `edge-mlops executions redrive ${name}`,
        why: `${error ?? 'the failure'} looks transient or fixed now: redrive resumes at ${failedState ?? 'the failed state'} without rerunning what succeeded`,
      };
    return {
      action: 'replay',
      command: `edge-mlops executions replay ${name}`,
      why: `not redrivable (${described.redriveStatusReason ?? 'unknown reason'}); replay starts a new execution with the same input`,
    };
  })();
  return {
    execution: name,
    executionArn,
    status: described.status ?? 'UNKNOWN',
    modelGroup: input.modelPackageGroupName,
    version: input.modelPackageVersion,
    ...(failedState ? { failedState } : {}),
    ...(error ? { error } : {}),
    ...(cause ? { cause } : {}),
    ...(failedInput !== undefined ? { failedInput } : {}),
    ...(exits.length
      ? {
          lastSuccessfulState: stateName(exits.at(-1)!),
        }
      : {}),
    redrivable,
    ...(described.redriveStatusReason
      ? { redriveStatusReason: described.redriveStatusReason }
      : {}),
    redriveCount: described.redriveCount ?? 0,
    ...(waitingForApproval ? { waitingForApproval } : {}),
    suggestion,
  };
};
