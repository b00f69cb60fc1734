import type { StageConfig } from '../functions/shared/stage-config/schema';
import type { S3Backend } from './backends';
import { modelPackageArn } from './services/sagemaker';
import type { ModelPackage, World } from './world';

/** A model package approval event, as EventBridge delivers it (only `detail` is read). */
export type SeedEvent = { detail: Record<string, unknown> };

type SeededPackage = ModelPackage & {
  InferenceSpecification?: { Containers?: { ModelDataUrl?: string }[] };
};

const bucketOf = (uri: string) => /^s3:\/\/([^/]+)\//.exec(uri)?.[1];

/**
 * Puts into the registry and S3 what an approval event refers to, as if a data scientist
 * had registered the model: the package, its trained model artifacts, and every model
 * group's inference code (kept when it is already there).
 */
export const modelSeeder =
  (world: World, s3: S3Backend, config: StageConfig) => async (event: SeedEvent) => {
    const d = event.detail as SeededPackage;
    const arn =
      d.ModelPackageArn ?? modelPackageArn(world, d.ModelPackageGroupName, d.ModelPackageVersion);
    world.modelPackages.set(arn, { ...d, ModelPackageArn: arn });
    for (const c of d.InferenceSpecification?.Containers ?? []) {
      if (c.ModelDataUrl) {
        const bucket = bucketOf(c.ModelDataUrl);
        if (bucket) await s3.createBucket(bucket);
        await s3.put(c.ModelDataUrl, 'trained model (local mode)');
      }
    }
    for (const profile of Object.values(config.modelGroups)) {
      const uri = profile.components.inference.artifactUri;
      // Built from `source`: local mode uploads the real archive at start (inference-artifacts.ts).
      if (!uri) continue;
      const bucket = bucketOf(uri);
      if (bucket) await s3.createBucket(bucket);
      if (!(await s3.exists(uri))) await s3.put(uri, 'inference code (local mode)');
    }
  };
