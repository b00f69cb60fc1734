import type { JobCounts } from '../check-deployment/settle';
import type { ComponentMap } from '../shared/greengrass/deployments';

/**
 * Pure: is a rollback deployment done? Like a wave, it settles once nothing is in progress
 * and nothing is queued, or only offline devices are (their executions stay QUEUED) after the
 * grace period. A deployment with no job (nothing to apply) is settled.
 */
export const rollbackSettled = (counts: JobCounts | undefined, graceOver: boolean): boolean =>
  !counts || (counts.inProgress === 0 && (counts.queued === 0 || graceOver));

/** Pure: does a device run something of the failed release (ours, at its versions)? */
export const runsBadRelease = (
  installed: { componentName?: string; componentVersion?: string }[],
  bad: ComponentMap,
): boolean =>
  installed.some(
    (c) =>
      c.componentName !== undefined &&
      bad[c.componentName]?.componentVersion !== undefined &&
      bad[c.componentName]?.componentVersion === c.componentVersion,
  );

export type StillBad = { device: string; fleet: string; wave: string; status: string };

/** The sentence of the failure cause about one fleet's rollback. */
export const fleetRollbackSentence = (
  fleet: { fleet: string; finished: boolean; restored: string | null; waves: string[] },
  version: number,
  stillBad: StillBad[],
  truncated: boolean,
): string => {
  const what = fleet.restored
    ? `restored ${fleet.restored}`
    : 'removed the model (no earlier release)';
  const where = `rolled back ${fleet.fleet}${fleet.finished ? ' (had completed; all-or-nothing)' : ''} ${fleet.waves.join(', ')}`;
  if (stillBad.length === 0 && !truncated) return `${where}: ${what} on all devices`;
  const names = stillBad
    .slice(0, 20)
    .map((d) => `${d.device} (${d.wave}, ${d.status})`)
    .join(', ');
  return `${where}: ${what} EXCEPT ${stillBad.length}${truncated ? '+' : ''} device(s) still on v${version}: ${names}`;
};
