import type { Logger } from '@aws-lambda-powertools/logger';
import type { GreengrassV2Client } from '@aws-sdk/client-greengrassv2';
import type { z } from 'zod';
import { inferenceComponentRecipe } from '../shared/greengrass/recipes';
import {
  type ComponentArnContext,
  type RegisteredComponent,
  registerComponentVersion,
} from '../shared/greengrass/register-component';
import { planOnly } from '../shared/task-input';
import { parseInput } from '../shared/validate';

export type RegisterInferenceComponentInput = z.input<typeof planOnly>;
export type RegisterInferenceComponentDeps = {
  greengrass: GreengrassV2Client;
  logger: Logger;
  arnContext: ComponentArnContext;
};

/**
 * Registers the inference component version named in the profile. Its recipe does not
 * depend on the model version, so later model versions reuse it; changing the code
 * artifact or run script without bumping the version is a `ComponentVersionConflict`.
 */
export const registerInferenceComponent = async (
  rawInput: RegisterInferenceComponentInput,
  deps: RegisterInferenceComponentDeps,
): Promise<RegisteredComponent> => {
  const { plan } = parseInput(planOnly, rawInput);
  return registerComponentVersion(inferenceComponentRecipe(plan), deps);
};
