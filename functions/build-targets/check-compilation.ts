import type { Logger } from '@aws-lambda-powertools/logger';
import {
  DescribeCompilationJobCommand,
  type DescribeCompilationJobCommandOutput,
  type SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { CompilationFailed, classifyAwsError } from '../shared/errors';
import { PollSchema } from '../shared/poll-schema';
import { COMPILATION_POLL, continuePolling, type PollState } from '../shared/polling';
import { TargetTaskSchema } from '../shared/task-input';
import { parseInput } from '../shared/validate';
import * as z from '../shared/zod-mini';

const CheckCompilationInputSchema = z.extend(TargetTaskSchema, {
  compilation: z.looseObject({ jobName: z.string().check(z.minLength(1)), poll: PollSchema }),
});
export type CheckCompilationInput = z.input<typeof CheckCompilationInputSchema>;

export type CheckCompilationOutput = {
  jobName: string;
  status: string;
  done: boolean;
  poll: PollState;
  /** The compiled model (a .tar.gz), once the job COMPLETED. */
  artifactUri?: string;
};

export type CheckCompilationDeps = { sagemaker: SageMakerClient; logger: Logger; now: () => Date };

/**
 * One poll of a Neo job. COMPLETED → done with the artifact; FAILED/STOPPED →
 * `CompilationFailed` with SageMaker's FailureReason; anything else → the next, longer
 * wait (or `WaitTimedOut` past the deadline). Reads only, so any retry is harmless.
 */
export const checkCompilation = async (
  rawInput: CheckCompilationInput,
  { sagemaker, logger, now }: CheckCompilationDeps,
): Promise<CheckCompilationOutput> => {
  const { compilation, target } = parseInput(CheckCompilationInputSchema, rawInput);
  const { jobName } = compilation;
  let job: DescribeCompilationJobCommandOutput;
  try {
    job = await sagemaker.send(new DescribeCompilationJobCommand({ CompilationJobName: jobName }));
  } catch (error) {
    throw classifyAwsError(error, 'DescribeCompilationJob');
  }
  const status = job.CompilationJobStatus ?? 'UNKNOWN';

  if (status === 'COMPLETED') {
    const artifactUri = job.ModelArtifacts?.S3ModelArtifacts;
    if (!artifactUri) {
      throw new CompilationFailed(`compilation job ${jobName} COMPLETED without a model artifact`);
    }
    logger.info('compilation completed', { jobName, target: target.name, artifactUri });
    return { jobName, status, done: true, poll: compilation.poll, artifactUri };
  }
  if (status === 'FAILED' || status === 'STOPPED') {
    throw new CompilationFailed(
      `compilation job ${jobName} for target ${target.name} ${status}: ${job.FailureReason ?? 'no reason given'}`,
    );
  }
  const poll = continuePolling(
    compilation.poll,
    now(),
    COMPILATION_POLL,
    `compilation job ${jobName}`,
  );
  logger.info('compilation in progress', { jobName, status, nextPollSeconds: poll.waitSeconds });
  return { jobName, status, done: false, poll };
};
