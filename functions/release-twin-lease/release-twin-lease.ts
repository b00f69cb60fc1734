import type { Logger } from '@aws-lambda-powertools/logger';
import { readableCause } from '../shared/errors';
import type { StateStore } from '../shared/state-store';
import { planOnly } from '../shared/task-input';
import { assertTwinLeaseHeld, releaseTwinLease, twinClaim } from '../shared/twin-lease';
import { parseInput } from '../shared/validate';
import * as z from '../shared/zod-mini';

const ReleaseTwinLeaseSchema = z.extend(planOnly, {
  /** Set when the twin stage failed: the failure to pass on once the lease is settled. */
  error: z.optional(
    z.object({ Error: z.string().check(z.minLength(1)), Cause: z.optional(z.string()) }),
  ),
});
export type ReleaseTwinLeaseInput = z.input<typeof ReleaseTwinLeaseSchema>;
export type ReleaseTwinLeaseDeps = { store: StateStore; logger: Logger };

/** The twin stage's failure, thrown again under its own name for Record Failure to match. */
const passOn = ({ Error: name, Cause }: { Error: string; Cause?: string }) => {
  const error = new Error(readableCause(Cause) ?? name);
  error.name = name;
  return error;
};

/**
 * Ends the run's use of the twin, after its tests or after a failure on the way. Only a
 * run that held the twin throughout may judge what it saw: when a newer version took the
 * twin over, this run is `Superseded` — whatever its tests said, and whatever failed.
 */
export const releaseTwinLeaseTask = async (
  rawInput: ReleaseTwinLeaseInput,
  { store, logger }: ReleaseTwinLeaseDeps,
): Promise<{ released: true }> => {
  const { plan, error } = parseInput(ReleaseTwinLeaseSchema, rawInput);
  const claim = twinClaim(plan);
  await assertTwinLeaseHeld(store, claim);
  await releaseTwinLease(store, claim);
  logger.info('twin lease released', { twin: claim.targetArn, after: error?.Error ?? 'tests' });
  if (error) throw passOn(error);
  return { released: true };
};
