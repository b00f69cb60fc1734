import { fromConfig } from './plan';
import { ReleaseInputSchema } from './release-input';
import type { Fleet } from './stage-config/schema';
import * as z from './zod-mini';

/** What a fleet task reads of its fleet, checked with precise messages. */
const FleetShape = z.looseObject({
  name: z.string(),
  platform: z.string(),
  waves: z.array(z.looseObject({ name: z.string(), targetArn: z.string() })).check(z.minLength(1)),
});

/** One iteration of Roll Out Fleets: the plan, the registered components and one fleet. */
export const FleetTaskSchema = z.extend(ReleaseInputSchema, {
  fleet: z.pipe(FleetShape, fromConfig<Fleet, z.output<typeof FleetShape>>('fleets')),
  waveIndex: z._default(z.int().check(z.gte(0)), 0),
});
export type FleetTaskInput = z.input<typeof FleetTaskSchema>;
