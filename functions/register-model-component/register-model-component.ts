import { modelComponentRecipe } from '../shared/greengrass/recipes';
import {
  type RegisteredInAccounts,
  type RegisterInAccountsDeps,
  registerInAccounts,
} from '../shared/greengrass/register-in-accounts';
import type { TargetBuild } from '../shared/plan';
import { planOnly } from '../shared/task-input';
import { parseInput } from '../shared/validate';
import * as z from '../shared/zod-mini';

const InputSchema = z.extend(planOnly, {
  builds: z
    .array(
      z.object({
        target: z.string().check(z.minLength(1)),
        compiledArtifactUri: z.string().check(z.regex(/^s3:\/\/[^/]+\/.+/, 'must be an s3:// URI')),
        modelComponent: z.object({ name: z.string(), version: z.string() }),
      }),
    )
    .check(z.minLength(1)),
});
export type RegisterModelComponentInput = z.input<typeof InputSchema>;
export type RegisterModelComponentDeps = RegisterInAccountsDeps;

/**
 * Registers the model component (native packaging): one version per model package
 * version, with a manifest per target platform. Safe to repeat (see registerComponentVersion).
 */
export const registerModelComponent = async (
  rawInput: RegisterModelComponentInput,
  deps: RegisterModelComponentDeps,
): Promise<RegisteredInAccounts> => {
  const { plan, builds } = parseInput(InputSchema, rawInput);
  return registerInAccounts(modelComponentRecipe(plan, builds as TargetBuild[]), plan, deps);
};
