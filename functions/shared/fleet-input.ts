import { z } from 'zod';
import { ReleaseInputSchema } from './release-input';
import type { Fleet } from './stage-config/schema';

/** One iteration of Roll Out Fleets: the plan, the registered components and one fleet. */
export const FleetTaskSchema = ReleaseInputSchema.extend({
  fleet: z
    .object({
      name: z.string(),
      platform: z.string(),
      waves: z.array(z.object({ name: z.string(), targetArn: z.string() }).passthrough()).min(1),
    })
    .passthrough()
    .transform((f) => f as unknown as Fleet),
  waveIndex: z.number().int().min(0).default(0),
});
export type FleetTaskInput = z.input<typeof FleetTaskSchema>;
