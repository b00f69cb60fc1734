import { inferenceArtifactUri } from '../../functions/shared/greengrass/inference-artifact';
import {
  buildInferenceArchive,
  sourceFolderOf,
} from '../../functions/shared/stage-config/inference-source';
import type { Inference, StageConfig } from '../../functions/shared/stage-config/schema';
import type { S3Backend } from '../backends';

/**
 * Local mode's counterpart of the upload after `serverless deploy`
 * (scripts/serverless/inference-artifacts.cjs): puts each inference archive built from
 * `components.inference.source` into the emulated artifact bucket at start, where
 * register-inference-component and the devices expect it. The archive is built again from the
 * folder and must be the one the configuration was resolved with (its SHA-256), so a folder
 * edited after the resolution stops the start instead of shipping unregistered bytes.
 */
export const uploadInferenceArtifacts = async (
  config: StageConfig,
  configFile: string,
  bucket: string | undefined,
  s3: S3Backend,
): Promise<string[]> => {
  const uploaded: string[] = [];
  for (const [group, profile] of Object.entries(config.modelGroups)) {
    const inference: Inference = profile.components.inference;
    if (!inference.source) continue;
    if (!bucket)
      throw new Error('the service declares no ArtifactBucket for the inference archives');
    const archive = buildInferenceArchive(sourceFolderOf(configFile, inference.source));
    if (archive.sha256 !== inference.artifactSha256)
      throw new Error(
        `${inference.source} changed since ${configFile} was resolved (archive sha256 ${archive.sha256.slice(0, 12)}…, resolved ${String(inference.artifactSha256).slice(0, 12)}…): load the stage configuration again`,
      );
    const uri = inferenceArtifactUri({
      bucket,
      stage: config.stage,
      group,
      version: inference.version,
      sha256: archive.sha256,
    });
    await s3.put(uri, archive.zip);
    uploaded.push(uri);
  }
  return uploaded;
};
