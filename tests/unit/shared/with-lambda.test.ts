import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { withLambda } from '../../../functions/shared/with-lambda';

const context = {
  functionName: 'test',
  awsRequestId: 'req-1',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:111122223333:function:test',
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;

/** The EMF lines Powertools writes for one invocation. */
const emfLines = (log: jest.SpyInstance) =>
  log.mock.calls
    .map(([line]) => String(line))
    .filter((line) => line.includes('"_aws"'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('withLambda', () => {
  let log: jest.SpyInstance;
  beforeEach(() => {
    // Powertools writes EMF to the global console (which the spy sees) in dev mode only,
    // where metrics are off unless enabled explicitly.
    process.env.POWERTOOLS_DEV = 'true';
    process.env.POWERTOOLS_METRICS_DISABLED = 'false';
    log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    jest.spyOn(console, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => {
    delete process.env.POWERTOOLS_DEV;
    delete process.env.POWERTOOLS_METRICS_DISABLED;
    jest.restoreAllMocks();
  });

  it("flushes the core's metrics once when it returns", async () => {
    // Prepare
    const metrics = new Metrics({ namespace: 'edge-mlops', serviceName: 'test' });
    const handler = withLambda(
      async () => {
        metrics.addMetric('RolloutsAborted', MetricUnit.Count, 1);
        return 'done';
      },
      { metrics },
    );
    // Act
    const result = await handler({}, context);
    // Assess
    expect(result).toBe('done');
    expect(emfLines(log)).toEqual([expect.objectContaining({ RolloutsAborted: 1 })]);
  });

  it('flushes them too when the core throws, and rethrows the error unchanged', async () => {
    // Prepare
    const metrics = new Metrics({ namespace: 'edge-mlops', serviceName: 'test' });
    const failure = Object.assign(new Error('fleet busy'), { name: 'FleetBusy' });
    const handler = withLambda(
      async () => {
        metrics.addMetric('RollbacksIncomplete', MetricUnit.Count, 1);
        throw failure;
      },
      { metrics },
    );
    // Act
    const outcome = handler({}, context);
    // Assess
    await expect(outcome).rejects.toBe(failure);
    expect(emfLines(log)).toEqual([expect.objectContaining({ RollbacksIncomplete: 1 })]);
  });
});
