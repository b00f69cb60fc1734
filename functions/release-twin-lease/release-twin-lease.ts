import type { Logger } from '@aws-lambda-powertools/logger';
import { readableCause } from '../shared/errors';
import type { StateStore } from '../shared/state-store';
import { planOnly } from '../shared/task-input';
import { releaseTwinLeaseAfterFailure, twinClaim } from '../shared/twin-lease';
import { parseInput } from '../shared/validate';
import * as z from '../shared/zod-mini';

const ReleaseTwinLeaseSchema = z.extend(planOnly, {
  /** The twin stage's failure, to pass on once the lease is settled. */
  error: z.object({ Error: z.string().check(z.minLength(1)), Cause: z.optional(z.string()) }),
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
 * Release Twin After Failure: ends the run's use of the twin after a failure on the way
 * (the tests' own end releases the lease in Run Twin Tests) and passes the failure on — or
 * `Superseded`, when a newer version took the twin over, whatever failed. A run that never
 * got the lease (its Deploy To Twin failed first) frees nothing and passes its failure on.
 */
export const releaseTwinLeaseTask = async (
  rawInput: ReleaseTwinLeaseInput,
  { store, logger }: ReleaseTwinLeaseDeps,
): Promise<never> => {
  const { plan, error } = parseInput(ReleaseTwinLeaseSchema, rawInput);
  const claim = twinClaim(plan);
  await releaseTwinLeaseAfterFailure(store, claim);
  logger.info('twin lease settled after a failure', { twin: claim.targetArn, after: error.Error });
  throw passOn(error);
};
