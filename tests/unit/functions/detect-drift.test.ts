import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { IoTClient, ListThingsInThingGroupCommand } from '@aws-sdk/client-iot';
import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import {
  DescribeModelPackageCommand,
  SageMakerClient,
  StartPipelineExecutionCommand,
} from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { SAMPLE_BASELINE, simulatedCaptures } from '../../../emulator/capture';
import {
  CAPTURE_LAG_MS,
  type DetectDriftDeps,
  detectDrift,
} from '../../../functions/detect-drift/detect-drift';
import { divergence, driftScores } from '../../../functions/detect-drift/distance';
import { retrainingToken } from '../../../functions/detect-drift/retraining';
import { captureBatchKey, parseCaptureLine } from '../../../functions/shared/capture-contract';
import { baselineProblem } from '../../../functions/shared/drift-baseline';
import { type LocalTable, startLocalTable } from '../../helpers/dynalite';
import { localStageConfig, silentLogger } from '../../helpers/fixtures';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-11-25T10:00:00Z');
const BASELINE_URI = 's3://edge-mlops-local-capture/baselines/defect-detector.json';
const GROUPS: Record<string, string[]> = {
  'factory-jetson-canary': ['jc-1'],
  'factory-jetson-main': ['jm-1', 'jm-2'],
  'field-rpi': ['rp-1', 'rp-2'],
};
const PIPELINE_ARN =
  'arn:aws:sagemaker:us-east-1:000000000000:pipeline/defect-detector-retrain/execution/abc123';

let db: LocalTable;
let objects: Map<string, string>;
const s3 = mockClient(S3Client);
const sagemaker = mockClient(SageMakerClient);
const cloudwatch = mockClient(CloudWatchClient);
const events = mockClient(EventBridgeClient);
const iot = mockClient(IoTClient);

beforeAll(async () => {
  db = await startLocalTable();
});
afterAll(() => db.close());

const deps = (): DetectDriftDeps => ({
  s3: new S3Client({}),
  sagemaker: new SageMakerClient({}),
  cloudwatch: new CloudWatchClient({}),
  events: new EventBridgeClient({}),
  iotFor: () => new IoTClient({}),
  store: { dynamo: db.doc, table: db.table },
  logger: silentLogger(),
  config: { stageConfig: localStageConfig() },
});

beforeEach(async () => {
  // Each test starts from empty drift records (the shared local table keeps other tests' items).
  const { ScanCommand, DeleteCommand } = await import('@aws-sdk/lib-dynamodb');
  const all = await db.doc.send(new ScanCommand({ TableName: db.table }));
  for (const item of all.Items ?? [])
    await db.doc.send(
      new DeleteCommand({ TableName: db.table, Key: { pk: item.pk, sk: item.sk } }),
    );
  objects = new Map([
    ['edge-mlops-local-capture/baselines/defect-detector.json', JSON.stringify(SAMPLE_BASELINE)],
  ]);
  for (const m of [s3, sagemaker, cloudwatch, events, iot]) m.reset();
  s3.on(ListObjectsV2Command).callsFake(async ({ Bucket, Prefix }) => ({
    Contents: [...objects.keys()]
      .filter((k) => k.startsWith(`${Bucket}/${Prefix}`))
      .map((k) => ({ Key: k.slice(Bucket.length + 1) })),
    IsTruncated: false,
  }));
  s3.on(GetObjectCommand).callsFake(async ({ Bucket, Key }) => {
    const text = objects.get(`${Bucket}/${Key}`);
    if (text === undefined) throw Object.assign(new Error('no such key'), { name: 'NoSuchKey' });
    return { Body: { transformToString: async () => text } };
  });
  iot.on(ListThingsInThingGroupCommand).callsFake(async ({ thingGroupName }) => ({
    things: GROUPS[thingGroupName] ?? [],
  }));
  sagemaker.on(DescribeModelPackageCommand).resolves({ ModelPackageGroupName: 'defect-detector' });
  sagemaker.on(StartPipelineExecutionCommand).resolves({ PipelineExecutionArn: PIPELINE_ARN });
  cloudwatch.on(PutMetricDataCommand).resolves({});
  events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
});

/** Devices of every fleet capture `perDevice` records in the hour starting at `hourMs`. */
const capture = (hourMs: number, drift: Record<string, number>, perDevice = 30, version = 3) => {
  const fleetOf: Record<string, string> = {
    'jc-1': 'factory-jetson',
    'jm-1': 'factory-jetson',
    'jm-2': 'factory-jetson',
    'rp-1': 'field-rpi',
    'rp-2': 'field-rpi',
  };
  for (const [thing, fleet] of Object.entries(fleetOf)) {
    const records = simulatedCaptures({
      seed: 'unit',
      thingName: thing,
      modelGroup: 'defect-detector',
      modelVersion: version,
      drift: drift[fleet] ?? 0,
      count: perDevice,
      startMs: hourMs,
      spanMs: HOUR,
    });
    const key = captureBatchKey('capture', 'defect-detector', thing, hourMs, 0);
    objects.set(
      `edge-mlops-local-capture/${key}`,
      records.map((r) => JSON.stringify(r)).join('\n'),
    );
  }
};
/** The scheduled run that scores the window ending at `ms` (CAPTURE_LAG_MS after it). */
const runAt = (ms: number) =>
  detectDrift(
    { modelGroup: 'defect-detector', time: new Date(ms + CAPTURE_LAG_MS).toISOString() },
    deps(),
  );

describe('detectDrift', () => {
  it('scores each fleet against the baseline and starts nothing when the field looks like it', async () => {
    // Prepare
    capture(T0, {});
    // Act
    const result = await runAt(T0 + HOUR + 60_000);
    // Assess
    expect(result.window).toEqual({
      id: '2026-11-25T10:00:00.000Z',
      start: '2026-11-25T10:00:00.000Z',
      end: '2026-11-25T11:00:00.000Z',
    });
    expect(result.fleets.map((f) => [f.fleet, f.status, f.records, f.modelVersion])).toEqual([
      ['factory-jetson', 'scored', 90, 3],
      ['field-rpi', 'scored', 60, 3],
    ]);
    for (const f of result.fleets) expect(f.score).toBeLessThan(0.1);
    expect(result.retraining).toEqual({ status: 'not-needed' });
    expect(sagemaker).not.toHaveReceivedCommand(StartPipelineExecutionCommand);
    const data = cloudwatch.commandCalls(PutMetricDataCommand)[0]!.args[0].input;
    expect(data.Namespace).toBe('edge-mlops');
    expect(
      data.MetricData!.filter((d) => d.MetricName === 'DriftScore').map((d) => d.Dimensions),
    ).toEqual([
      [
        { Name: 'ModelGroup', Value: 'defect-detector' },
        { Name: 'Fleet', Value: 'factory-jetson' },
      ],
      [
        { Name: 'ModelGroup', Value: 'defect-detector' },
        { Name: 'Fleet', Value: 'field-rpi' },
      ],
    ]);
  });

  it('starts the retraining pipeline once, after the configured number of drifted windows in a row', async () => {
    // Prepare: consecutiveWindows is 2 in config/local.yml; only factory-jetson drifts
    capture(T0, { 'factory-jetson': 0.5 });
    capture(T0 + HOUR, { 'factory-jetson': 0.5 });
    // Act
    const first = await runAt(T0 + HOUR);
    const second = await runAt(T0 + 2 * HOUR);
    // Assess
    expect(first.fleets[0]).toMatchObject({
      fleet: 'factory-jetson',
      drifted: true,
      consecutive: 1,
    });
    expect(first.retraining).toEqual({ status: 'not-needed' });
    expect(second.fleets[0]).toMatchObject({ drifted: true, consecutive: 2 });
    expect(second.fleets[1]).toMatchObject({ fleet: 'field-rpi', drifted: false, consecutive: 0 });
    expect(second.retraining).toEqual({
      status: 'started',
      executionArn: PIPELINE_ARN,
      pipelineName: 'defect-detector-retrain',
    });
    expect(sagemaker).toHaveReceivedCommandTimes(StartPipelineExecutionCommand, 1);
    expect(sagemaker).toHaveReceivedCommandWith(StartPipelineExecutionCommand, {
      PipelineName: 'defect-detector-retrain',
      ClientRequestToken: retrainingToken('defect-detector', '2026-11-25T11:00:00.000Z'),
      PipelineParameters: [{ Name: 'ModelPackageGroupName', Value: 'defect-detector' }],
    });
    const entry = events.commandCalls(PutEventsCommand)[0]!.args[0].input.Entries![0]!;
    expect(entry).toMatchObject({
      Source: 'edge-mlops.drift',
      DetailType: 'Model Retraining Started',
    });
    expect(JSON.parse(entry.Detail!)).toMatchObject({
      modelGroup: 'defect-detector',
      windowId: '2026-11-25T11:00:00.000Z',
      pipelineExecutionArn: PIPELINE_ARN,
      fleets: [{ fleet: 'factory-jetson', consecutive: 2 }],
    });
  });

  it('does not hold a start that failed against the next drifted window (no phantom cooldown)', async () => {
    // Prepare: the pipeline is missing when the streak first reaches 2, then fixed
    for (const h of [0, 1, 2]) capture(T0 + h * HOUR, { 'factory-jetson': 0.5 });
    sagemaker
      .on(StartPipelineExecutionCommand)
      .rejectsOnce(
        Object.assign(new Error('Pipeline defect-detector-retrain does not exist'), {
          name: 'ResourceNotFound',
          $metadata: { httpStatusCode: 400 },
        }),
      )
      .resolves({ PipelineExecutionArn: PIPELINE_ARN });
    await runAt(T0 + HOUR);
    await expect(runAt(T0 + 2 * HOUR)).rejects.toThrow('does not exist');
    // Act
    const next = await runAt(T0 + 3 * HOUR);
    // Assess: nothing was started, so nothing cools down
    expect(next.retraining).toEqual({
      status: 'started',
      executionArn: PIPELINE_ARN,
      pipelineName: 'defect-detector-retrain',
    });
  });

  it('counts a window once when the run is retried, with the same pipeline token', async () => {
    // Prepare
    capture(T0, { 'factory-jetson': 0.5 });
    capture(T0 + HOUR, { 'factory-jetson': 0.5 });
    await runAt(T0 + HOUR);
    await runAt(T0 + 2 * HOUR);
    // Act: the schedule delivers the same window again (Lambda retry)
    const retry = await runAt(T0 + 2 * HOUR + 5 * 60_000);
    // Assess
    expect(retry.fleets[0]).toMatchObject({ consecutive: 2 });
    const tokens = sagemaker
      .commandCalls(StartPipelineExecutionCommand)
      .map((c) => c.args[0].input.ClientRequestToken);
    expect(new Set(tokens).size).toBe(1);
  });

  it('starts a new streak after a window that was never evaluated', async () => {
    // Prepare: drifted windows at 10:00 and 12:00; the 11:00 run never happened
    capture(T0, { 'factory-jetson': 0.5 });
    capture(T0 + 2 * HOUR, { 'factory-jetson': 0.5 });
    // Act
    await runAt(T0 + HOUR);
    const afterGap = await runAt(T0 + 3 * HOUR);
    // Assess
    expect(afterGap.fleets[0]).toMatchObject({ drifted: true, consecutive: 1 });
    expect(afterGap.retraining).toEqual({ status: 'not-needed' });
  });

  it('starts nothing more within the cooldown, however long the drift lasts', async () => {
    // Prepare
    for (let h = 0; h < 4; h++) capture(T0 + h * HOUR, { 'factory-jetson': 0.5 });
    // Act
    const results = [];
    for (let h = 1; h <= 4; h++) results.push(await runAt(T0 + h * HOUR));
    // Assess
    expect(results.map((r) => r.retraining.status)).toEqual([
      'not-needed',
      'started',
      'cooldown',
      'cooldown',
    ]);
    expect(sagemaker).toHaveReceivedCommandTimes(StartPipelineExecutionCommand, 1);
  });

  it('counts malformed lines, missing fields and other groups, and never retrains on them', async () => {
    // Prepare: one drifted window, then a window of garbage only
    capture(T0, { 'factory-jetson': 0.5 });
    const good = simulatedCaptures({
      seed: 'x',
      thingName: 'jm-1',
      modelGroup: 'defect-detector',
      modelVersion: 3,
      drift: 0.9,
      count: 3,
      startMs: T0 + HOUR,
      spanMs: HOUR,
    });
    const lines = [
      '{not json',
      JSON.stringify({ ...good[0], prediction: undefined }),
      JSON.stringify({ ...good[1], features: { brightness: 'bright' } }),
      JSON.stringify({ ...good[2], modelGroup: 'other-group' }),
      '[]',
      '',
    ];
    objects.set(
      `edge-mlops-local-capture/${captureBatchKey('capture', 'defect-detector', 'jm-1', T0 + HOUR, 0)}`,
      lines.join('\n'),
    );
    await runAt(T0 + HOUR);
    // Act
    const garbage = await runAt(T0 + 2 * HOUR);
    // Assess
    expect(garbage.rejected).toEqual({
      'not JSON': 1,
      'missing prediction': 1,
      'non-numeric feature': 1,
      'other model group': 1,
      'not a JSON object': 1,
    });
    expect(garbage.fleets[0]).toMatchObject({
      status: 'insufficient',
      drifted: false,
      consecutive: 0,
    });
    expect(garbage.retraining).toEqual({ status: 'not-needed' });
    expect(sagemaker).not.toHaveReceivedCommand(StartPipelineExecutionCommand);
    const rejected = cloudwatch
      .commandCalls(PutMetricDataCommand)[1]!
      .args[0].input.MetricData!.find((d) => d.MetricName === 'CaptureRecordsRejected');
    expect(rejected?.Value).toBe(5);
  });

  it('never scores a feature from the few records that carry it (partial capture)', async () => {
    // Prepare: two windows in which nearly every record lacks the features (a device on an
    // older component, a bug); the few that have them all sit in one bin. Scored on those
    // few, brightness would look drifted in both windows and start retraining.
    for (const hour of [T0, T0 + HOUR]) {
      const before = new Set(objects.keys());
      capture(hour, {});
      for (const [key, text] of objects)
        if (!before.has(key))
          objects.set(
            key,
            text
              .split('\n')
              .map((line, i) => {
                const r = JSON.parse(line);
                return JSON.stringify({
                  ...r,
                  features: i < 3 ? { brightness: 0.99, contrast: 0.3 } : {},
                });
              })
              .concat(['{"thingName": "jm-1", "features": {"brightness": NaN}}'])
              .join('\n'),
          );
    }
    // Act
    const first = await runAt(T0 + HOUR);
    const second = await runAt(T0 + 2 * HOUR);
    // Assess
    for (const result of [first, second]) {
      expect(result.fleets.map((f) => [f.fleet, f.status, f.records, f.drifted])).toEqual([
        ['factory-jetson', 'insufficient', 9, false],
        ['field-rpi', 'insufficient', 6, false],
      ]);
      expect(result.fleets[0]!.reason).toBe(
        '9 valid records with every baseline feature (81 lack one), fewer than minRecords 50',
      );
      expect(result.rejected).toEqual({ 'missing feature brightness': 135, 'not JSON': 5 });
    }
    expect(second.retraining).toEqual({ status: 'not-needed' });
    expect(sagemaker).not.toHaveReceivedCommand(StartPipelineExecutionCommand);
    const rejected = cloudwatch
      .commandCalls(PutMetricDataCommand)[1]!
      .args[0].input.MetricData!.find((d) => d.MetricName === 'CaptureRecordsRejected');
    expect(rejected?.Value).toBe(140);
  });

  it('reads a huge window with a bounded number of reads in flight, and scores it', async () => {
    // Prepare: 1,500 batches of 100 records in one hour (150,000 records); each read takes a
    // moment, as S3 does. One read at a time, a real window of this size outlasts the
    // function's timeout every hour, and no window is ever evaluated.
    const things = ['jc-1', 'jm-1', 'jm-2', 'rp-1', 'rp-2'];
    for (let i = 0; i < 1500; i++) {
      const thing = things[i % things.length]!;
      const records = simulatedCaptures({
        seed: `huge-${i}`,
        thingName: thing,
        modelGroup: 'defect-detector',
        modelVersion: 3,
        drift: 0,
        count: 100,
        startMs: T0,
        spanMs: HOUR,
      });
      objects.set(
        `edge-mlops-local-capture/${captureBatchKey('capture', 'defect-detector', thing, T0 + i, i)}`,
        records.map((r) => JSON.stringify(r)).join('\n'),
      );
    }
    let inFlight = 0;
    let most = 0;
    s3.on(GetObjectCommand).callsFake(async ({ Bucket, Key }) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, 2));
      inFlight -= 1;
      const text = objects.get(`${Bucket}/${Key}`)!;
      return { Body: { transformToString: async () => text } };
    });
    // Act
    const result = await runAt(T0 + HOUR);
    // Assess
    expect(result.objects).toBe(1500);
    expect(result.records).toBe(150_000);
    expect(result.fleets.map((f) => [f.fleet, f.status, f.records])).toEqual([
      ['factory-jetson', 'scored', 90_000],
      ['field-rpi', 'scored', 60_000],
    ]);
    expect(result.fleets.every((f) => (f.score ?? 1) < 0.1)).toBe(true);
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(16);
  }, 30_000);

  it("counts a batch a device writes minutes after its hour ended (the schedule's run may come first)", async () => {
    // Prepare: the hour's batches, but rp-2's last one is still on the device when the
    // schedule fires two minutes after the hour (batches flush up to 5 minutes late).
    capture(T0, {});
    const late = `edge-mlops-local-capture/${captureBatchKey('capture', 'defect-detector', 'rp-2', T0 + HOUR - 60_000, 1)}`;
    const lateLines = simulatedCaptures({
      seed: 'late',
      thingName: 'rp-2',
      modelGroup: 'defect-detector',
      modelVersion: 3,
      drift: 0,
      count: 20,
      startMs: T0 + HOUR - 60_000,
      spanMs: 50_000,
    })
      .map((r) => JSON.stringify(r))
      .join('\n');
    const at = (ms: number) =>
      detectDrift({ modelGroup: 'defect-detector', time: new Date(ms).toISOString() }, deps());
    // Act: runs an hour apart, each two minutes after an hour; the batch lands in between
    const first = await at(T0 + HOUR + 2 * 60_000);
    objects.set(late, lateLines);
    const second = await at(T0 + 2 * HOUR + 2 * 60_000);
    // Assess: the hour T0 is scored once, with the late batch
    const ofHourT0 = [first, second].filter((r) => r.window.start === new Date(T0).toISOString());
    expect(ofHourT0).toHaveLength(1);
    expect(ofHourT0[0]!.records).toBe(150 + 20);
  });

  it('counts a batch it may not read (deleted, or denied) and scores the rest', async () => {
    // Prepare: one of the hour's batches was removed after listing, another is denied
    capture(T0, {});
    const keys = [...objects.keys()].filter((k) => k.includes('/capture/defect-detector/'));
    const denied = keys[0]!.slice('edge-mlops-local-capture/'.length);
    const gone = keys[1]!.slice('edge-mlops-local-capture/'.length);
    s3.on(GetObjectCommand).callsFake(async ({ Bucket, Key }) => {
      if (Key === denied)
        throw Object.assign(new Error('Access Denied'), {
          name: 'AccessDenied',
          $metadata: { httpStatusCode: 403 },
        });
      if (Key === gone)
        throw Object.assign(new Error('no such key'), {
          name: 'NoSuchKey',
          $metadata: { httpStatusCode: 404 },
        });
      const text = objects.get(`${Bucket}/${Key}`)!;
      return { Body: { transformToString: async () => text } };
    });
    // Act
    const result = await runAt(T0 + HOUR);
    // Assess: never stuck on one object, hour after hour
    expect(result.rejected).toEqual({
      'unreadable object (AccessDenied)': 1,
      'unreadable object (NoSuchKey)': 1,
    });
    expect(result.objects).toBe(3);
    expect(result.records).toBe(90);
  });

  it('fails the run on a transient read error, so the retry reads the window whole', async () => {
    capture(T0, {});
    s3.on(GetObjectCommand).rejects(
      Object.assign(new Error('slow down'), {
        name: 'SlowDown',
        $metadata: { httpStatusCode: 503 },
      }),
    );
    await expect(runAt(T0 + HOUR)).rejects.toThrow();
  });

  it('reports an empty window as insufficient and publishes zero records', async () => {
    // Act
    const result = await runAt(T0 + HOUR);
    // Assess
    expect(result.objects).toBe(0);
    expect(result.fleets.map((f) => f.status)).toEqual(['insufficient', 'insufficient']);
    const data = cloudwatch.commandCalls(PutMetricDataCommand)[0]!.args[0].input.MetricData!;
    expect(data.filter((d) => d.MetricName === 'DriftScore')).toEqual([]);
    expect(data.filter((d) => d.MetricName === 'CaptureRecords').map((d) => d.Value)).toEqual([
      0, 0,
    ]);
  });

  it('scores nothing without a baseline and says why', async () => {
    // Prepare
    objects.delete('edge-mlops-local-capture/baselines/defect-detector.json');
    capture(T0, { 'factory-jetson': 0.5 });
    // Act
    const result = await runAt(T0 + HOUR);
    // Assess
    expect(result.fleets[0]).toMatchObject({ status: 'no-baseline', drifted: false });
    expect(result.fleets[0]!.reason).toContain(`${BASELINE_URI}: no such object`);
  });

  it("prefers the model package's drift baseline and snapshots it for the version", async () => {
    // Prepare: the package names a baseline whose prediction mix differs from the sample
    objects.set(
      'models/defect-detector/3/baseline.json',
      JSON.stringify({ ...SAMPLE_BASELINE, predictions: { ok: 0.05, defect: 0.95 } }),
    );
    sagemaker.on(DescribeModelPackageCommand).resolves({
      DriftCheckBaselines: {
        ModelDataQuality: {
          Statistics: {
            S3Uri: 's3://models/defect-detector/3/baseline.json',
            ContentType: 'application/json',
          },
        },
      },
    });
    capture(T0, {});
    capture(T0 + HOUR, {});
    // Act
    const first = await runAt(T0 + HOUR);
    objects.delete('models/defect-detector/3/baseline.json');
    const second = await runAt(T0 + 2 * HOUR);
    // Assess: scored against the package's baseline both times (the second from the snapshot)
    expect(first.fleets[0]!.scores!.prediction).toBeGreaterThan(0.1);
    expect(second.fleets[0]!.status).toBe('scored');
    expect(second.fleets[0]!.scores!.prediction).toBeGreaterThan(0.1);
    expect(sagemaker).toHaveReceivedCommandTimes(DescribeModelPackageCommand, 1);
  });

  it('refuses a run for a model group that is not monitored, naming it', async () => {
    await expect(
      detectDrift({ modelGroup: 'nope', time: new Date(T0).toISOString() }, deps()),
    ).rejects.toMatchObject({ name: 'InvalidInput', message: expect.stringContaining('"nope"') });
    await expect(
      detectDrift({ modelGroup: 'defect-detector', time: 'yesterday' }, deps()),
    ).rejects.toMatchObject({ name: 'InvalidInput', message: expect.stringContaining('ISO-8601') });
  });
});

describe('drift distance (Jensen–Shannon, bits)', () => {
  it('is 0 for the same distribution, near 1 for disjoint ones, and finite with empty bins', () => {
    expect(divergence([0.5, 0.5], [500, 500])).toBeCloseTo(0, 6);
    expect(divergence([1, 0], [0, 10_000])).toBeGreaterThan(0.99);
    expect(Number.isFinite(divergence([0.2, 0, 0.8], [0, 0, 0]))).toBe(true);
  });

  it('puts unknown labels and out-of-range values in their own or the outer bins', () => {
    const records = Array.from({ length: 100 }, () => ({
      features: { brightness: 5, contrast: -1 },
      prediction: 'cat',
    }));
    const scores = driftScores(SAMPLE_BASELINE, records);
    expect(scores.prediction).toBeGreaterThan(0.9);
    expect(scores.score).toBe(Math.max(scores.prediction, ...Object.values(scores.features)));
  });
});

describe('capture contract and baseline documents', () => {
  it('names what a capture line lacks', () => {
    expect(parseCaptureLine('{"time":"x"}')).toEqual({ rejected: 'missing thingName' });
    expect(
      baselineProblem({ features: { a: { edges: [1, 0], proportions: [1] } }, predictions: {} }),
    ).toBe('feature a: edges must ascend');
    expect(baselineProblem(SAMPLE_BASELINE)).toBeUndefined();
  });
});
