import type { HistoryEvent } from '@aws-sdk/client-sfn';

/**
 * What an execution did to each fleet, from what its fleet tasks returned (its history):
 * `Complete Fleet Rollout` (DEPLOYED, with the devices that were offline), `Check Rollback` of a
 * failed rollout (ROLLED BACK) and `Roll Back Rejected Release` (ROLLED BACK to the version each
 * fleet went back to). Read by `releases` and by the summary of `simulate`.
 */
export type FleetOutcome = { fleet: string; status: string; offline?: string[] };

const exitsOf = (events: HistoryEvent[], state: string) =>
  events
    .filter((e) => e.stateExitedEventDetails?.name === state && e.stateExitedEventDetails.output)
    .map((e) => JSON.parse(e.stateExitedEventDetails!.output!) as Record<string, any>);

export const fleetOutcomesOf = (
  events: HistoryEvent[],
): { fleets: FleetOutcome[]; rollbackCause?: string; rolledBack: boolean } => {
  const fleets: FleetOutcome[] = [];
  for (const done of exitsOf(events, 'Complete Fleet Rollout'))
    fleets.push({
      fleet: done.fleet,
      status: done.status,
      ...(done.offline?.length ? { offline: done.offline } : {}),
    });
  for (const back of exitsOf(events, 'Roll Back Rejected Release'))
    for (const f of back.rolledBack?.fleets ?? [])
      fleets.push({
        fleet: f.fleet,
        status: `ROLLED BACK to ${f.restoredVersion === null ? 'nothing' : `v${f.restoredVersion}`}`,
      });
  const checked = exitsOf(events, 'Check Rollback').find((o) => o.rollback?.done);
  if (!checked) return { fleets, rolledBack: false };
  for (const f of checked.rollback.fleets ?? []) {
    const got = fleets.find((r) => r.fleet === f.fleet);
    if (got) got.status = 'ROLLED BACK';
    else fleets.push({ fleet: f.fleet, status: 'ROLLED BACK' });
  }
  return {
    fleets,
    rolledBack: true,
    ...(checked.rollback.cause ? { rollbackCause: checked.rollback.cause } : {}),
  };
};

/** One line per run: `factory-jetson DEPLOYED (offline: a, b), field-rpi ROLLED BACK`. */
export const formatFleetOutcomes = (fleets: readonly FleetOutcome[]) =>
  fleets.length
    ? fleets
        .map(
          (f) => `${f.fleet} ${f.status}${f.offline ? ` (offline: ${f.offline.join(', ')})` : ''}`,
        )
        .join(', ')
    : 'none reached';
