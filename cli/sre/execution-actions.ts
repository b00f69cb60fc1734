import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  RedriveExecutionCommand,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { errorEntry } from '../../functions/shared/error-taxonomy';
import { deterministicName, EXECUTION_NAME } from '../../functions/shared/names';
import { listExecutions } from './list-executions';
import { inputOf } from './state-machine';

/** `executions redrive` and `executions replay` of one execution. */
export type ActionResult = {
  execution: string;
  ok: boolean;
  action: 'redrive' | 'replay' | 'skip';
  detail: string;
  newExecutionArn?: string;
};

/** RedriveExecution when Step Functions allows it; otherwise why not, and the replay to run instead. */
export const redriveExecution = async (
  sfn: SFNClient,
  executionArn: string,
  options: { dryRun?: boolean } = {},
): Promise<ActionResult> => {
  const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  const name = described.name ?? executionArn.split(':').pop()!;
  if (described.redriveStatus !== 'REDRIVABLE') {
    return {
      execution: name,
      ok: false,
      action: 'redrive',
      detail: `not redrivable: ${described.redriveStatusReason ?? described.status}; try: edge-mlops executions replay ${name}`,
    };
  }
  // A redrive resumes at the state that failed. An execution that recorded its failure
  // (Record Failure) failed at its final Fail state: redriven, it enters that state and fails
  // again, having done nothing (Step Functions developer guide, "Redriving executions").
  const { events } = await sfn.send(
    new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 10 }),
  );
  const lastEntered = (events ?? []).find((e) => e.type?.endsWith('StateEntered'));
  if (lastEntered?.type === 'FailStateEntered') {
    const entry = errorEntry(described.error);
    const advice =
      entry?.decided || entry?.kind === 'model-fault'
        ? entry.advice
        : `replay it once the cause is fixed: edge-mlops executions replay ${name}`;
    return {
      execution: name,
      ok: false,
      action: 'skip',
      detail: `ended at its Fail state ${lastEntered.stateEnteredEventDetails?.name} after recording ${described.error ?? 'its failure'}: a redrive would only fail there again; ${advice}`,
    };
  }
  if (options.dryRun)
    return { execution: name, ok: true, action: 'redrive', detail: 'would be redriven' };
  try {
    const { redriveDate } = await sfn.send(
      new RedriveExecutionCommand({ executionArn, clientToken: `redrive-${name}`.slice(0, 64) }),
    );
    return {
      execution: name,
      ok: true,
      action: 'redrive',
      detail: `redriven at ${redriveDate?.toISOString() ?? 'now'}`,
    };
  } catch (error) {
    return {
      execution: name,
      ok: false,
      action: 'redrive',
      detail: `${(error as Error).name}: ${(error as Error).message}`,
    };
  }
};

/**
 * A new execution with the same input, named `<name>-replay-<n>`. Refused when a newer
 * execution of the same model group (a higher version) has started since, unless forced:
 * replaying an old version would roll back what superseded it.
 */
export const replayExecution = async (
  sfn: SFNClient,
  stateMachineArn: string,
  executionArn: string,
  options: { force?: boolean; dryRun?: boolean } = {},
): Promise<ActionResult> => {
  const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  const name = described.name ?? executionArn.split(':').pop()!;
  const input = inputOf(described);
  // A decision about the version, not a failure: replaying would meet the same decision.
  const decided = errorEntry(described.error);
  if (!options.force && decided?.decided)
    return {
      execution: name,
      ok: false,
      action: 'skip',
      detail: `${described.error}: ${decided.advice}; use --force to replay anyway`,
    };
  if (!options.force && input.modelPackageGroupName) {
    const newer = (
      await listExecutions(sfn, stateMachineArn, { modelGroup: input.modelPackageGroupName })
    ).find(
      (e) =>
        (e.version ?? 0) > (input.modelPackageVersion ?? 0) &&
        e.startDate > (described.startDate?.toISOString() ?? ''),
    );
    if (newer) {
      return {
        execution: name,
        ok: false,
        action: 'skip',
        detail: `superseded by ${newer.name} (version ${newer.version}); use --force to replay anyway`,
      };
    }
  }
  if (options.dryRun)
    return { execution: name, ok: true, action: 'replay', detail: 'would be replayed' };
  const base = name.replace(/-replay-\d+$/, '');
  for (let n = 1; n <= 50; n++) {
    const replayName = deterministicName([base, 'replay', n], EXECUTION_NAME);
    try {
      const { executionArn: arn } = await sfn.send(
        new StartExecutionCommand({ stateMachineArn, name: replayName, input: described.input }),
      );
      return {
        execution: name,
        ok: true,
        action: 'replay',
        detail: `started ${replayName}`,
        newExecutionArn: arn,
      };
    } catch (error) {
      if ((error as Error).name !== 'ExecutionAlreadyExists') {
        return {
          execution: name,
          ok: false,
          action: 'replay',
          detail: `${(error as Error).name}: ${(error as Error).message}`,
        };
      }
    }
  }
  return { execution: name, ok: false, action: 'replay', detail: 'already replayed 50 times' };
};
