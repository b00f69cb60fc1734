import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { classifyAwsError } from '../shared/errors';
import { parseInput } from '../shared/validate';
import {
  expiresAtAfter,
  IOT_JOB_ID,
  type WaveWatchDeps,
  wake,
  waveWatchKey,
} from '../shared/wave-watch';
import * as z from '../shared/zod-mini';

/** `Watch Wave`'s payload: the wave as Start Wave or Check Wave left it, and the task token. */
const WatchWaveInput = z.object({
  taskToken: z.string().check(z.minLength(1), z.maxLength(2048)),
  wave: z.looseObject({
    /** Check Wave's verdict is final: nothing to wait for. */
    done: z.optional(z.boolean()),
    /** The deployment's IoT job (Check Wave reads it from GetDeployment). */
    iotJobId: z.optional(z.string().check(z.regex(IOT_JOB_ID))),
    poll: z.looseObject({ deadline: z.iso.datetime() }),
  }),
});
export type WatchWaveInput = z.input<typeof WatchWaveInput>;

export type WatchWaveDeps = WaveWatchDeps;

export type WatchWaveOutput =
  | { waiting: 'until canceled or timed out' | 'until timed out' }
  | { answered: 'settled' | 'canceled'; token: 'woken' | 'already closed' };

/**
 * Registers the waiting task under the wave's IoT job id, so a cancellation of the job wakes
 * it; the task's own timeout (the adaptive wait) wakes it otherwise. Answers at once when
 * the wave is already settled, or when its job was canceled before the registration (the
 * conditional write fails: record-job-event wrote first). Safe to repeat: a retry writes the
 * same token again, and answering a closed task is a no-op.
 */
export const watchWave = async (
  rawInput: WatchWaveInput,
  { store, sfn, logger, now }: WatchWaveDeps,
): Promise<WatchWaveOutput> => {
  const { taskToken, wave } = parseInput(WatchWaveInput, rawInput);
  if (wave.done === true)
    return { answered: 'settled', token: await wake(sfn, taskToken, { reason: 'settled' }) };
  // The first watch after Start Wave does not know the job yet (CreateDeployment names only
  // the deployment); it waits the floor and Check Wave reads the job id.
  if (!wave.iotJobId) return { waiting: 'until timed out' };
  const jobId = wave.iotJobId;
  try {
    await store.dynamo.send(
      new UpdateCommand({
        TableName: store.table,
        Key: waveWatchKey(jobId),
        UpdateExpression: 'SET taskToken = :token, watchedSince = :now, expiresAt = :expires',
        ConditionExpression: 'attribute_not_exists(canceledAt)',
        ExpressionAttributeValues: {
          ':token': taskToken,
          ':now': now().toISOString(),
          ':expires': expiresAtAfter(new Date(Date.parse(wave.poll.deadline))),
        },
      }),
    );
    return { waiting: 'until canceled or timed out' };
  } catch (error) {
    if ((error as Error).name !== 'ConditionalCheckFailedException')
      throw classifyAwsError(error, `registering the watch of job ${jobId}`);
  }
  logger.info('wave job already canceled', { jobId });
  return { answered: 'canceled', token: await wake(sfn, taskToken, { reason: 'canceled', jobId }) };
};
