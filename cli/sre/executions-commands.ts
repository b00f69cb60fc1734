import { type Command, Option } from 'commander';
import { approvalOfWaitingExecution } from './approvals';
import { sfnOf, stateStoreFor } from './aws';
import { act } from './bulk-action';
import { type Explanation, explainExecution } from './explain-execution';
import { table } from './format';
import { listStageExecutions, parseSince } from './list-executions';
import { assertKnownModelGroup } from './model-group';
import {
  duration,
  err,
  out,
  parseStatus,
  stageOf,
  withCommonOptions,
  withTableOption,
} from './options';
import { executionArnIn, stageMachines } from './state-machine';

/** `edge-mlops executions list|explain|redrive|replay`. */
const printExplanation = (x: Explanation) => {
  out(`Execution:      ${x.execution} (${x.status})`);
  if (x.modelGroup) out(`Model:          ${x.modelGroup} v${x.version}`);
  if (x.failedState) out(`Failed state:   ${x.failedState}`);
  if (x.error) out(`Error:          ${x.error}`);
  if (x.cause) out(`Cause:          ${x.cause}`);
  if (x.lastSuccessfulState) out(`Last success:   ${x.lastSuccessfulState}`);
  const a = x.waitingForApproval;
  if (a) {
    out(`Waiting for:    approval ${a.approvalId} (${a.approved} of ${a.quorum} needed)`);
    out(
      `Approvers:      ${a.approvers.map((p) => `${p.approver}${p.approvedAt ? ` (approved ${p.approvedAt})` : ''}`).join(', ')}`,
    );
    out(`Deadline:       ${a.deadline}${a.overdue ? ' (passed)' : ''}`);
  }
  out(
    `Redrivable:     ${x.redrivable ? 'yes' : `no${x.redriveStatusReason ? ` (${x.redriveStatusReason})` : ''}`}${x.redriveCount ? `, redriven ${x.redriveCount} time(s)` : ''}`,
  );
  out(`Suggested:      ${x.suggestion.action} — ${x.suggestion.why}`);
  if (x.suggestion.command) out(`Run:            ${x.suggestion.command}`);
  if (x.failedInput !== undefined)
    out(`Input of the failed state: ${JSON.stringify(x.failedInput).slice(0, 400)}…`);
};

export const registerExecutionCommands = (program: Command, exit: (code: number) => never) => {
  const executions = program
    .command('executions')
    .description('inspect, redrive and replay pipeline executions');

  withCommonOptions(executions.command('list').description('list executions (every page)'))
    .addOption(new Option('--status <status>', 'only this status').argParser(parseStatus))
    .option('--since <when>', 'started after: 24h, 30m, 7d or an ISO date')
    .option('--model-group <group>', 'only this model package group')
    .option(
      '--config <file>',
      'stage configuration naming the model groups (default: config/<stage>.yml)',
    )
    .action(async (o) => {
      assertKnownModelGroup(o);
      const sfn = sfnOf(o);
      const machines = await stageMachines(sfn, stageOf(o), o.stateMachineArn);
      const filter = {
        status: o.status,
        since: o.since ? parseSince(o.since) : undefined,
        modelGroup: o.modelGroup,
      };
      const rows = await listStageExecutions(sfn, machines, filter);
      if (o.json) out(JSON.stringify({ executions: rows }));
      else
        out(
          table(
            rows.map((r) => ({ ...r, duration: duration(r.durationSeconds) })),
            ['name', 'modelGroup', 'version', 'status', 'failedState', 'startDate', 'duration'],
          ),
        );
      exit(0);
    });

  withTableOption(
    withCommonOptions(
      executions
        .command('explain')
        .description('why an execution failed (or what it waits for), and what to do')
        .argument('<execution>', 'name or ARN'),
    ),
  ).action(async (target: string, o) => {
    const sfn = sfnOf(o);
    const machines = await stageMachines(sfn, stageOf(o), o.stateMachineArn);
    const x = await explainExecution(sfn, executionArnIn(machines, target), {
      // Only an execution waiting at its approval reads the state table.
      approvalOf: async (arn) => {
        try {
          return await approvalOfWaitingExecution(await stateStoreFor(o), arn, Date.now());
        } catch (error) {
          err(`edge-mlops: the approval could not be read: ${(error as Error).message}`);
          return undefined;
        }
      },
    });
    if (o.json) out(JSON.stringify(x));
    else printExplanation(x);
    exit(0);
  });

  for (const kind of ['redrive', 'replay'] as const) {
    const cmd = withCommonOptions(
      executions
        .command(kind)
        .description(
          kind === 'redrive'
            ? 'resume failed executions where they failed (RedriveExecution)'
            : 'start new executions with the same input (…-replay-N)',
        )
        .argument('[execution]', 'name or ARN (or --all)'),
    )
      .option('--all', 'every execution matching --status/--since/--model-group')
      .addOption(
        new Option('--status <status>', 'with --all (default FAILED)').argParser(parseStatus),
      )
      .option('--since <when>', 'with --all: started after 24h, 30m, 7d or an ISO date')
      .option('--model-group <group>', 'with --all: only this model package group')
      .option(
        '--config <file>',
        'stage configuration naming the model groups (default: config/<stage>.yml)',
      )
      .option('--dry-run', 'print the plan, change nothing')
      .option('--yes', 'do not ask for confirmation');
    if (kind === 'replay')
      cmd.option(
        '--force',
        'replay even when a newer version has superseded it, or the version was rejected',
      );
    cmd.action(async (target: string | undefined, o) => {
      assertKnownModelGroup(o);
      exit(await act(kind, target, o));
    });
  }
};
