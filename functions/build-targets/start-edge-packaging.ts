import type { Logger } from '@aws-lambda-powertools/logger';
import {
  CreateEdgePackagingJobCommand,
  type CreateEdgePackagingJobCommandInput,
  DescribeEdgePackagingJobCommand,
  type DescribeEdgePackagingJobCommandOutput,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import type { Clock } from '../shared/clock';
import { classifyAwsError, InvalidInput, isAwsError, ResourceConflict } from '../shared/errors';
import type { Plan, TargetPlan } from '../shared/plan';
import { PACKAGING_POLL, type PollState, startPolling } from '../shared/polling';
import { TargetTaskSchema } from '../shared/task-input';
import { parseInput } from '../shared/validate';
import * as z from '../shared/zod-mini';

/**
 * LEGACY. SageMaker Edge Manager was discontinued on 2024-04-26; this strategy exists only
 * for accounts that still have it (`packaging: edge-manager`). Nothing else depends on it.
 */
const StartEdgePackagingInputSchema = z.extend(TargetTaskSchema, {
  compilation: z.looseObject({ jobName: z.string().check(z.minLength(1)) }),
});
export type StartEdgePackagingInput = z.input<typeof StartEdgePackagingInputSchema>;
export type StartEdgePackagingOutput = { jobName: string; created: boolean; poll: PollState };
export type StartEdgePackagingDeps = {
  sagemaker: SageMakerClient;
  logger: Logger;
  now: Clock;
};

export const PACKAGING_TIMEOUT_SECONDS = 3600;

/** Edge Manager's names for the Greengrass platforms it can package for. */
const edgePlatform = (platform: Record<string, string>) => {
  const arch = platform.architecture?.toLowerCase();
  if (platform.os === 'linux' && (arch === 'aarch64' || arch === 'arm64')) {
    return { PlatformOS: 'Linux', PlatformArchitecture: 'Linux ARMV8' };
  }
  if (platform.os === 'linux' && (arch === 'amd64' || arch === 'x86_64')) {
    return { PlatformOS: 'Linux', PlatformArchitecture: 'Linux x86_64' };
  }
  return {};
};

/** The CreateEdgePackagingJob request, with the GreengrassV2Component preset. */
export const edgePackagingJobRequest = (
  plan: Plan,
  target: TargetPlan,
  compilationJobName: string,
): CreateEdgePackagingJobCommandInput => {
  const edge = target.edgePackaging;
  if (!edge) throw new InvalidInput(`target ${target.name} has no edgePackaging plan`);
  return {
    EdgePackagingJobName: edge.jobName,
    CompilationJobName: compilationJobName,
    ModelName: edge.modelName,
    ModelVersion: edge.modelVersion,
    RoleArn: plan.neoRoleArn,
    OutputConfig: {
      S3OutputLocation: edge.outputLocation,
      PresetDeploymentType: 'GreengrassV2Component',
      PresetDeploymentConfig: JSON.stringify({
        ComponentName: target.modelComponent.name,
        ComponentVersion: target.modelComponent.version,
        ComponentDescription: `${plan.modelPackageGroupName} v${plan.modelPackageVersion} for ${target.name} (edge-mlops)`,
        ...edgePlatform(target.greengrassPlatform),
      }),
    },
    Tags: [{ Key: 'edge-mlops:model-package', Value: plan.modelPackageArn }],
  };
};

const describe = async (sagemaker: SageMakerClient, name: string) => {
  try {
    return await sagemaker.send(
      new DescribeEdgePackagingJobCommand({ EdgePackagingJobName: name }),
    );
  } catch (error) {
    if (isAwsError(error, 'ResourceNotFound')) return undefined;
    throw classifyAwsError(error, 'DescribeEdgePackagingJob');
  }
};

const assertSame = (
  existing: DescribeEdgePackagingJobCommandOutput,
  wanted: CreateEdgePackagingJobCommandInput,
) => {
  if (
    existing.CompilationJobName !== wanted.CompilationJobName ||
    existing.ModelVersion !== wanted.ModelVersion
  ) {
    throw new ResourceConflict(
      `edge packaging job ${wanted.EdgePackagingJobName} already exists for compilation job ${existing.CompilationJobName} version ${existing.ModelVersion}, expected ${wanted.CompilationJobName} version ${wanted.ModelVersion}`,
    );
  }
};

/**
 * Starts the Edge Manager packaging job of one target. CreateEdgePackagingJob models no
 * "already exists" error, so we look the job up first; a job of that name packaging
 * something else fails loudly with ResourceConflict.
 */
export const startEdgePackaging = async (
  rawInput: StartEdgePackagingInput,
  { sagemaker, logger, now }: StartEdgePackagingDeps,
): Promise<StartEdgePackagingOutput> => {
  const { plan, target, compilation } = parseInput(StartEdgePackagingInputSchema, rawInput);
  const request = edgePackagingJobRequest(plan, target, compilation.jobName);
  const jobName = request.EdgePackagingJobName!;
  const poll = startPolling(now(), PACKAGING_TIMEOUT_SECONDS, PACKAGING_POLL);

  const existing = await describe(sagemaker, jobName);
  if (existing) {
    assertSame(existing, request);
    logger.info('edge packaging job already exists', { jobName });
    return { jobName, created: false, poll };
  }
  try {
    await sagemaker.send(new CreateEdgePackagingJobCommand(request));
  } catch (error) {
    // Lost a race with a concurrent duplicate: the job now exists.
    const raced = /already exists/i.test((error as Error).message ?? '')
      ? await describe(sagemaker, jobName)
      : undefined;
    if (!raced) throw classifyAwsError(error, 'CreateEdgePackagingJob');
    assertSame(raced, request);
    return { jobName, created: false, poll };
  }
  logger.info('edge packaging job started', { jobName, target: target.name });
  return { jobName, created: true, poll };
};
