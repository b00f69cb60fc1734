import { ConfigError } from '../shared/errors';
import { inferenceArtifactUri } from '../shared/greengrass/inference-artifact';
import type { PlanInference } from '../shared/plan';
import type { Inference, Monitoring } from '../shared/stage-config/schema';

/**
 * What components/inference reads from its configuration (serve.py): its model group, the
 * compiled model's inputs and, when the group is monitored, where and how much it captures. Keys of the profile's own
 * `configuration` come last and win.
 */
const componentConfiguration = (
  inference: Inference,
  group: string,
  model: { dataInputConfig: string; monitoring?: Monitoring },
) => ({
  modelGroup: group,
  // The compiled model's inputs (name → shape), which the component shapes images into.
  modelInputs: JSON.parse(model.dataInputConfig) as unknown,
  ...(model.monitoring
    ? {
        monitoring: {
          captureBucket: model.monitoring.captureBucket,
          capturePrefix: model.monitoring.capturePrefix,
          sampleRate: model.monitoring.sampleRate,
        },
      }
    : {}),
  ...inference.configuration,
});

/**
 * The plan's inference section: as configured, with the URI of its code artifact. An archive
 * built from `source` lives in the stack's artifact bucket under a key named by its content
 * (inference-artifact.ts); its SHA-256 comes from the resolved configuration, never from the
 * folder, which no Lambda has.
 */
export const inferencePlan = (
  given: Inference,
  at: { bucket: string; stage: string; group: string },
  model: { dataInputConfig: string; monitoring?: Monitoring },
): PlanInference => {
  const inference = {
    ...given,
    configuration: componentConfiguration(given, at.group, model),
  };
  if (inference.artifactUri) return { ...inference, artifactUri: inference.artifactUri };
  if (!inference.source || !inference.artifactSha256)
    throw new ConfigError(
      `modelGroups.${at.group}.components.inference: ${inference.source ? `source ${inference.source} was not built when the stage was resolved (no artifactSha256)` : 'names neither artifactUri nor source'}; package the stage again`,
    );
  return {
    ...inference,
    artifactUri: inferenceArtifactUri({
      ...at,
      version: inference.version,
      sha256: inference.artifactSha256,
    }),
  };
};
