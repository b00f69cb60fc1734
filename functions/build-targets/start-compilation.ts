import type { Logger } from '@aws-lambda-powertools/logger';
import {
  CreateCompilationJobCommand,
  type CreateCompilationJobCommandInput,
  DescribeCompilationJobCommand,
  type DescribeCompilationJobCommandOutput,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import type { Clock } from '../shared/clock';
import { classifyAwsError, isAwsError, ResourceConflict } from '../shared/errors';
import type { Plan, TargetPlan } from '../shared/plan';
import { COMPILATION_POLL, type PollState, startPolling } from '../shared/polling';
import { TargetTaskSchema } from '../shared/task-input';
import { parseInput } from '../shared/validate';
import type * as z from '../shared/zod-mini';

export type StartCompilationInput = z.input<typeof TargetTaskSchema>;
export type StartCompilationOutput = { jobName: string; created: boolean; poll: PollState };

export type StartCompilationDeps = {
  sagemaker: SageMakerClient;
  logger: Logger;
  now: Clock;
};

/** Extra time past Neo's own stopping condition before our poll loop gives up. */
const COMPILATION_DEADLINE_MARGIN_SECONDS = 1800;

/** The CreateCompilationJob request for one target: a pure function of the plan. */
export const compilationJobRequest = (
  plan: Plan,
  target: TargetPlan,
): CreateCompilationJobCommandInput => ({
  CompilationJobName: target.compilationJobName,
  RoleArn: plan.neoRoleArn,
  InputConfig: {
    S3Uri: plan.modelDataUrl,
    Framework: plan.neo.framework,
    DataInputConfig: plan.neo.dataInputConfig,
    ...(plan.neo.frameworkVersion ? { FrameworkVersion: plan.neo.frameworkVersion } : {}),
  },
  OutputConfig: {
    S3OutputLocation: target.outputLocation,
    ...(target.neo.targetDevice ? { TargetDevice: target.neo.targetDevice as never } : {}),
    ...(target.neo.targetPlatform
      ? {
          TargetPlatform: {
            Os: target.neo.targetPlatform.os as never,
            Arch: target.neo.targetPlatform.arch as never,
            ...(target.neo.targetPlatform.accelerator
              ? { Accelerator: target.neo.targetPlatform.accelerator as never }
              : {}),
          },
        }
      : {}),
    ...(target.neo.compilerOptions ? { CompilerOptions: target.neo.compilerOptions } : {}),
  },
  StoppingCondition: { MaxRuntimeInSeconds: plan.neo.maxRuntimeSeconds },
  Tags: [
    { Key: 'edge-mlops:model-package', Value: plan.modelPackageArn },
    { Key: 'edge-mlops:stage', Value: plan.stage },
  ],
});

/** Why an existing job is not the one we would have created, or undefined when it is. */
const mismatch = (
  existing: DescribeCompilationJobCommandOutput,
  wanted: CreateCompilationJobCommandInput,
): string | undefined => {
  const checks: [string, unknown, unknown][] = [
    ['model', existing.InputConfig?.S3Uri, wanted.InputConfig?.S3Uri],
    ['framework', existing.InputConfig?.Framework, wanted.InputConfig?.Framework],
    ['target device', existing.OutputConfig?.TargetDevice, wanted.OutputConfig?.TargetDevice],
    [
      'target platform',
      JSON.stringify(existing.OutputConfig?.TargetPlatform ?? null),
      JSON.stringify(wanted.OutputConfig?.TargetPlatform ?? null),
    ],
    ['output', existing.OutputConfig?.S3OutputLocation, wanted.OutputConfig?.S3OutputLocation],
  ];
  const diff = checks.find(([, has, want]) => (has ?? undefined) !== (want ?? undefined));
  return diff ? `${diff[0]} is ${String(diff[1])}, expected ${String(diff[2])}` : undefined;
};

/**
 * Starts the Neo compilation of one target. Idempotent: the job name is derived from the
 * plan, so a second call finds the job the first one started (ResourceInUse) and returns
 * it; a job of that name compiling something else fails loudly with ResourceConflict.
 */
export const startCompilation = async (
  rawInput: StartCompilationInput,
  { sagemaker, logger, now }: StartCompilationDeps,
): Promise<StartCompilationOutput> => {
  const { plan, target } = parseInput(TargetTaskSchema, rawInput);
  const request = compilationJobRequest(plan, target);
  const jobName = target.compilationJobName;
  const poll = startPolling(
    now(),
    plan.neo.maxRuntimeSeconds + COMPILATION_DEADLINE_MARGIN_SECONDS,
    COMPILATION_POLL,
  );
  try {
    await sagemaker.send(new CreateCompilationJobCommand(request));
    logger.info('compilation job started', { jobName, target: target.name });
    return { jobName, created: true, poll };
  } catch (error) {
    if (!isAwsError(error, 'ResourceInUse')) throw classifyAwsError(error, 'CreateCompilationJob');
  }

  // A retry, redrive or duplicate event: the job exists. Make sure it is ours.
  let existing: DescribeCompilationJobCommandOutput;
  try {
    existing = await sagemaker.send(
      new DescribeCompilationJobCommand({ CompilationJobName: jobName }),
    );
  } catch (error) {
    throw classifyAwsError(error, 'DescribeCompilationJob');
  }
  const why = mismatch(existing, request);
  if (why) {
    throw new ResourceConflict(
      `compilation job ${jobName} already exists for something else: ${why}`,
    );
  }
  logger.info('compilation job already exists', { jobName, status: existing.CompilationJobStatus });
  return { jobName, created: false, poll };
};
