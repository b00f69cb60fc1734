import type { S3Backend } from '../backends';
import type { World } from '../world';
import { componentRoutes } from './greengrass-components';
import { coreDeviceRoutes } from './greengrass-core-devices';
import { type ArtifactReads, deploymentRoutes } from './greengrass-deployments';

export { coreDevice, crashedComponents, installedComponents } from './greengrass-core-devices';
export { type ArtifactReads, createDeployment } from './greengrass-deployments';

/**
 * AWS IoT Greengrass v2 (REST JSON). Follows the API reference and the botocore model:
 * component versions are immutable (ConflictException 409), a clientToken returns the
 * cached response for 8 hours, a deployment replaces the target's previous one, artifacts
 * must be readable, and group deployments stay ACTIVE while their job runs.
 */
export const greengrass = (world: World, s3: S3Backend, artifactReads?: ArtifactReads) => ({
  ...componentRoutes(world, s3),
  ...deploymentRoutes(world, artifactReads, s3),
  ...coreDeviceRoutes(world),
});
