import { createInterface } from 'node:readline/promises';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { type ExecutionStatus, SFNClient } from '@aws-sdk/client-sfn';
import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { SingleBar } from 'cli-progress';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { type DeadLetter, listDeadLetters, replayDeadLetter } from './dlq';
import {
  type ActionResult,
  CliError,
  executionArnFrom,
  explainExecution,
  findStateMachine,
  listExecutions,
  parseSince,
  redriveExecution,
  replayExecution,
} from './executions';
import { table } from './format';
import { STATUSES, statusOf } from './status';

/** `edge-mlops executions …` and `edge-mlops dlq …`: for the people on call. */
type Common = {
  region?: string;
  profile?: string;
  endpoint?: string;
  stage?: string;
  stateMachineArn?: string;
  json?: boolean;
};

const clientConfig = (o: Common) => {
  if (o.profile) process.env.AWS_PROFILE = o.profile;
  const endpoint = o.endpoint ?? process.env.AWS_ENDPOINT_URL;
  const local = Boolean(endpoint) && !process.env.AWS_ACCESS_KEY_ID && !o.profile;
  return {
    region: o.region ?? process.env.AWS_REGION ?? 'us-east-1',
    ...(o.endpoint ? { endpoint: o.endpoint } : {}),
    ...(local ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
  };
};
const stageOf = (o: Common) =>
  o.stage ?? ((o.endpoint ?? process.env.AWS_ENDPOINT_URL) ? 'local' : 'dev');

const common = (cmd: Command) =>
  cmd
    .option('--region <region>', 'AWS region (default: AWS_REGION or us-east-1)')
    .option('--profile <profile>', 'AWS named profile')
    .option('--endpoint <url>', 'AWS endpoint, e.g. the local emulator (default: AWS_ENDPOINT_URL)')
    .option('--stage <stage>', 'edge-mlops stage (default: local with an endpoint, else dev)')
    .option(
      '--state-machine-arn <arn>',
      'the edge-deployment state machine (default: found by stage)',
    )
    .option('--json', 'print JSON for scripts');

const out = (line = '') => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`${line}\n`);

const duration = (s?: number) =>
  s === undefined
    ? ''
    : s < 120
      ? `${s}s`
      : s < 7200
        ? `${Math.round(s / 60)}m`
        : `${(s / 3600).toFixed(1)}h`;

const confirm = async (question: string): Promise<boolean> => {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await rl.question(`${question} [y/N] `);
  rl.close();
  return /^y(es)?$/i.test(answer.trim());
};

const parseStatus = (v: string) => {
  const status = statusOf(v);
  if (!status) throw new InvalidArgumentError(`one of ${STATUSES.join(', ')} (any case)`);
  return status;
};

/** Redrive or replay one execution, or all that match; a plan with --dry-run, a prompt on a TTY. */
const act = async (
  kind: 'redrive' | 'replay',
  target: string | undefined,
  o: Common & {
    all?: boolean;
    status?: ExecutionStatus;
    since?: string;
    modelGroup?: string;
    dryRun?: boolean;
    yes?: boolean;
    force?: boolean;
  },
) => {
  const sfn = new SFNClient(clientConfig(o));
  const machine = await findStateMachine(sfn, stageOf(o), o.stateMachineArn);
  let arns: string[];
  if (o.all) {
    if (target) throw new CliError('give an execution or --all, not both');
    const rows = await listExecutions(sfn, machine, {
      status: o.status ?? 'FAILED',
      since: o.since ? parseSince(o.since) : undefined,
      modelGroup: o.modelGroup,
    });
    arns = rows.map((r) => r.executionArn);
  } else {
    if (!target) throw new CliError('give an execution name or ARN, or --all');
    arns = [executionArnFrom(machine, target)];
  }
  if (o.dryRun) {
    const plan = arns.map((a) => ({ action: kind, execution: a.split(':').pop() }));
    if (o.json) out(JSON.stringify({ dryRun: true, plan }));
    else
      out(
        plan.length
          ? `would ${kind} ${plan.length} execution(s):\n${plan.map((p) => `  ${p.execution}`).join('\n')}`
          : `nothing to ${kind}`,
      );
    return 0;
  }
  if (
    arns.length > 1 &&
    process.stdin.isTTY &&
    !o.yes &&
    !(await confirm(`${kind} ${arns.length} executions?`))
  ) {
    err('cancelled');
    return 1;
  }
  const bar =
    arns.length > 1 && process.stderr.isTTY
      ? new SingleBar({
          format: `${kind} [{bar}] {value}/{total} {execution}`,
          stream: process.stderr,
        })
      : undefined;
  bar?.start(arns.length, 0, { execution: '' });
  const results: ActionResult[] = [];
  for (const arn of arns) {
    const result =
      kind === 'redrive'
        ? await redriveExecution(sfn, arn)
        : await replayExecution(sfn, machine, arn, { force: o.force });
    results.push(result);
    bar?.increment({ execution: result.execution });
  }
  bar?.stop();
  if (o.json) out(JSON.stringify({ results }));
  else for (const r of results) out(`${r.ok ? 'ok  ' : 'FAIL'}  ${r.execution}  ${r.detail}`);
  return results.every((r) => r.ok) ? 0 : 1;
};

export const registerSreCommands = (program: Command, exit: (code: number) => never) => {
  const executions = program
    .command('executions')
    .description('inspect, redrive and replay pipeline executions');

  common(executions.command('list').description('list executions (every page)'))
    .addOption(new Option('--status <status>', 'only this status').argParser(parseStatus))
    .option('--since <when>', 'started after: 24h, 30m, 7d or an ISO date')
    .option('--model-group <group>', 'only this model package group')
    .action(async (o) => {
      const sfn = new SFNClient(clientConfig(o));
      const machine = await findStateMachine(sfn, stageOf(o), o.stateMachineArn);
      const rows = await listExecutions(sfn, machine, {
        status: o.status,
        since: o.since ? parseSince(o.since) : undefined,
        modelGroup: o.modelGroup,
      });
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

  common(
    executions
      .command('explain')
      .description('why an execution failed, and what to do')
      .argument('<execution>', 'name or ARN'),
  ).action(async (target: string, o) => {
    const sfn = new SFNClient(clientConfig(o));
    const machine = await findStateMachine(sfn, stageOf(o), o.stateMachineArn);
    const x = await explainExecution(sfn, executionArnFrom(machine, target));
    if (o.json) out(JSON.stringify(x));
    else {
      out(`Execution:      ${x.execution} (${x.status})`);
      if (x.modelGroup) out(`Model:          ${x.modelGroup} v${x.version}`);
      if (x.failedState) out(`Failed state:   ${x.failedState}`);
      if (x.error) out(`Error:          ${x.error}`);
      if (x.cause) out(`Cause:          ${x.cause}`);
      if (x.lastSuccessfulState) out(`Last success:   ${x.lastSuccessfulState}`);
      out(
        `Redrivable:     ${x.redrivable ? 'yes' : `no${x.redriveStatusReason ? ` (${x.redriveStatusReason})` : ''}`}${x.redriveCount ? `, redriven ${x.redriveCount} time(s)` : ''}`,
      );
      out(`Suggested:      ${x.suggestion.action} — ${x.suggestion.why}`);
      if (x.suggestion.command) out(`Run:            ${x.suggestion.command}`);
      if (x.failedInput !== undefined)
        out(`Input of the failed state: ${JSON.stringify(x.failedInput).slice(0, 400)}…`);
    }
    exit(0);
  });

  for (const kind of ['redrive', 'replay'] as const) {
    const cmd = common(
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
      .option('--dry-run', 'print the plan, change nothing')
      .option('--yes', 'do not ask for confirmation');
    if (kind === 'replay')
      cmd.option(
        '--force',
        'replay even when a newer version has superseded it, or the version was rejected',
      );
    cmd.action(async (target: string | undefined, o) => exit(await act(kind, target, o)));
  }

  const dlq = program.command('dlq').description('events start-pipeline could not process');
  const queue = async (o: Common & { queueUrl?: string }) => {
    if (o.queueUrl) return o.queueUrl;
    const sqs = new SQSClient(clientConfig(o));
    const { QueueUrl } = await sqs.send(
      new GetQueueUrlCommand({ QueueName: `edge-mlops-${stageOf(o)}-ingest-dlq` }),
    );
    if (!QueueUrl) throw new CliError('the dead-letter queue was not found');
    return QueueUrl;
  };
  common(dlq.command('list').description('show dead-lettered events and why they failed'))
    .option('--queue-url <url>', 'the queue (default: edge-mlops-<stage>-ingest-dlq)')
    .option('--max <n>', 'at most this many', (v) => Number(v), 100)
    .action(async (o) => {
      const letters = await listDeadLetters(new SQSClient(clientConfig(o)), await queue(o), o.max);
      if (o.json)
        out(JSON.stringify({ deadLetters: letters.map(({ receiptHandle: _r, ...l }) => l) }));
      else
        out(
          table(letters as unknown as Record<string, unknown>[], [
            'messageId',
            'sentAt',
            'eventId',
            'status',
            'modelPackageArn',
            'error',
            'reason',
          ]),
        );
      exit(0);
    });
  common(
    dlq
      .command('replay')
      .description('re-deliver dead-lettered events into start-pipeline after a fix')
      .argument('[messageIds...]', 'which ones (or --all)'),
  )
    .option('--queue-url <url>', 'the queue (default: edge-mlops-<stage>-ingest-dlq)')
    .option('--all', 'every dead-lettered event')
    .option(
      '--function <name>',
      'start-pipeline function (default: edge-mlops-<stage>-startPipeline)',
    )
    .option('--dry-run', 'print the plan, change nothing')
    .option('--yes', 'do not ask for confirmation')
    .action(async (ids: string[], o) => {
      const sqs = new SQSClient(clientConfig(o));
      const url = await queue(o);
      const letters = (await listDeadLetters(sqs, url, 1000, 60)).filter(
        (l) => o.all || ids.includes(l.messageId),
      );
      if (!o.all && ids.length === 0) throw new CliError('give message ids or --all');
      if (o.dryRun) {
        out(
          o.json
            ? JSON.stringify({ dryRun: true, plan: letters.map((l: DeadLetter) => l.messageId) })
            : `would replay ${letters.length} event(s)`,
        );
        exit(0);
      }
      if (
        letters.length > 1 &&
        process.stdin.isTTY &&
        !o.yes &&
        !(await confirm(`replay ${letters.length} events?`))
      )
        exit(1);
      const lambda = new LambdaClient(clientConfig(o));
      const results = [];
      for (const letter of letters)
        results.push(
          await replayDeadLetter(
            { sqs, lambda },
            url,
            o.function ?? `edge-mlops-${stageOf(o)}-startPipeline`,
            letter,
          ),
        );
      if (o.json) out(JSON.stringify({ results }));
      else for (const r of results) out(`${r.ok ? 'ok  ' : 'FAIL'}  ${r.messageId}  ${r.detail}`);
      exit(results.every((r) => r.ok) ? 0 : 1);
    });
};

export { CliError };
