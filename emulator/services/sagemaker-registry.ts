import { AwsError, epoch, matches, required } from '../http';
import type { ModelPackage, World } from '../world';
import type { Body } from './sagemaker-common';

// CustomerMetadataProperties: 1–50 entries, keys 1–128, values 1–256 of this class.
const METADATA_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

export const modelPackageArn = (world: World, group: string, version: number) =>
  `arn:aws:sagemaker:${world.region}:${world.account}:model-package/${group}/${version}`;

const findPackage = (world: World, name: string): ModelPackage => {
  const pkg =
    world.modelPackages.get(name) ??
    [...world.modelPackages.values()].find(
      (p) => `${p.ModelPackageGroupName}/${p.ModelPackageVersion}` === name,
    );
  // SageMaker answers a missing package with a ValidationException.
  if (!pkg) throw new AwsError('ValidationException', `ModelPackage ${name} does not exist.`);
  return pkg;
};

/** The SageMaker model registry: model packages, their approval status and metadata. */
export const modelRegistry = (
  world: World,
  emit: (pkg: ModelPackage, previous: string) => Promise<void>,
) => ({
  DescribeModelPackage: async (body: Body) => {
    const pkg = findPackage(world, required(body.ModelPackageName, 'modelPackageName'));
    return {
      // A versioned package is named after its group (DescribeModelPackage marks
      // ModelPackageName required; EventBridge details may omit it).
      ModelPackageName: pkg.ModelPackageGroupName,
      ...pkg,
      CreationTime: epoch(
        Date.parse(String(pkg.CreationTime ?? new Date(world.clock.now()).toISOString())),
      ),
      LastModifiedTime: epoch(
        Date.parse(String(pkg.LastModifiedTime ?? new Date(world.clock.now()).toISOString())),
      ),
    };
  },

  UpdateModelPackage: async (body: Body) => {
    const pkg = findPackage(world, required(body.ModelPackageArn, 'modelPackageArn'));
    const previous = pkg.ModelApprovalStatus;
    if (body.CustomerMetadataProperties) {
      const merged = {
        ...(pkg.CustomerMetadataProperties as Record<string, string> | undefined),
        ...body.CustomerMetadataProperties,
      };
      for (const k of body.CustomerMetadataPropertiesToRemove ?? []) delete merged[k];
      if (Object.keys(merged).length > 50) {
        throw new AwsError(
          'ValidationException',
          'CustomerMetadataProperties can have at most 50 entries',
        );
      }
      for (const [k, v] of Object.entries(
        body.CustomerMetadataProperties as Record<string, string>,
      )) {
        matches(k, METADATA_TEXT, 'customerMetadataProperties.key', 128);
        matches(String(v), METADATA_TEXT, `customerMetadataProperties.${k}`, 256);
      }
      pkg.CustomerMetadataProperties = merged;
    }
    if (body.ModelApprovalStatus) {
      if (!['Approved', 'Rejected', 'PendingManualApproval'].includes(body.ModelApprovalStatus)) {
        throw new AwsError(
          'ValidationException',
          `Invalid ModelApprovalStatus ${body.ModelApprovalStatus}`,
        );
      }
      pkg.ModelApprovalStatus = body.ModelApprovalStatus;
      if (body.ApprovalDescription) pkg.ApprovalDescription = body.ApprovalDescription;
    }
    pkg.LastModifiedTime = new Date(world.clock.now()).toISOString();
    // The registry tells EventBridge about approval changes, as SageMaker does. Whether a
    // metadata-only update emits "SageMaker Model Package State Change" too is not documented
    // (SageMaker developer guide, "Automating SageMaker AI with Amazon EventBridge": "may send
    // multiple events ... for each state change"); the harsher reading is modelled: it does,
    // with the status unchanged, so a consumer that starts work on it would loop.
    const statusChanged =
      Boolean(body.ModelApprovalStatus) && body.ModelApprovalStatus !== previous;
    const metadataChanged =
      Boolean(body.CustomerMetadataProperties) ||
      (body.CustomerMetadataPropertiesToRemove?.length ?? 0) > 0;
    if (statusChanged || metadataChanged) await emit(pkg, previous);
    return { ModelPackageArn: pkg.ModelPackageArn };
  },
});
