import { inferenceComponentRecipe } from '../shared/greengrass/recipes';
import {
  type RegisteredInAccounts,
  type RegisterInAccountsDeps,
  registerInAccounts,
} from '../shared/greengrass/register-in-accounts';
import { planOnly } from '../shared/task-input';
import { parseInput } from '../shared/validate';
import type * as z from '../shared/zod-mini';

export type RegisterInferenceComponentInput = z.input<typeof planOnly>;
export type RegisterInferenceComponentDeps = RegisterInAccountsDeps;

/**
 * Registers the inference component version named in the profile. Its recipe does not
 * depend on the model version, so later model versions reuse it; changing the code
 * artifact or run script without bumping the version is a `ComponentVersionConflict`.
 */
export const registerInferenceComponent = async (
  rawInput: RegisterInferenceComponentInput,
  deps: RegisterInferenceComponentDeps,
): Promise<RegisteredInAccounts> => {
  const { plan } = parseInput(planOnly, rawInput);
  return registerInAccounts(inferenceComponentRecipe(plan), plan, deps);
};
