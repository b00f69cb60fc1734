import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { IoTClient, ListThingsInThingGroupCommand } from '@aws-sdk/client-iot';
import { SageMakerClient, StartPipelineExecutionCommand } from '@aws-sdk/client-sagemaker';
import { Emulator } from '../../emulator/emulator';
import { loadStageConfig } from '../../functions/shared/stage-config/load';
import { controlOf } from '../helpers/local-mode';

/**
 * The emulator's closed-loop services (emulator/loop.ts) refuse what AWS refuses, through
 * unchanged SDK clients: CloudWatch PutMetricData, SageMaker StartPipelineExecution, IoT
 * ListThingsInThingGroup.
 */
const ROOT = join(__dirname, '../..');
const event = JSON.parse(readFileSync(join(ROOT, 'events/model-package-approved.json'), 'utf8'));
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const opts = () => ({ endpoint: emulator.url, region: 'us-east-1', credentials, maxAttempts: 1 });

let emulator: Emulator;
beforeAll(async () => {
  emulator = await Emulator.start({
    config: loadStageConfig(join(ROOT, 'config/local.yml')),
    configFile: join(ROOT, 'config/local.yml'),
    fleetSize: 3,
  });
  await emulator.seed(event);
}, 60_000);
afterAll(() => emulator.close());

const start = (token: string, pipeline = 'defect-detector-retrain') =>
  new SageMakerClient(opts()).send(
    new StartPipelineExecutionCommand({ PipelineName: pipeline, ClientRequestToken: token }),
  );

describe('emulator: closed-loop services', () => {
  it('starts a pipeline execution once per client request token', async () => {
    // Act
    const a = await start('t'.repeat(32));
    const again = await start('t'.repeat(32));
    const other = await start('u'.repeat(32));
    // Assess
    expect(again.PipelineExecutionArn).toBe(a.PipelineExecutionArn);
    expect(other.PipelineExecutionArn).not.toBe(a.PipelineExecutionArn);
    const state = await controlOf(emulator.url)('loop/state');
    expect(state.pipelineExecutions).toHaveLength(2);
  });

  it('refuses an unknown pipeline and a token shorter than 32 characters', async () => {
    await expect(start('v'.repeat(32), 'no-such-pipeline')).rejects.toMatchObject({
      name: 'ResourceNotFound',
    });
    await expect(start('short')).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('keeps metric data and refuses the reserved AWS/ namespaces and non-finite values', async () => {
    const cloudwatch = new CloudWatchClient(opts());
    await cloudwatch.send(
      new PutMetricDataCommand({
        Namespace: 'edge-mlops',
        MetricData: [
          { MetricName: 'DriftScore', Value: 0.2, Dimensions: [{ Name: 'Fleet', Value: 'f' }] },
        ],
      }),
    );
    await expect(
      cloudwatch.send(
        new PutMetricDataCommand({
          Namespace: 'AWS/States',
          MetricData: [{ MetricName: 'x', Value: 1 }],
        }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
    await expect(
      cloudwatch.send(
        new PutMetricDataCommand({
          Namespace: 'edge-mlops',
          MetricData: [{ MetricName: 'x', Value: Number.NaN }],
        }),
      ),
    ).rejects.toThrow();
    const state = await controlOf(emulator.url)('loop/state');
    expect(state.metrics).toEqual([
      expect.objectContaining({
        namespace: 'edge-mlops',
        metricName: 'DriftScore',
        value: 0.2,
        dimensions: { Fleet: 'f' },
      }),
    ]);
  });

  it('lists the things of a thing group page by page, and no group it does not know', async () => {
    const iot = new IoTClient(opts());
    const first = await iot.send(
      new ListThingsInThingGroupCommand({ thingGroupName: 'factory-jetson-main', maxResults: 2 }),
    );
    const rest = await iot.send(
      new ListThingsInThingGroupCommand({
        thingGroupName: 'factory-jetson-main',
        maxResults: 2,
        nextToken: first.nextToken,
      }),
    );
    expect([...(first.things ?? []), ...(rest.things ?? [])]).toHaveLength(3);
    expect(rest.nextToken).toBeUndefined();
    await expect(
      iot.send(new ListThingsInThingGroupCommand({ thingGroupName: 'nowhere' })),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });
});
