import type { DeviceCounts, FleetView } from './fleets';

/** The human view of `edge-mlops fleets` (JSON is the FleetView itself). */
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
