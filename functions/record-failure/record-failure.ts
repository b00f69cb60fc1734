import type { Logger } from '@aws-lambda-powertools/logger';
import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import type { Clock } from '../shared/clock';
import { errorEntry, type PipelineStage } from '../shared/error-taxonomy';
import { readableCause } from '../shared/errors';
import { metadataKey, writeOutcome } from '../shared/outcome/model-package-metadata';
import type { Notification } from '../shared/outcome/notify';
import { parseInput } from '../shared/validate';
import * as z from '../shared/zod-mini';

const InputSchema = z.object({
  modelPackageArn: z.string().check(z.minLength(1)),
  modelPackageGroupName: z.string().check(z.minLength(1)),
  modelPackageVersion: z.int(),
  executionArn: z.string().check(z.minLength(1)),
  error: z.object({ Error: z._default(z.string(), 'Unknown'), Cause: z._default(z.string(), '') }),
  state: z.record(z.string(), z.unknown()),
});
export type RecordFailureInput = z.input<typeof InputSchema>;
export type RecordFailureOutput = {
  status: 'FAILED' | 'REJECTED' | 'SUPERSEDED';
  error: string;
  cause: string;
  stageReached: string;
};
export type RecordFailureDeps = {
  sagemaker: SageMakerClient;
  notifyOnce: (n: Notification) => Promise<unknown>;
  logger: Logger;
  now: Clock;
  config: { stage: string };
};

/**
 * The stages whose errors tell by themselves where the execution stopped: the results in
 * the state stop short of them (a rejected approval leaves the twin tests' as the last).
 */
const TELLING_STAGES = new Set<PipelineStage>(['twin-tests', 'approval', 'production']);

/** How far the execution got: from the error, else from which results its state holds. */
export const stageReached = (state: Record<string, unknown>, error?: string): string => {
  const stage = errorEntry(error)?.stage;
  if (stage && TELLING_STAGES.has(stage)) return stage;
  const steps: [string, string][] = [
    ['rollback', 'production'],
    ['rollout', 'production'],
    ['approval', 'approval'],
    ['twinTests', 'twin-tests'],
    ['twin', 'twin'],
    ['components', 'registered'],
    ['plan', 'resolved'],
  ];
  const reached = steps.find(([key]) => state[key] !== undefined)?.[1];
  // Build Targets keeps its progress in $.build from its first call: compiled once done.
  const built = (state.build as { done?: unknown } | undefined)?.done === true;
  if (reached === 'resolved' && built) return 'compiled';
  return reached ?? 'started';
};

/**
 * The execution failed (or was rejected or superseded): write that onto the model package
 * and tell people, with the cause a human can act on. Never masks the original error: the
 * state machine fails with it right after.
 */
export const recordFailure = async (
  rawInput: RecordFailureInput,
  deps: RecordFailureDeps,
): Promise<RecordFailureOutput> => {
  const input = parseInput(InputSchema, rawInput);
  const known = errorEntry(input.error.Error);
  const status = known?.outcome ?? 'FAILED';
  const cause = readableCause(input.error.Cause);
  const reached = stageReached(input.state, input.error.Error);
  await writeOutcome(deps.sagemaker, input.modelPackageArn, [
    [metadataKey(deps.config.stage, 'status'), status.toLowerCase()],
    [metadataKey(deps.config.stage, 'stage-reached'), reached],
    [metadataKey(deps.config.stage, 'error'), `${input.error.Error}: ${cause}`],
    [metadataKey(deps.config.stage, 'execution'), input.executionArn],
    [metadataKey(deps.config.stage, 'updated-at'), deps.now().toISOString()],
  ]);
  await deps.notifyOnce({
    key: `${input.executionArn}#failure`,
    subject: `[edge-mlops ${deps.config.stage}] ${input.modelPackageGroupName} v${input.modelPackageVersion} ${status.toLowerCase()} at ${reached}`,
    message: [
      `${input.modelPackageGroupName} version ${input.modelPackageVersion} did not reach production (stage ${deps.config.stage}).`,
      '',
      `Error: ${input.error.Error}`,
      `Cause: ${cause}`,
      `Reached: ${reached}`,
      ...(known ? [`What to do: ${known.advice}`] : []),
      `Execution: ${input.executionArn}`,
      '',
      `Explain it: edge-mlops executions explain ${input.executionArn}`,
    ].join('\n'),
  });
  deps.logger.warn('failure recorded', { status, error: input.error.Error, reached });
  return { status, error: input.error.Error, cause, stageReached: reached };
};
