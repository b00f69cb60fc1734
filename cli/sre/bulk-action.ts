import { createInterface } from 'node:readline/promises';
import type { ExecutionStatus } from '@aws-sdk/client-sfn';
import { SingleBar } from 'cli-progress';
import { sfnOf } from './aws';
import { CliError } from './cli-error';
import { type ActionResult, redriveExecution, replayExecution } from './execution-actions';
import { listStageExecutions, parseSince } from './list-executions';
import { type CommonOptions, err, out, stageOf } from './options';
import { executionArnIn, stageMachines, stateMachineArnOf } from './state-machine';

export type BulkOptions = CommonOptions & {
  all?: boolean;
  status?: ExecutionStatus;
  since?: string;
  modelGroup?: string;
  dryRun?: boolean;
  yes?: boolean;
  force?: boolean;
};

export const confirm = async (question: string): Promise<boolean> => {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await rl.question(`${question} [y/N] `);
  rl.close();
  return /^y(es)?$/i.test(answer.trim());
};

/** Redrive or replay one execution, or all that match; a plan with --dry-run, a prompt on a TTY. */
export const act = async (
  kind: 'redrive' | 'replay',
  target: string | undefined,
  o: BulkOptions,
): Promise<number> => {
  const sfn = sfnOf(o);
  const machines = await stageMachines(sfn, stageOf(o), o.stateMachineArn);
  let arns: string[];
  if (o.all) {
    if (target) throw new CliError('give an execution or --all, not both');
    const rows = await listStageExecutions(sfn, machines, {
      status: o.status ?? 'FAILED',
      since: o.since ? parseSince(o.since) : undefined,
      modelGroup: o.modelGroup,
    });
    arns = rows.map((r) => r.executionArn);
  } else {
    if (!target) throw new CliError('give an execution name or ARN, or --all');
    arns = [executionArnIn(machines, target)];
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
        : await replayExecution(sfn, stateMachineArnOf(arn), arn, { force: o.force });
    results.push(result);
    bar?.increment({ execution: result.execution });
  }
  bar?.stop();
  if (o.json) out(JSON.stringify({ results }));
  else for (const r of results) out(`${r.ok ? 'ok  ' : 'FAIL'}  ${r.execution}  ${r.detail}`);
  return results.every((r) => r.ok) ? 0 : 1;
};
