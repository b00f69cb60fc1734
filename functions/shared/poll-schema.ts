import type { PollState } from './polling';
import * as z from './zod-mini';

/**
 * The poll state a task hands back to the state machine's Wait loop (polling.ts), as the
 * next poll reads it. A file of its own: a task that polls need not build the plan schema.
 */
export const PollSchema = z.object({
  attempt: z.int().check(z.gte(0)),
  waitSeconds: z.number().check(z.positive()),
  deadline: z.iso.datetime(),
  maxWaitSeconds: z.optional(z.number().check(z.positive())),
  minWaitSeconds: z.optional(z.number().check(z.positive())),
}) satisfies z.ZodMiniType<PollState>;
