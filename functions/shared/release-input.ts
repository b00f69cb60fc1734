import { planOnly } from './task-input';
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
