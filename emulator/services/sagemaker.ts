import type { S3Backend } from '../backends';
import type { ModelPackage, World } from '../world';
import { compilationJobs } from './sagemaker-compilation';
import { edgePackagingJobs } from './sagemaker-edge-packaging';
import { modelRegistry } from './sagemaker-registry';

export { modelPackageArn } from './sagemaker-registry';

/**
 * SageMaker (AWS JSON 1.1): the model registry, Neo compilation and (legacy) Edge Manager
 * packaging. Limits and errors follow the botocore service model.
 */
export const sagemaker = (
  world: World,
  s3: S3Backend,
  emit: (pkg: ModelPackage, previous: string) => Promise<void>,
) => ({
  ...modelRegistry(world, emit),
  ...compilationJobs(world, s3),
  ...edgePackagingJobs(world),
});
