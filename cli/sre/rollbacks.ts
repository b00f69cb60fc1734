import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { executionNameOf, inputOf } from './state-machine';

/**
 * Devices a rollback could not restore, as Check Rollback found them (its result in the
 * execution history: `rollback.stillBad`, every device still on the failed release). Only the newest rollback of a fleet counts, and only if no release
 * reached the fleet since.
 */
export type NotRestored = {
  execution: string;
  at: string;
  devices: { device: string; wave: string; status: string }[];
};

type RollbackResult = {
  execution: string;
  at: string;
  /** The fleets it rolled back. */
  fleets: string[];
  stillBad: { device: string; fleet: string; wave: string; status: string }[];
};

/** How many of the newest failed executions are searched for a rollback. */
const SEARCHED = 20;

const rollbackResultOf = async (
  sfn: SFNClient,
  executionArn: string,
): Promise<RollbackResult | undefined> => {
  const { events } = await sfn.send(
    new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 200 }),
  );
  for (const e of events ?? []) {
    const exited = e.stateExitedEventDetails;
    if (exited?.name !== 'Check Rollback' || !exited.output) continue;
    const output = JSON.parse(exited.output) as {
      rollback?: {
        done?: boolean;
        fleets?: { fleet: string }[];
        stillBad?: RollbackResult['stillBad'];
      };
    };
    if (!output.rollback?.done) continue;
    return {
      execution: executionNameOf(executionArn),
      at: e.timestamp?.toISOString() ?? '',
      fleets: (output.rollback.fleets ?? []).map((f) => f.fleet),
      stillBad: output.rollback.stillBad ?? [],
    };
  }
  return undefined;
};

/** Finds, per model group, the newest rollbacks (each execution read once per command). */
export const rollbackFinder = (sfn: SFNClient, stateMachineArn: string) => {
  const byGroup = new Map<string, Promise<RollbackResult[]>>();
  const rollbacksOf = async (modelGroup: string) => {
    const { executions } = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn, statusFilter: 'FAILED', maxResults: SEARCHED }),
    );
    const found: RollbackResult[] = [];
    // ListExecutions answers newest first ("Results are sorted by time, with the most recent
    // execution first": Step Functions API reference, ListExecutions), as the emulator does.
    for (const x of executions ?? []) {
      const described = await sfn.send(
        new DescribeExecutionCommand({ executionArn: x.executionArn }),
      );
      if (inputOf(described).modelPackageGroupName !== modelGroup) continue;
      const result = await rollbackResultOf(sfn, x.executionArn!);
      if (result) found.push(result);
    }
    return found;
  };
  return async (only: {
    modelGroup: string;
    fleet: string;
    after?: string;
  }): Promise<NotRestored | undefined> => {
    let pending = byGroup.get(only.modelGroup);
    if (!pending) {
      pending = rollbacksOf(only.modelGroup);
      byGroup.set(only.modelGroup, pending);
    }
    const newest = (await pending).find((r) => r.fleets.includes(only.fleet));
    if (!newest || (only.after && newest.at <= only.after)) return undefined;
    if (!newest.stillBad.some((d) => d.fleet === only.fleet)) return undefined;
    return {
      execution: newest.execution,
      at: newest.at,
      devices: newest.stillBad
        .filter((d) => d.fleet === only.fleet)
        .map(({ device, wave, status }) => ({ device, wave, status })),
    };
  };
};
