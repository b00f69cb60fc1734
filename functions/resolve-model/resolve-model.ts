import type { Logger } from '@aws-lambda-powertools/logger';
import {
  DescribeModelPackageCommand,
  type DescribeModelPackageCommandOutput,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { metricSourcesOf } from '../shared/approval/model-metrics';
import {
  ConfigError,
  classifyAwsError,
  InvalidInput,
  isAwsError,
  ModelArtifactMissing,
  ModelNotApproved,
} from '../shared/errors';
import {
  deterministicName,
  EDGE_MODEL_VERSION,
  MODEL_PACKAGE_ARN,
  modelComponentName,
  modelComponentVersion,
  SAGEMAKER_ENTITY_NAME,
} from '../shared/names';
import type { Plan, TargetPlan } from '../shared/plan';
import type { Profile, StageConfig } from '../shared/stage-config/schema';
import { parseInput } from '../shared/validate';
import * as z from '../shared/zod-mini';
import { inferencePlan } from './inference-plan';

export const ResolveModelInputSchema = z.object({
  input: z.object({
    modelPackageArn: z
      .string()
      .check(z.regex(MODEL_PACKAGE_ARN, 'must be a versioned model package ARN')),
    modelPackageGroupName: z.string().check(z.minLength(1), z.maxLength(63)),
    modelPackageVersion: z.int().check(z.gte(1)),
  }),
  executionArn: z.string().check(z.minLength(1)),
  executionName: z.string().check(z.minLength(1)),
});
export type ResolveModelInput = z.input<typeof ResolveModelInputSchema>;

export type ResolveModelDeps = {
  sagemaker: SageMakerClient;
  logger: Logger;
  config: {
    stage: string;
    stageConfig: StageConfig;
    artifactBucket: string;
    neoRoleArn: string;
  };
};

const targetPlan = (
  profile: Profile,
  target: Profile['targets'][number],
  ids: { stage: string; group: string; version: number; prefix: string },
): TargetPlan => {
  const modelVersion = modelComponentVersion(profile.components.model.major, ids.version);
  const edge = profile.packaging === 'edge-manager';
  return {
    name: target.name,
    compilationJobName: deterministicName(
      ['edge', ids.stage, ids.group, `v${ids.version}`, target.name],
      SAGEMAKER_ENTITY_NAME,
    ),
    outputLocation: `${ids.prefix}${target.name}/compiled/`,
    neo: {
      ...(target.targetDevice ? { targetDevice: target.targetDevice } : {}),
      ...(target.targetPlatform ? { targetPlatform: target.targetPlatform } : {}),
      ...(target.compilerOptions ? { compilerOptions: target.compilerOptions } : {}),
    },
    greengrassPlatform: target.greengrassPlatform,
    modelComponent: {
      name: modelComponentName(profile, target.name),
      version: modelVersion,
    },
    ...(edge
      ? {
          edgePackaging: {
            jobName: deterministicName(
              ['edge', ids.stage, ids.group, `v${ids.version}`, target.name, 'pkg'],
              SAGEMAKER_ENTITY_NAME,
            ),
            modelName: deterministicName(['edge', ids.group, target.name], SAGEMAKER_ENTITY_NAME),
            modelVersion: deterministicName([ids.stage, `v${ids.version}`], EDGE_MODEL_VERSION),
            outputLocation: `${ids.prefix}${target.name}/packaged/`,
          },
        }
      : {}),
  };
};

/**
 * Reads the model package from the registry, checks it may still be deployed and merges
 * the stage profile of its group into a plan. Pure apart from one read: calling it twice
 * gives the same plan, and it creates nothing.
 */
export const resolveModel = async (
  rawInput: ResolveModelInput,
  { sagemaker, logger, config }: ResolveModelDeps,
): Promise<Plan> => {
  const { input, executionArn, executionName } = parseInput(ResolveModelInputSchema, rawInput);
  const group = input.modelPackageGroupName;
  const profile = config.stageConfig.modelGroups[group];
  if (!profile) {
    const known = Object.keys(config.stageConfig.modelGroups).join(', ');
    throw new ConfigError(
      `model package group "${group}" has no profile in config/${config.stage}.yml (configured: ${known})`,
    );
  }

  let pkg: DescribeModelPackageCommandOutput;
  try {
    pkg = await sagemaker.send(
      new DescribeModelPackageCommand({ ModelPackageName: input.modelPackageArn }),
    );
  } catch (error) {
    if (isAwsError(error, 'ValidationException', 'ResourceNotFound')) {
      throw new InvalidInput(
        `model package ${input.modelPackageArn} not found: ${(error as Error).message}`,
      );
    }
    throw classifyAwsError(error, 'DescribeModelPackage');
  }

  if (pkg.ModelApprovalStatus !== 'Approved') {
    throw new ModelNotApproved(
      `model package ${input.modelPackageArn} is ${pkg.ModelApprovalStatus ?? 'without approval status'}, not Approved; nothing was built`,
    );
  }
  if (pkg.ModelPackageStatus && pkg.ModelPackageStatus !== 'Completed') {
    throw new ModelArtifactMissing(
      `model package ${input.modelPackageArn} is ${pkg.ModelPackageStatus}, not Completed`,
    );
  }
  const modelDataUrl = pkg.InferenceSpecification?.Containers?.find(
    (c) => c.ModelDataUrl,
  )?.ModelDataUrl;
  if (!modelDataUrl) {
    throw new ModelArtifactMissing(
      `model package ${input.modelPackageArn} has no ModelDataUrl in its inference specification; Neo needs the trained model`,
    );
  }
  if (!/^s3:\/\/[^/]+\/.+\.tar\.gz$/.test(modelDataUrl)) {
    throw new ModelArtifactMissing(
      `model artifact ${modelDataUrl} is not an s3://….tar.gz; SageMaker Neo compiles a single .tar.gz`,
    );
  }

  const version = input.modelPackageVersion;
  const prefix = `s3://${config.artifactBucket}/${config.stage}/${group}/${version}/`;
  const ids = { stage: config.stage, group, version, prefix };
  const plan: Plan = {
    stage: config.stage,
    executionArn,
    executionName,
    modelPackageArn: input.modelPackageArn,
    modelPackageGroupName: group,
    modelPackageVersion: version,
    modelDataUrl,
    registry: {
      approvalDescription: pkg.ApprovalDescription,
      createdAt: pkg.CreationTime ? new Date(pkg.CreationTime).toISOString() : undefined,
      customerMetadata: pkg.CustomerMetadataProperties ?? {},
      metrics: metricSourcesOf(pkg.ModelMetrics),
    },
    packaging: profile.packaging,
    neo: profile.neo,
    neoRoleArn: config.neoRoleArn,
    artifactPrefix: prefix,
    targets: profile.targets.map((target) => targetPlan(profile, target, ids)),
    modelComponent: {
      name: profile.components.model.name,
      major: profile.components.model.major,
      version: modelComponentVersion(profile.components.model.major, version),
    },
    inferenceComponent: inferencePlan(
      profile.components.inference,
      { bucket: config.artifactBucket, stage: config.stage, group },
      {
        dataInputConfig: profile.neo.dataInputConfig,
        ...(profile.monitoring ? { monitoring: profile.monitoring } : {}),
      },
    ),
    twin: profile.twin,
    approval: profile.approval,
    approvalTimeoutSeconds: Math.max(60, Math.round(profile.approval.timeoutHours * 3600)),
    fleets: profile.fleets,
  };
  logger.info('plan resolved', {
    modelPackageGroupName: group,
    modelPackageVersion: version,
    targets: plan.targets.map((t) => t.name),
    packaging: plan.packaging,
  });
  return plan;
};
