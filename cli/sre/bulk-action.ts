import { createInterface } from 'node:readline/promises';
import type { ExecutionStatus, SFNClient } from '@aws-sdk/client-sfn';
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
    // The same checks as the real action, so the plan names what it would skip and why.
    const checked = await each(sfn, kind, arns, o, true);
    const plan = checked.map((r) =>
      r.ok
        ? { action: kind, execution: r.execution }
        : { action: 'skip' as const, execution: r.execution, why: r.detail },
    );
    if (o.json) out(JSON.stringify({ dryRun: true, plan }));
    else out(planText(kind, plan));
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
  const results = await each(sfn, kind, arns, o, false, (r) =>
    bar?.increment({ execution: r.execution }),
  );
  bar?.stop();
  if (o.json) out(JSON.stringify({ results }));
  else for (const r of results) out(`${r.ok ? 'ok  ' : 'FAIL'}  ${r.execution}  ${r.detail}`);
  return results.every((r) => r.ok) ? 0 : 1;
};

/** Each execution in turn, through the same checks whether it acts or only plans. */
const each = async (
  sfn: SFNClient,
  kind: 'redrive' | 'replay',
  arns: string[],
  o: BulkOptions,
  dryRun: boolean,
  done?: (result: ActionResult) => void,
): Promise<ActionResult[]> => {
  const results: ActionResult[] = [];
  for (const arn of arns) {
    const result =
      kind === 'redrive'
        ? await redriveExecution(sfn, arn, { dryRun })
        : await replayExecution(sfn, stateMachineArnOf(arn), arn, { force: o.force, dryRun });
    results.push(result);
    done?.(result);
  }
  return results;
};

const planText = (
  kind: 'redrive' | 'replay',
  plan: { action: string; execution: string; why?: string }[],
): string => {
  const acting = plan.filter((p) => p.action === kind);
  const skipped = plan.filter((p) => p.action === 'skip');
  if (!plan.length) return `nothing to ${kind}`;
  return [
    acting.length
      ? `would ${kind} ${acting.length} execution(s):\n${acting.map((p) => `  ${p.execution}`).join('\n')}`
      : `would ${kind} nothing`,
    skipped.length
      ? `would skip ${skipped.length} execution(s):\n${skipped.map((p) => `  ${p.execution}  ${p.why}`).join('\n')}`
      : '',
  ]
    .filter(Boolean)
    .join('\n');
};
