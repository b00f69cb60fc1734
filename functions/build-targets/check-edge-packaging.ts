import type { Logger } from '@aws-lambda-powertools/logger';
import { DescribeEdgePackagingJobCommand, type SageMakerClient } from '@aws-sdk/client-sagemaker';
import type { Clock } from '../shared/clock';
import { classifyAwsError, PackagingFailed } from '../shared/errors';
import { PollSchema } from '../shared/poll-schema';
import { continuePolling, PACKAGING_POLL, type PollState } from '../shared/polling';
import { TargetTaskSchema } from '../shared/task-input';
import { parseInput } from '../shared/validate';
import * as z from '../shared/zod-mini';

/** LEGACY (Edge Manager is end-of-life): one poll of an edge packaging job. */
const CheckEdgePackagingInputSchema = z.extend(TargetTaskSchema, {
  packaging: z.looseObject({ jobName: z.string().check(z.minLength(1)), poll: PollSchema }),
});
export type CheckEdgePackagingInput = z.input<typeof CheckEdgePackagingInputSchema>;
export type CheckEdgePackagingOutput = {
  jobName: string;
  status: string;
  done: boolean;
  poll: PollState;
  componentArn?: string;
};
export type CheckEdgePackagingDeps = {
  sagemaker: SageMakerClient;
  logger: Logger;
  now: Clock;
};

/**
 * COMPLETED with a completed GreengrassV2Component preset → done with the component ARN;
 * FAILED/STOPPED (of the job or of its preset) → `PackagingFailed`; else wait longer.
 */
export const checkEdgePackaging = async (
  rawInput: CheckEdgePackagingInput,
  { sagemaker, logger, now }: CheckEdgePackagingDeps,
): Promise<CheckEdgePackagingOutput> => {
  const { packaging } = parseInput(CheckEdgePackagingInputSchema, rawInput);
  const { jobName } = packaging;
  const job = await sagemaker
    .send(new DescribeEdgePackagingJobCommand({ EdgePackagingJobName: jobName }))
    .catch((error: unknown) => {
      throw classifyAwsError(error, 'DescribeEdgePackagingJob');
    });
  const status = job.EdgePackagingJobStatus ?? 'UNKNOWN';
  if (status === 'FAILED' || status === 'STOPPED') {
    throw new PackagingFailed(
      `edge packaging job ${jobName} ${status}: ${job.EdgePackagingJobStatusMessage ?? 'no reason given'}`,
    );
  }
  if (status === 'COMPLETED') {
    const preset = job.PresetDeploymentOutput;
    if (preset?.Status !== 'COMPLETED' || !preset.Artifact) {
      throw new PackagingFailed(
        `edge packaging job ${jobName} completed but its Greengrass component preset ${preset?.Status ?? 'is missing'}: ${preset?.StatusMessage ?? ''}`.trim(),
      );
    }
    logger.info('edge packaging completed', { jobName, componentArn: preset.Artifact });
    return { jobName, status, done: true, poll: packaging.poll, componentArn: preset.Artifact };
  }
  const poll = continuePolling(
    packaging.poll,
    now(),
    PACKAGING_POLL,
    `edge packaging job ${jobName}`,
  );
  return { jobName, status, done: false, poll };
};
