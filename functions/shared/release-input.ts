import { PollSchema, planOnly } from './task-input';
import * as z from './zod-mini';

/**
 * What the release tasks read besides the plan: the registered components (the output of
 * registerComponent, of which they use the name, version and ARN).
 */
const Registered = z.looseObject({
  name: z.string().check(z.minLength(1)),
  version: z.string().check(z.minLength(1)),
  arn: z.optional(z.string()),
});

export const ReleaseInputSchema = z.extend(planOnly, {
  components: z.object({ model: z.optional(Registered), inference: Registered }),
});
export type ReleaseInput = z.input<typeof ReleaseInputSchema>;

/** A deployment being watched by Check Deployment. */
export const WatchedDeploymentSchema = z.object({
  deploymentId: z.string().check(z.minLength(1)),
  targetArn: z.string().check(z.minLength(1)),
  roleArn: z.optional(z.string()),
  poll: PollSchema,
  /** Abort rule of a production wave; absent for the twin. */
  abort: z.optional(
    z.object({ failureThresholdPercentage: z.number(), minExecutedThings: z.int() }),
  ),
  /** Production waves: when the wave started, its grace period and bake time. */
  startedAt: z.optional(z.iso.datetime()),
  graceMinutes: z.optional(z.int().check(z.gte(1))),
  /** The slowest rate the rollout notifies devices at (its base rate when exponential). */
  rolloutPerMinute: z.optional(z.int().check(z.gte(1))),
  bakeMinutes: z.optional(z.int().check(z.gte(0))),
  /** Set once the wave settled: health is watched until then. */
  bakeUntil: z.optional(z.iso.datetime()),
  analysis: z.optional(z.looseObject({})),
});
export type WatchedDeployment = z.infer<typeof WatchedDeploymentSchema>;
