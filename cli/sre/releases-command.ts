import type { Command } from 'commander';
import { sfnOf, stateStoreFor } from './aws';
import { CliError } from './cli-error';
import { out, stageOf, withCommonOptions, withTableOption } from './options';
import { type ReleaseView, releaseHistory } from './releases';
import { stageMachines } from './state-machine';

/** `edge-mlops releases <model-group>`: every version's way, oldest first. */
export const formatRelease = (r: ReleaseView): string => {
  const lines = [
    `${r.version !== undefined ? `v${r.version}` : '?'} ${r.kind === 'rollback' ? 'ROLLBACK ' : ''}${r.execution}`,
    `  started:   ${r.started}${r.stopped ? `, ended ${r.stopped}` : ''}`,
    `  outcome:   ${r.outcome}`,
  ];
  const a = r.approval;
  if (a) {
    const approved = a.approvedBy.map((p) => `${p.approver} at ${p.at}`).join(', ');
    const decision =
      a.decision && a.decision.outcome !== 'APPROVED'
        ? `${a.decision.outcome}${a.decision.by ? ` by ${a.decision.by}` : ''} at ${a.decision.at}${a.decision.reason ? ` (${a.decision.reason})` : ''}`
        : '';
    const waiting =
      a.status === 'PENDING'
        ? `pending: ${a.approvedBy.length} of ${a.quorum} from ${a.approvers.join(', ')} before ${a.deadline}`
        : '';
    lines.push(
      `  approval:  ${[approved && `approved by ${approved}`, decision, waiting].filter(Boolean).join('; ') || a.status}`,
    );
  }
  if (r.fleets.length)
    lines.push(
      `  fleets:    ${r.fleets.map((f) => `${f.fleet} ${f.status}${f.offline?.length ? ` (offline: ${f.offline.join(', ')})` : ''}`).join(', ')}`,
    );
  if (r.rollback) lines.push(`  rollback:  ${r.rollback}`);
  return lines.join('\n');
};

export const registerReleaseCommands = (program: Command, exit: (code: number) => never) => {
  withTableOption(
    withCommonOptions(
      program
        .command('releases')
        .description(
          'the history of a model group: each version, its outcome, who approved or rejected it, which fleets got it, rollbacks',
        )
        .argument('<model-group>', 'the model package group'),
    ),
  ).action(async (modelGroup: string, o) => {
    const sfn = sfnOf(o);
    // Rollbacks of a live version rejected in the registry run on a machine of their own.
    const machines = await stageMachines(sfn, stageOf(o), o.stateMachineArn);
    const machine = machines.deployment;
    const releases = await releaseHistory(
      sfn,
      [machine, ...(machines.rollback ? [machines.rollback] : [])],
      await stateStoreFor(o),
      modelGroup,
    );
    if (releases.length === 0)
      throw new CliError(
        `no executions of model group ${modelGroup} on ${machine.split(':').pop()} (is the name right?)`,
      );
    if (o.json) out(JSON.stringify({ modelGroup, releases }));
    else out(releases.map(formatRelease).join('\n\n'));
    exit(0);
  });
};
