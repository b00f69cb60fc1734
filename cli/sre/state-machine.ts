import {
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListStateMachinesCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { APPROVAL_STATE } from '../../functions/shared/approval/delivery';
import { executionArnOf } from '../../functions/shared/names';
import { CliError } from './cli-error';

/** Finding the edge-deployment state machine, its executions and their histories. */

/**
 * The state machines of a stage (serverless.yml `stepFunctions.stateMachines`): releases run
 * on edge-deployment; the rollback of a live version rejected in the registry on its own.
 */
export type MachineRole = 'edge-deployment' | 'roll-back-rejected';

/** A state machine of a stage (by default edge-deployment), or the one given. */
export const findStateMachine = async (
  sfn: SFNClient,
  stage: string,
  given?: string,
  role: MachineRole = 'edge-deployment',
): Promise<string> => {
  if (given) return given;
  const wanted = `edge-mlops-${stage}-${role}`;
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

/**
 * The machines whose executions the SRE commands read: edge-deployment and, unless one
 * machine was given, the rollback machine (absent on a stack deployed before it existed).
 */
export const stageMachines = async (
  sfn: SFNClient,
  stage: string,
  given?: string,
): Promise<{ deployment: string; rollback?: string }> => {
  const deployment = await findStateMachine(sfn, stage, given);
  if (given) return { deployment };
  const rollback = await findStateMachine(sfn, stage, undefined, 'roll-back-rejected').catch(
    () => undefined,
  );
  return rollback ? { deployment, rollback } : { deployment };
};

/** The state machine an execution belongs to (a replay starts on the same machine). */
export const stateMachineArnOf = (executionArn: string) =>
  executionArn.replace(':execution:', ':stateMachine:').replace(/:[^:]+$/, '');

/** Start Pipeline names the rollback of a rejected live version `rollback-…`. */
export const ROLLBACK_EXECUTION_PREFIX = 'rollback-';

/** An execution's ARN from its name (on the machine its name says) or its ARN. */
export const executionArnIn = (
  machines: { deployment: string; rollback?: string },
  nameOrArn: string,
) =>
  executionArnFrom(
    machines.rollback && nameOrArn.startsWith(ROLLBACK_EXECUTION_PREFIX)
      ? machines.rollback
      : machines.deployment,
    nameOrArn,
  );

/** The name of an execution, from its ARN. */
export const executionNameOf = (executionArn: string) => executionArn.split(':').pop() ?? '';

export type ExecutionInput = {
  modelPackageGroupName?: string;
  modelPackageVersion?: number;
  modelPackageArn?: string;
};

/** The model package an execution carries (its input), or nothing if the input is not JSON. */
export const inputOf = (d: Pick<DescribeExecutionCommandOutput, 'input'>): ExecutionInput => {
  try {
    return JSON.parse(d.input ?? '{}') as ExecutionInput;
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

export const stateName = (e: HistoryEvent) =>
  e.stateEnteredEventDetails?.name ?? e.stateExitedEventDetails?.name;

/** True when the newest Request Approval was entered and not yet left: it waits for people. */
export const waitsAtApproval = (events: HistoryEvent[]) => {
  const entered = events.findLastIndex((e) => e.stateEnteredEventDetails?.name === APPROVAL_STATE);
  return (
    entered >= 0 &&
    !events.slice(entered).some((e) => e.stateExitedEventDetails?.name === APPROVAL_STATE)
  );
};
