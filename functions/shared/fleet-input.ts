import { ReleaseInputSchema } from './release-input';
import type { Fleet } from './stage-config/schema';
import * as z from './zod-mini';

/** One iteration of Roll Out Fleets: the plan, the registered components and one fleet. */
export const FleetTaskSchema = z.extend(ReleaseInputSchema, {
  fleet: z.pipe(
    z.looseObject({
      name: z.string(),
      platform: z.string(),
      waves: z
        .array(z.looseObject({ name: z.string(), targetArn: z.string() }))
        .check(z.minLength(1)),
    }),
    z.transform((f) => f as unknown as Fleet),
  ),
  waveIndex: z._default(z.int().check(z.gte(0)), 0),
});
export type FleetTaskInput = z.input<typeof FleetTaskSchema>;
