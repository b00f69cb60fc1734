import {
  DescribeExecutionCommand,
  type ExecutionStatus,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { CliError } from './cli-error';
import { failedStateOf } from './failed-state';
import { inputOf } from './state-machine';

/** `executions list`: every execution of the state machine, with its model and failed state. */
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

/**
 * Every execution of the stage's machines, newest first: releases (edge-deployment) and the
 * rollbacks of live versions rejected in the registry (roll-back-rejected), so `list`,
 * `redrive --all` and `replay --all` see a failed rollback as they see a failed release.
 */
export const listStageExecutions = async (
  sfn: SFNClient,
  machines: { deployment: string; rollback?: string },
  filter: { status?: ExecutionStatus; since?: Date; modelGroup?: string },
): Promise<ExecutionRow[]> => {
  const rows = await listExecutions(sfn, machines.deployment, filter);
  if (!machines.rollback) return rows;
  rows.push(...(await listExecutions(sfn, machines.rollback, filter)));
  return rows.sort((a, b) => b.startDate.localeCompare(a.startDate));
};
