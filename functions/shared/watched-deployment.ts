import { PollSchema } from './poll-schema';
import * as z from './zod-mini';

/**
 * A deployment being watched by Check Deployment (the twin's, or a production wave's). The
 * task reads nothing of the plan, so it validates only this, not the plan schema.
 */
export const WatchedDeploymentSchema = z.object({
  deploymentId: z.string().check(z.minLength(1)),
  targetArn: z.string().check(z.minLength(1)),
  roleArn: z.optional(z.string()),
  poll: PollSchema,
  /** Abort rule of a production wave; absent for the twin. */
  abort: z.optional(
    z.object({ failureThresholdPercentage: z.number(), minExecutedThings: z.int() }),
  ),
  /** When the deployment was made (its devices' pace counts from here); production waves: their grace period and bake time. */
  startedAt: z.optional(z.iso.datetime()),
  graceMinutes: z.optional(z.int().check(z.gte(1))),
  /** The slowest rate the rollout notifies devices at (its base rate when exponential). */
  rolloutPerMinute: z.optional(z.int().check(z.gte(1))),
  /** The wave's rollout rate as configured: its waits estimate the time left from it. */
  rollout: z.optional(
    z.object({
      maximumPerMinute: z.int().check(z.gte(1)),
      exponentialRate: z.optional(
        z.object({
          baseRatePerMinute: z.int().check(z.gte(1)),
          incrementFactor: z.number().check(z.gte(1)),
          rateIncreaseCriteria: z.object({
            numberOfNotifiedThings: z.optional(z.int().check(z.gte(1))),
            numberOfSucceededThings: z.optional(z.int().check(z.gte(1))),
          }),
        }),
      ),
    }),
  ),
  bakeMinutes: z.optional(z.int().check(z.gte(0))),
  /** Set once the wave settled: health is watched until then. */
  bakeUntil: z.optional(z.iso.datetime()),
  analysis: z.optional(z.looseObject({})),
});
export type WatchedDeployment = z.infer<typeof WatchedDeploymentSchema>;
