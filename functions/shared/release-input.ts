import { z } from 'zod';
import type { RegisteredComponent } from './greengrass/register-component';
import { PollSchema, planOnly } from './task-input';

/** What the release tasks read besides the plan: the registered components. */
const Registered = z
  .object({ name: z.string(), version: z.string(), arn: z.string().optional() })
  .passthrough()
  .transform((c) => c as unknown as RegisteredComponent);

export const ReleaseInputSchema = planOnly.extend({
  components: z.object({ model: Registered.optional(), inference: Registered }),
});
export type ReleaseInput = z.input<typeof ReleaseInputSchema>;

/** A deployment being watched by Check Deployment. */
export const WatchedDeploymentSchema = z.object({
  deploymentId: z.string().min(1),
  targetArn: z.string().min(1),
  roleArn: z.string().optional(),
  poll: PollSchema,
  /** Abort rule of a production wave; absent for the twin. */
  abort: z
    .object({ failureThresholdPercentage: z.number(), minExecutedThings: z.number().int() })
    .optional(),
  /** Production waves: when the wave started, its grace period and bake time. */
  startedAt: z.iso.datetime().optional(),
  graceMinutes: z.number().int().min(1).optional(),
  /** The slowest rate the rollout notifies devices at (its base rate when exponential). */
  rolloutPerMinute: z.number().int().min(1).optional(),
  bakeMinutes: z.number().int().min(0).optional(),
  /** Set once the wave settled: health is watched until then. */
  bakeUntil: z.iso.datetime().optional(),
  analysis: z.object({}).passthrough().optional(),
});
export type WatchedDeployment = z.infer<typeof WatchedDeploymentSchema>;
