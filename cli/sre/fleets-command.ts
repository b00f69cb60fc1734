import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { loadStageConfig } from '../../functions/shared/stage-config/load';
import { sfnOf, stateStoreFor, targetClientsFor } from './aws';
import { CliError } from './cli-error';
import { type DeviceCounts, type FleetView, fleetViews } from './fleets';
import { out, stageOf, withCommonOptions, withTableOption } from './options';
import { rollbackFinder } from './rollbacks';
import { findStateMachine } from './state-machine';

/** `edge-mlops fleets`: what runs where, what is rolling out, what could not be restored. */
const BAR = 30;

/**
 * A static bar (a snapshot on stdout, the same in a terminal, a pipe or a transcript):
 * █ succeeded, ✗ failed, ▒ in progress, · queued (offline or not yet reached).
 */
export const progressBar = (c: DeviceCounts) => {
  if (c.total === 0) return `[${' '.repeat(BAR)}] no devices`;
  const cells = (n: number) => Math.round((n / c.total) * BAR);
  const parts = [
    ['█', cells(c.succeeded)],
    ['✗', cells(c.failed)],
    ['▒', cells(c.inProgress)],
  ] as const;
  const drawn = parts.map(([ch, n]) => ch.repeat(n)).join('');
  const bar = (drawn + '·'.repeat(BAR)).slice(0, BAR);
  return `[${bar}] ${c.succeeded}/${c.total} succeeded, ${c.failed} failed, ${c.inProgress} in progress, ${c.queued} queued/offline`;
};

const v = (version?: number) => (version === undefined ? 'none of ours' : `v${version}`);

export const formatFleet = (f: FleetView): string => {
  const lines = [`${f.modelGroup} / ${f.fleet}`];
  const now =
    f.runsNow.length === 1
      ? v(f.runsNow[0]!.version)
      : f.runsNow.map((r) => `${v(r.version)} (${r.waves.join(', ')})`).join(', ');
  lines.push(`  runs now:   ${now}`);
  lines.push(
    `  last good:  ${f.lastGood ? `v${f.lastGood.version} (${f.lastGood.execution}, ${f.lastGood.at})` : 'none recorded'}`,
  );
  if (f.previousGood)
    lines.push(`  before it:  v${f.previousGood.version} (${f.previousGood.execution})`);
  if (f.rollout) {
    lines.push(
      `  rolling out ${v(f.rollout.version)}: ${f.rollout.execution} (lease until ${f.rollout.leaseExpiresAt ?? '?'})`,
    );
    for (const w of f.waves) {
      const reached = f.rollout.waves.includes(w);
      lines.push(
        `    ${w.wave.padEnd(10)} ${reached && w.counts ? progressBar(w.counts) : 'waiting for its turn'}`,
      );
    }
  } else lines.push('  rollout:    none in flight');
  if (f.notRestored) {
    lines.push(
      `  NOT RESTORED by ${f.notRestored.execution} (${f.notRestored.at}): ${f.notRestored.devices.map((d) => `${d.device} (${d.wave}, ${d.status})`).join(', ')}`,
    );
  }
  return lines.join('\n');
};

export const registerFleetCommands = (program: Command, exit: (code: number) => never) => {
  withTableOption(
    withCommonOptions(
      program
        .command('fleets')
        .description(
          'each configured fleet: the version it runs now, the last good release, a rollout in flight, devices not restored',
        ),
    ),
  )
    .option('--config <file>', 'stage configuration (default: config/<stage>.yml)')
    .option('--model-group <group>', 'only this model package group')
    .option('--fleet <name>', 'only this fleet')
    .action(async (o) => {
      const file = o.config ?? `config/${stageOf(o)}.yml`;
      if (!existsSync(file))
        throw new CliError(`${file} does not exist: give the stage configuration with --config`);
      const config = loadStageConfig(file);
      if (o.modelGroup && !config.modelGroups[o.modelGroup])
        throw new CliError(
          `${file} has no model group ${o.modelGroup} (it has ${Object.keys(config.modelGroups).join(', ')})`,
        );
      const sfn = sfnOf(o);
      const stateMachineArn = await findStateMachine(sfn, stageOf(o), o.stateMachineArn);
      const fleets = await fleetViews(
        config,
        {
          store: await stateStoreFor(o),
          sfn,
          clientsFor: targetClientsFor(o),
          notRestored: rollbackFinder(sfn, stateMachineArn),
          now: Date.now(),
        },
        { modelGroup: o.modelGroup, fleet: o.fleet },
      );
      if (o.fleet && fleets.length === 0) throw new CliError(`no fleet ${o.fleet} in ${file}`);
      if (o.json) out(JSON.stringify({ fleets }));
      else out(fleets.map(formatFleet).join('\n\n'));
      exit(0);
    });
};
