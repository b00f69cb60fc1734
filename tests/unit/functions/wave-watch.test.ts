import { SendTaskSuccessCommand, SFNClient, TaskTimedOut } from '@aws-sdk/client-sfn';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { recordJobEvent } from '../../../functions/record-job-event/record-job-event';
import { waveWatchKey } from '../../../functions/shared/wave-watch';
import { watchWave } from '../../../functions/watch-wave/watch-wave';
import { type LocalTable, startLocalTable } from '../../helpers/dynalite';
import { silentLogger } from '../../helpers/fixtures';

let db: LocalTable;
beforeAll(async () => {
  db = await startLocalTable();
});
afterAll(() => db.close());

const sfnMock = mockClient(SFNClient);
beforeEach(() => {
  sfnMock.reset();
  sfnMock.on(SendTaskSuccessCommand).resolves({});
});

const NOW = new Date('2026-11-26T08:00:00Z');
let jobCounter = 0;
const nextJobId = () => `job-${++jobCounter}`;
const deps = () => ({
  store: { dynamo: db.doc, table: db.table },
  sfn: new SFNClient({ region: 'us-east-1' }),
  logger: silentLogger(),
  now: () => NOW,
});
const waitingWave = (iotJobId?: string) => ({
  status: 'IN_PROGRESS',
  done: false,
  ...(iotJobId ? { iotJobId } : {}),
  poll: { attempt: 1, waitSeconds: 1800, deadline: '2026-11-26T12:00:00.000Z' },
});
const canceled = (jobId: string) => ({
  eventType: 'JOB' as const,
  eventId: 'e1',
  timestamp: 1795939200,
  operation: 'canceled',
  jobId,
  status: 'CANCELED',
});
const itemOf = async (jobId: string) =>
  (await db.doc.send(new GetCommand({ TableName: db.table, Key: waveWatchKey(jobId) }))).Item;

describe('watchWave and recordJobEvent: an IoT cancellation wakes the waiting wave', () => {
  it('wakes a registered wave with its own token when IoT cancels the job', async () => {
    // Prepare
    const jobId = nextJobId();
    await watchWave({ wave: waitingWave(jobId), taskToken: 'token-1' }, deps());
    // Act
    const result = await recordJobEvent(canceled(jobId), deps());
    // Assess
    expect(result).toEqual({ jobId, woke: 'woken' });
    expect(sfnMock).toHaveReceivedCommandTimes(SendTaskSuccessCommand, 1);
    expect(sfnMock).toHaveReceivedCommandWith(SendTaskSuccessCommand, {
      taskToken: 'token-1',
      output: JSON.stringify({ reason: 'canceled', jobId }),
    });
  });

  it('answers at once when the cancellation was recorded before the wave registered', async () => {
    // Prepare
    const jobId = nextJobId();
    await recordJobEvent(canceled(jobId), deps());
    // Act
    const result = await watchWave({ wave: waitingWave(jobId), taskToken: 'token-2' }, deps());
    // Assess
    expect(result).toEqual({ answered: 'canceled', token: 'woken' });
    expect(sfnMock).toHaveReceivedCommandWith(SendTaskSuccessCommand, { taskToken: 'token-2' });
    expect((await itemOf(jobId))?.taskToken).toBeUndefined();
  });

  it('uses a token once: a repeated event wakes nobody', async () => {
    // Prepare
    const jobId = nextJobId();
    await watchWave({ wave: waitingWave(jobId), taskToken: 'token-3' }, deps());
    await recordJobEvent(canceled(jobId), deps());
    // Act
    const again = await recordJobEvent(canceled(jobId), deps());
    // Assess
    expect(again).toEqual({ jobId, woke: 'nobody waiting' });
    expect(sfnMock).toHaveReceivedCommandTimes(SendTaskSuccessCommand, 1);
  });

  it('registers a waiting wave under its job id and answers nothing while the job runs', async () => {
    // Prepare
    const jobId = nextJobId();
    // Act
    const result = await watchWave({ wave: waitingWave(jobId), taskToken: 'token-4' }, deps());
    // Assess: kept until a week after the wave's deadline (TTL).
    expect(result).toEqual({ waiting: 'until canceled or timed out' });
    expect(sfnMock).not.toHaveReceivedCommand(SendTaskSuccessCommand);
    expect(await itemOf(jobId)).toMatchObject({
      taskToken: 'token-4',
      expiresAt: Date.parse('2026-11-26T12:00:00Z') / 1000 + 7 * 24 * 3600,
    });
  });

  it('answers a settled wave at once, without registering it', async () => {
    // Prepare
    const jobId = nextJobId();
    const settled = { ...waitingWave(jobId), status: 'SUCCEEDED', done: true };
    // Act
    const result = await watchWave({ wave: settled, taskToken: 'token-5' }, deps());
    // Assess
    expect(result).toEqual({ answered: 'settled', token: 'woken' });
    expect(sfnMock).toHaveReceivedCommandWith(SendTaskSuccessCommand, {
      taskToken: 'token-5',
      output: JSON.stringify({ reason: 'settled' }),
    });
    expect(await itemOf(jobId)).toBeUndefined();
  });

  it('waits for its timeout alone when the job is not known yet (the first wait after Start Wave)', async () => {
    // Act
    const result = await watchWave({ wave: waitingWave(), taskToken: 'token-6' }, deps());
    // Assess
    expect(result).toEqual({ waiting: 'until timed out' });
    expect(sfnMock).not.toHaveReceivedCommand(SendTaskSuccessCommand);
  });

  it('takes a token whose task already closed (timed out into Check Wave) as done', async () => {
    // Prepare
    const jobId = nextJobId();
    sfnMock
      .on(SendTaskSuccessCommand)
      .rejects(new TaskTimedOut({ message: 'Task Timed Out', $metadata: {} }));
    await watchWave({ wave: waitingWave(jobId), taskToken: 'token-7' }, deps());
    // Act
    const result = await recordJobEvent(canceled(jobId), deps());
    // Assess
    expect(result).toEqual({ jobId, woke: 'already closed' });
  });

  it('throws TransientError when Step Functions throttles, so Lambda retries the event', async () => {
    // Prepare
    const jobId = nextJobId();
    sfnMock.on(SendTaskSuccessCommand).rejects(
      Object.assign(new Error('Rate exceeded'), {
        name: 'ThrottlingException',
        $metadata: { httpStatusCode: 400 },
      }),
    );
    await watchWave({ wave: waitingWave(jobId), taskToken: 'token-8' }, deps());
    // Act & Assess
    await expect(recordJobEvent(canceled(jobId), deps())).rejects.toMatchObject({
      name: 'TransientError',
    });
  });

  it('ignores job events other than canceled', async () => {
    // Act
    const result = await recordJobEvent({ ...canceled(nextJobId()), operation: 'deleted' }, deps());
    // Assess
    expect(result).toEqual({ ignored: 'deleted' });
    expect(sfnMock).not.toHaveReceivedCommand(SendTaskSuccessCommand);
  });

  it('refuses an event without a valid job id, naming the field, and writes nothing', async () => {
    // Act
    const refused = recordJobEvent({ ...canceled('bad id/with slash') }, deps());
    // Assess
    await expect(refused).rejects.toMatchObject({ name: 'InvalidInput' });
    await expect(refused).rejects.toThrow('jobId');
  });

  it('refuses a watch without its task token, naming the field', async () => {
    // Act
    const refused = watchWave({ wave: waitingWave('job-x'), taskToken: '' }, deps());
    // Assess
    await expect(refused).rejects.toMatchObject({ name: 'InvalidInput' });
    await expect(refused).rejects.toThrow('taskToken');
  });
});
