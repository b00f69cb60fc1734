import type { Logger } from '@aws-lambda-powertools/logger';
import type { Clock } from '../shared/clock';
import type { Plan } from '../shared/plan';
import type { Fleet } from '../shared/stage-config/schema';
import { acquireFleetLease, type StateStore } from '../shared/state-store';

export type LeaseFleetDeps = { store: StateStore; logger: Logger; now: Clock };

/** Slack on top of the waves' own timeouts before a lease counts as abandoned. */
const LEASE_MARGIN_MS = 60 * 60 * 1000;

/**
 * Takes the fleet's rollout lease for this execution, so two executions never roll out
 * to the same fleet at once; Start Wave takes it before a fleet's first wave (again on a
 * retry: the lease is already this execution's). The lease lasts as long as all waves of
 * the release may take plus an hour, so a crashed execution frees the fleet on its own.
 * Busy → `FleetBusy` (retried).
 */
export const leaseFleet = async (
  plan: Plan,
  fleet: Pick<Fleet, 'name'>,
  { store, logger, now }: LeaseFleetDeps,
): Promise<{ fleet: string; holder: string; expiresAt: string }> => {
  const at = now().getTime();
  // All-or-nothing releases keep a finished fleet's lease until the last fleet completes,
  // so the lease covers every wave (and bake) of the whole release, not just this fleet.
  const waveMinutes = plan.fleets
    .flatMap((f) => f.waves)
    .reduce((sum, w) => sum + w.waveTimeoutMinutes + (w.bakeMinutes ?? 0), 0);
  const expiresAt = at + waveMinutes * 60_000 + LEASE_MARGIN_MS;
  await acquireFleetLease(
    store,
    plan.modelPackageGroupName,
    fleet.name,
    plan.executionArn,
    at,
    expiresAt,
  );
  logger.info('fleet lease acquired', {
    fleet: fleet.name,
    expiresAt: new Date(expiresAt).toISOString(),
  });
  return {
    fleet: fleet.name,
    holder: plan.executionArn,
    expiresAt: new Date(expiresAt).toISOString(),
  };
};
