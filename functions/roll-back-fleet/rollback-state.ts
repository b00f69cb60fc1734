import { PollSchema } from '../shared/poll-schema';
import * as z from '../shared/zod-mini';

/**
 * What Roll Back Fleets hands Check Rollback through the execution state: one schema, from
 * which both the producer's return type and the consumer's input check come.
 */
const RolledBackWaveSchema = z.object({
  wave: z.string(),
  targetArn: z.string(),
  deploymentId: z.string(),
  created: z.boolean(),
  /** Whether the wave ran anything of this release (so the rollback changed something). */
  changed: z.boolean(),
});

const RolledBackFleetSchema = z.object({
  fleet: z.string(),
  roleArn: z.optional(z.string()),
  /** The fleet had completed (all-or-nothing puts it back too). */
  finished: z.boolean(),
  restoredVersion: z.nullable(z.int()),
  /** e.g. `v6 (com.example.model 1.0.6, com.example.inference 1.4.0)`. */
  restored: z.nullable(z.string()),
  /** What this run deployed there: a device still running one of these is not restored. */
  bad: z.record(z.string(), z.object({ componentVersion: z.optional(z.string()) })),
  graceMinutes: z.number(),
  waves: z.array(RolledBackWaveSchema),
});

export const RollBackFleetOutputSchema = z.object({
  error: z.object({ Error: z.string(), Cause: z.string() }),
  fleets: z.array(RolledBackFleetSchema),
  /** Finished fleets left on the new release (`onLaterFleetFailure: keep`). */
  kept: z.array(z.string()),
  /** Fleets whose lease this run lost (expired, taken over): not touched. */
  lost: z.array(z.object({ fleet: z.string(), holder: z.string() })),
  startedAt: z.iso.datetime(),
  poll: PollSchema,
});

export type RollBackFleetOutput = z.infer<typeof RollBackFleetOutputSchema>;
export type RolledBackFleet = z.infer<typeof RolledBackFleetSchema>;
export type RolledBackWave = z.infer<typeof RolledBackWaveSchema>;
