import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { classifyAwsError } from '../shared/errors';
import { parseInput } from '../shared/validate';
import {
  IOT_JOB_ID,
  WATCH_RETENTION_SECONDS,
  type WaveWatchDeps,
  wake,
  waveWatchKey,
} from '../shared/wave-watch';
import * as z from '../shared/zod-mini';

/**
 * A job event as IoT Jobs publishes it on `$aws/events/job/<jobId>/<operation>` and the
 * job-events rule (`SELECT * FROM '$aws/events/job/+/canceled'`) passes it on
 * (AWS IoT developer guide, "Jobs events": eventType JOB, operation, jobId, status).
 */
const JobEvent = z.looseObject({
  eventType: z.literal('JOB'),
  operation: z.string().check(z.minLength(1)),
  jobId: z.string().check(z.regex(IOT_JOB_ID)),
});
export type JobEventInput = z.input<typeof JobEvent>;

export type RecordJobEventDeps = WaveWatchDeps;

/**
 * Records that IoT canceled a job (its abort criteria, or a CancelDeployment) and wakes the
 * wave waiting on it, if one is registered: the token is taken out of the item in the same
 * write, so it is used once. A watch that registers later finds `canceledAt` and answers
 * itself (watch-wave). Safe to repeat: a duplicate event finds no token and changes nothing
 * but the item's expiry. Other operations are ignored (the rule selects only `canceled`).
 */
export const recordJobEvent = async (
  rawInput: JobEventInput,
  { store, sfn, logger, now }: RecordJobEventDeps,
) => {
  const event = parseInput(JobEvent, rawInput);
  if (event.operation !== 'canceled') return { ignored: event.operation };
  const at = now();
  let taskToken: string | undefined;
  try {
    const { Attributes } = await store.dynamo.send(
      new UpdateCommand({
        TableName: store.table,
        Key: waveWatchKey(event.jobId),
        UpdateExpression:
          'SET canceledAt = if_not_exists(canceledAt, :now), expiresAt = :expires REMOVE taskToken',
        ExpressionAttributeValues: {
          ':now': at.toISOString(),
          ':expires': Math.ceil(at.getTime() / 1000) + WATCH_RETENTION_SECONDS,
        },
        ReturnValues: 'ALL_OLD',
      }),
    );
    taskToken = Attributes?.taskToken as string | undefined;
  } catch (error) {
    throw classifyAwsError(error, `recording the cancellation of job ${event.jobId}`);
  }
  if (!taskToken) return { jobId: event.jobId, woke: 'nobody waiting' as const };
  const token = await wake(sfn, taskToken, { reason: 'canceled', jobId: event.jobId });
  logger.info('wave woken by job cancellation', { jobId: event.jobId, token });
  return { jobId: event.jobId, woke: token };
};
