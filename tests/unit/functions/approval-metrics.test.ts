import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeModelPackageCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { metricsSection } from '../../../functions/approval-api/metrics-section';
import { metricsComparison } from '../../../functions/request-approval/evidence';
import { metricValues, readEvaluation } from '../../../functions/shared/approval/model-metrics';
import type { Plan } from '../../../functions/shared/plan';
import { recordFleetRelease } from '../../../functions/shared/state-store';
import { type LocalTable, startLocalTable } from '../../helpers/dynalite';
import { samplePlan } from '../../helpers/fixtures';

/**
 * The metrics an approver sees: read from the evaluation report of the model package, next
 * to those of the version live on each fleet; what cannot be read is said on the page.
 */
const s3 = mockClient(S3Client);
const sagemaker = mockClient(SageMakerClient);
const body = (text: string) => ({ transformToString: async () => text }) as never;
const report = (accuracy: number, f1: number) =>
  JSON.stringify({
    version: 0,
    multiclass_classification_metrics: {
      accuracy: { value: accuracy, standard_deviation: 0.004 },
      weighted_f1: { value: f1, standard_deviation: 'NaN' },
    },
  });
const V6_ARN = 'arn:aws:sagemaker:us-east-1:000000000000:model-package/defect-detector/6';
const V6_REPORT =
  's3://edge-mlops-local-models/defect-detector/training-2026-10-15/evaluation.json';

let db: LocalTable;
let plan: Plan;
beforeAll(async () => {
  db = await startLocalTable();
  plan = await samplePlan();
});
afterAll(() => db.close());
beforeEach(() => {
  s3.reset();
  sagemaker.reset();
});
const clients = () => ({
  store: { dynamo: db.doc, table: db.table },
  s3: new S3Client({}),
  sagemaker: new SageMakerClient({}),
});

describe('metricValues', () => {
  it('reads SageMaker model quality statistics and flat objects of numbers', () => {
    expect(metricValues(JSON.parse(report(0.962, 0.958)))).toEqual({
      accuracy: 0.962,
      weighted_f1: 0.958,
    });
    expect(metricValues({ accuracy: 0.9, latency: { p95_ms: 41 }, note: 'x' })).toEqual({
      accuracy: 0.9,
      'latency.p95_ms': 41,
    });
  });
});

describe('readEvaluation', () => {
  const sources = [
    { kind: 'ModelQuality.Statistics', contentType: 'application/json', s3Uri: 's3://b/eval.json' },
  ];

  it('returns the values of the report the model package names', async () => {
    // Prepare
    s3.on(GetObjectCommand, { Bucket: 'b', Key: 'eval.json' }).resolves({
      Body: body(report(0.962, 0.958)),
    });
    // Act
    const evaluation = await readEvaluation(new S3Client({}), sources);
    // Assess
    expect(evaluation).toEqual({
      source: 's3://b/eval.json',
      values: { accuracy: 0.962, weighted_f1: 0.958 },
    });
  });

  it('says why when the report cannot be read, is not JSON, or is missing', async () => {
    // Prepare
    s3.on(GetObjectCommand).rejects(
      Object.assign(new Error('Access Denied'), { name: 'AccessDenied' }),
    );
    // Act + Assess
    await expect(readEvaluation(new S3Client({}), sources)).resolves.toEqual({
      source: 's3://b/eval.json',
      problem: 'could not be read (AccessDenied: Access Denied)',
    });
    s3.on(GetObjectCommand).resolves({ Body: body('<html>') });
    await expect(readEvaluation(new S3Client({}), sources)).resolves.toMatchObject({
      problem: 'not JSON',
    });
    await expect(readEvaluation(new S3Client({}), [])).resolves.toEqual({
      problem: 'the model package names no evaluation report (ModelMetrics)',
    });
  });
});

describe('metricsComparison', () => {
  it('reads the version live on each fleet once, and says where nothing is live yet', async () => {
    // Prepare: v6 is live on factory-jetson only.
    s3.on(GetObjectCommand).callsFake(({ Key }: { Key: string }) => ({
      Body: body(Key.includes('2026-10-15') ? report(0.948, 0.941) : report(0.962, 0.958)),
    }));
    sagemaker.on(DescribeModelPackageCommand, { ModelPackageName: V6_ARN }).resolves({
      ModelMetrics: {
        ModelQuality: { Statistics: { ContentType: 'application/json', S3Uri: V6_REPORT } },
      },
    });
    await recordFleetRelease(clients().store, 'defect-detector', 'factory-jetson', {
      modelPackageArn: V6_ARN,
      modelPackageVersion: 6,
      components: {},
      executionArn: 'arn:aws:states:us-east-1:000000000000:execution:m:v6',
      at: '2026-11-01T00:00:00Z',
    });
    // Act
    const comparison = await metricsComparison(plan, clients());
    // Assess
    expect(comparison.candidate).toMatchObject({ values: { accuracy: 0.962 } });
    expect(comparison.live).toEqual([
      {
        fleet: 'factory-jetson',
        version: 6,
        modelPackageArn: V6_ARN,
        evaluation: { source: V6_REPORT, values: { accuracy: 0.948, weighted_f1: 0.941 } },
      },
      { fleet: 'field-rpi' },
    ]);
    expect(sagemaker.commandCalls(DescribeModelPackageCommand)).toHaveLength(1);
    // And the page shows them side by side, with the difference and the fleet without one.
    const html = metricsSection(7, comparison);
    expect(html).toContain('v6 — live on factory-jetson');
    expect(html).toContain('<td class="num">0.962</td>');
    expect(html).toContain('0.948 <span class="better">(+0.014)</span>');
    expect(html).toContain('Nothing of this model is live on field-rpi yet');
  });

  it('puts a report that cannot be read on the page as a message, not a blank', () => {
    const html = metricsSection(7, {
      candidate: { source: 's3://b/e.json', problem: 'could not be read (NoSuchKey: gone)' },
      live: [],
    });
    expect(html).toContain('This version: evaluation report could not be read (NoSuchKey: gone).');
    expect(html).not.toContain('<table id="metrics">');
  });
});
