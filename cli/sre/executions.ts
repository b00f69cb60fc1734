import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  type ExecutionStatus,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  ListStateMachinesCommand,
  RedriveExecutionCommand,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { errorEntry } from '../../functions/shared/error-taxonomy';
import { readableCause } from '../../functions/shared/errors';
import { deterministicName, EXECUTION_NAME, executionArnOf } from '../../functions/shared/names';
import { failedStateOf } from './failed-state';

/**
 * The SRE commands' logic, with the Step Functions client injected: list, explain,
 * redrive and replay executions of the edge-deployment state machine.
 */
export type ExecutionRow = {
  name: string;
  executionArn: string;
  modelGroup?: string;
  version?: number;
  status: string;
  failedState?: string;
  startDate: string;
  durationSeconds?: number;
};

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 2,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** `24h`, `30m`, `7d` or an ISO date → the earliest start date. */
export const parseSince = (since: string, now = Date.now()): Date => {
  const m = /^(\d+)([smhd])$/.exec(since);
  if (m)
    return new Date(
      now - Number(m[1]) * { s: 1e3, m: 6e4, h: 3.6e6, d: 8.64e7 }[m[2] as 's' | 'm' | 'h' | 'd'],
    );
  const at = Date.parse(since);
  if (Number.isNaN(at))
    throw new CliError(`--since ${since}: give a duration like 24h, 30m, 7d or an ISO date`);
  return new Date(at);
};

/** The edge-deployment state machine of a stage (or the one given). */
export const findStateMachine = async (
  sfn: SFNClient,
  stage: string,
  given?: string,
): Promise<string> => {
  if (given) return given;
  const wanted = `edge-mlops-${stage}-edge-deployment`;
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(new ListStateMachinesCommand({ nextToken }));
    const found = page.stateMachines?.find((m) => m.name === wanted);
    if (found?.stateMachineArn) return found.stateMachineArn;
    nextToken = page.nextToken;
  } while (nextToken);
  throw new CliError(`no state machine named ${wanted} (wrong --stage, --region or credentials?)`);
};

/** An execution ARN from a name or an ARN. */
export const executionArnFrom = (stateMachineArn: string, nameOrArn: string) =>
  nameOrArn.startsWith('arn:') ? nameOrArn : executionArnOf(stateMachineArn, nameOrArn);

type Input = {
  modelPackageGroupName?: string;
  modelPackageVersion?: number;
  modelPackageArn?: string;
};
const inputOf = (d: DescribeExecutionCommandOutput): Input => {
  try {
    return JSON.parse(d.input ?? '{}') as Input;
  } catch {
    return {};
  }
};

/** Every page of the history (it can be long: up to 25,000 events). */
export const fullHistory = async (
  sfn: SFNClient,
  executionArn: string,
): Promise<HistoryEvent[]> => {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn, nextToken, maxResults: 1000 }),
    );
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
};

const stateName = (e: HistoryEvent) =>
  e.stateEnteredEventDetails?.name ?? e.stateExitedEventDetails?.name;

export const listExecutions = async (
  sfn: SFNClient,
  stateMachineArn: string,
  filter: { status?: ExecutionStatus; since?: Date; modelGroup?: string },
): Promise<ExecutionRow[]> => {
  const rows: ExecutionRow[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(
      new ListExecutionsCommand({
        stateMachineArn,
        statusFilter: filter.status,
        nextToken,
        maxResults: 1000,
      }),
    );
    for (const e of page.executions ?? []) {
      if (filter.since && e.startDate && e.startDate < filter.since) continue;
      const described = await sfn.send(
        new DescribeExecutionCommand({ executionArn: e.executionArn }),
      );
      const input = inputOf(described);
      if (filter.modelGroup && input.modelPackageGroupName !== filter.modelGroup) continue;
      let failedState: string | undefined;
      if (e.status !== 'RUNNING' && e.status !== 'SUCCEEDED') {
        const recent = await sfn.send(
          new GetExecutionHistoryCommand({
            executionArn: e.executionArn,
            reverseOrder: true,
            maxResults: 100,
          }),
        );
        failedState = failedStateOf([...(recent.events ?? [])].reverse()).name;
      }
      rows.push({
        name: e.name ?? '',
        executionArn: e.executionArn ?? '',
        modelGroup: input.modelPackageGroupName,
        version: input.modelPackageVersion,
        status: e.status ?? '',
        ...(failedState ? { failedState } : {}),
        startDate: e.startDate?.toISOString() ?? '',
        ...(e.stopDate && e.startDate
          ? { durationSeconds: Math.round((e.stopDate.getTime() - e.startDate.getTime()) / 1000) }
          : {}),
      });
    }
    nextToken = page.nextToken;
  } while (nextToken);
  return rows;
};

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
  suggestion: {
    action: 'redrive' | 'replay' | 'fix-config' | 'reject-model' | 'approve-new-version' | 'none';
    command?: string;
    why: string;
  };
};

/** What went wrong, from the execution history, and what to do about it. */
export const explainExecution = async (
  sfn: SFNClient,
  executionArn: string,
): Promise<Explanation> => {
  const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  const input = inputOf(described);
  const events = await fullHistory(sfn, executionArn);
  const exits = events.filter((e) => e.type?.endsWith('StateExited'));
  const failed =
    described.status === 'SUCCEEDED' || described.status === 'RUNNING' ? {} : failedStateOf(events);
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
  const suggestion = ((): Explanation['suggestion'] => {
    if (described.status === 'SUCCEEDED') return { action: 'none', why: 'the execution succeeded' };
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
          lastSuccessfulState: stateName(exits.filter((e) => stateName(e) !== failedState).at(-1)!),
        }
      : {}),
    redrivable,
    ...(described.redriveStatusReason
      ? { redriveStatusReason: described.redriveStatusReason }
      : {}),
    redriveCount: described.redriveCount ?? 0,
    suggestion,
  };
};

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
  options: { force?: boolean } = {},
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
