import type { S3Client } from '@aws-sdk/client-s3';
import { ComponentVersionConflict } from '../shared/errors';
import { inferenceComponentRecipe } from '../shared/greengrass/recipes';
import {
  type RegisteredInAccounts,
  type RegisterInAccountsDeps,
  registerInAccounts,
} from '../shared/greengrass/register-in-accounts';
import { planOnly } from '../shared/task-input';
import { parseInput } from '../shared/validate';
import type * as z from '../shared/zod-mini';
import { checkBuiltArtifact } from './built-artifact';

export type RegisterInferenceComponentInput = z.input<typeof planOnly>;
export type RegisterInferenceComponentDeps = RegisterInAccountsDeps & { s3: S3Client };

/**
 * Registers the inference component version named in the profile. Its recipe does not
 * depend on the model version, so later model versions reuse it; changing the code
 * artifact or run script without bumping the version is a `ComponentVersionConflict`.
 * Built from `source`, the recipe names the archive by a content-addressed URI and its
 * digest, so the same folder content is idempotent and other content under the same
 * version is that conflict.
 */
export const registerInferenceComponent = async (
  rawInput: RegisterInferenceComponentInput,
  deps: RegisterInferenceComponentDeps,
): Promise<RegisteredInAccounts> => {
  const { plan } = parseInput(planOnly, rawInput);
  const inference = plan.inferenceComponent;
  await checkBuiltArtifact(inference, deps.s3);
  return registerInAccounts(inferenceComponentRecipe(plan), plan, deps).catch((error: unknown) => {
    if (error instanceof ComponentVersionConflict && inference.artifactSha256)
      error.message += `; ${inference.source} now builds an archive with sha256 ${inference.artifactSha256}: bump components.inference.version whenever the folder changes`;
    throw error;
  });
};
