import { PlanSchema, TargetPlanSchema } from './plan';
import type { PollState } from './polling';
import * as z from './zod-mini';

/**
 * Schemas for what the state machine hands each task. The plan was built by Resolve Model
 * and is checked against its own schema (plan.ts), so a hand-edited replay input fails with
 * a precise message instead of a TypeError.
 */
export const PollSchema = z.object({
  attempt: z.int().check(z.gte(0)),
  waitSeconds: z.number().check(z.positive()),
  deadline: z.iso.datetime(),
  maxWaitSeconds: z.optional(z.number().check(z.positive())),
  minWaitSeconds: z.optional(z.number().check(z.positive())),
}) satisfies z.ZodMiniType<PollState>;

/** `{ plan, target }`: one iteration of the Build Targets map. */
export const TargetTaskSchema = z.object({ plan: PlanSchema, target: TargetPlanSchema });

export const planOnly = z.object({ plan: PlanSchema });
