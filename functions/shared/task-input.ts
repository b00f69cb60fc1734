import { PlanSchema, TargetPlanSchema } from './plan';
import * as z from './zod-mini';

/**
 * Schemas for what the state machine hands each task. The plan was built by Resolve Model
 * and is checked against its own schema (plan.ts), so a hand-edited replay input fails with
 * a precise message instead of a TypeError. The poll state has its own file (poll-schema.ts).
 */

/** `{ plan, target }`: one iteration of the Build Targets map. */
export const TargetTaskSchema = z.object({ plan: PlanSchema, target: TargetPlanSchema });

export const planOnly = z.object({ plan: PlanSchema });
