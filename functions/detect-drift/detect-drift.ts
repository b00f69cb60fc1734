import type { Logger } from '@aws-lambda-powertools/logger';
import { type CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { type IoTClient, ListThingsInThingGroupCommand } from '@aws-sdk/client-iot';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { CAPTURE_LAG_MS, type CaptureRecord } from '../shared/capture-contract';
import { baselineOf } from '../shared/drift-baseline';
import { classifyAwsError, InvalidInput } from '../shared/errors';
import type { StageConfig } from '../shared/stage-config/schema';
import { readCaptureWindow } from './capture-reader';
import { type Columns, driftScoresOf, type Scores } from './distance';
import { type RetrainingOutcome, startRetraining } from './retraining';
import { recordWindow } from './streak';

export { CAPTURE_LAG_MS };

export type DetectDriftDeps = {
  s3: S3Client;
  sagemaker: SageMakerClient;
  cloudwatch: CloudWatchClient;
  events: EventBridgeClient;
  /** IoT client of a fleet's account: our own, or through the fleet's roleArn. */
  iotFor: (roleArn: string | undefined) => IoTClient;
  store: { dynamo: DynamoDBDocumentClient; table: string };
  logger: Logger;
  config: { stageConfig: StageConfig };
};

/** The schedule's input (serverless.yml: one rule per monitored model group). */
export type DetectDriftInput = { modelGroup: string; time: string };

export type FleetWindow = {
  fleet: string;
  records: number;
  modelVersion?: number;
  /** Records of older versions still running during a rollout: not compared. */
  otherVersions: number;
  status: 'scored' | 'insufficient' | 'no-baseline';
  reason?: string;
  scores?: Scores;
  score?: number;
  drifted: boolean;
  consecutive: number;
};

export type DetectDriftResult = {
  modelGroup: string;
  window: { id: string; start: string; end: string };
  objects: number;
  records: number;
  rejected: Record<string, number>;
  unattributed: number;
  fleets: FleetWindow[];
  retraining: RetrainingOutcome | { status: 'not-needed' };
};

export const METRIC_NAMESPACE = 'edge-mlops';

const HOUR_MS = 3_600_000;

const thingNameOfGroup = (arn: string) => arn.slice(arn.indexOf('/') + 1);

/** The things of a fleet: the members of its waves' thing groups (IoT ListThingsInThingGroup). */
const fleetThings = async (iot: IoTClient, groupArns: string[]) => {
  const things = new Set<string>();
  for (const arn of groupArns) {
    let nextToken: string | undefined;
    do {
      const page = await iot
        .send(
          new ListThingsInThingGroupCommand({
            thingGroupName: thingNameOfGroup(arn),
            maxResults: 250,
            nextToken,
          }),
        )
        .catch((error) => {
          throw classifyAwsError(error, `ListThingsInThingGroup ${arn}`);
        });
      for (const t of page.things ?? []) things.add(t);
      nextToken = page.nextToken;
    } while (nextToken);
  }
  return things;
};

/**
 * One fleet's records of one model version, in columns: a few numbers a record (its label's
 * index and its feature values; a missing feature is a hole), never the records themselves,
 * so a window of a large fleet fits the function's memory.
 */
type Sample = {
  count: number;
  labelNames: string[];
  labelIndex: Map<string, number>;
  labels: number[];
  features: Map<string, number[]>;
};

const addRecord = (versions: Map<number, Sample>, r: CaptureRecord) => {
  let s = versions.get(r.modelVersion);
  if (!s) {
    s = { count: 0, labelNames: [], labelIndex: new Map(), labels: [], features: new Map() };
    versions.set(r.modelVersion, s);
  }
  const at = s.count++;
  let label = s.labelIndex.get(r.prediction);
  if (label === undefined) {
    label = s.labelNames.push(r.prediction) - 1;
    s.labelIndex.set(r.prediction, label);
  }
  s.labels[at] = label;
  for (const [name, value] of Object.entries(r.features)) {
    let column = s.features.get(name);
    if (!column) {
      column = [];
      s.features.set(name, column);
    }
    column[at] = value;
  }
};

/** The records that carry every baseline feature, in columns, and why the others do not count. */
const completeColumns = (s: Sample, required: string[]) => {
  const columns: Columns = { features: {}, predictions: {} };
  const lacking: Record<string, number> = {};
  const wanted = required.map((name) => [name, s.features.get(name) ?? []] as const);
  for (const [name] of wanted) columns.features[name] = [];
  let complete = 0;
  for (let i = 0; i < s.count; i++) {
    const missing = wanted.find(([, column]) => column[i] === undefined);
    if (missing) {
      lacking[`missing feature ${missing[0]}`] =
        (lacking[`missing feature ${missing[0]}`] ?? 0) + 1;
      continue;
    }
    complete += 1;
    for (const [name, column] of wanted) columns.features[name]!.push(column[i]!);
    const label = s.labelNames[s.labels[i]!]!;
    columns.predictions[label] = (columns.predictions[label] ?? 0) + 1;
  }
  return { columns, complete, lacking };
};

const parseInput = (input: unknown, config: StageConfig) => {
  const i = (input ?? {}) as Partial<DetectDriftInput>;
  if (typeof i.modelGroup !== 'string' || !config.modelGroups[i.modelGroup])
    throw new InvalidInput(
      `detect-drift: modelGroup ${JSON.stringify(i.modelGroup)} is not a model group of stage ${config.stage}`,
    );
  const monitoring = config.modelGroups[i.modelGroup]!.monitoring;
  if (!monitoring)
    throw new InvalidInput(`detect-drift: model group ${i.modelGroup} has no monitoring section`);
  const timeMs = typeof i.time === 'string' ? Date.parse(i.time) : Number.NaN;
  if (Number.isNaN(timeMs))
    throw new InvalidInput(`detect-drift: time ${JSON.stringify(i.time)} is not an ISO-8601 time`);
  return {
    modelGroup: i.modelGroup,
    profile: config.modelGroups[i.modelGroup]!,
    monitoring,
    timeMs,
  };
};

/**
 * One scheduled run for one model group: scores the last complete window of captures per
 * fleet against the released version's baseline, publishes the scores, and starts
 * retraining when a fleet stayed above the threshold for the configured number of windows
 * (docs/monitoring.md). Bad capture data is counted, never fatal, and never a reason to
 * retrain: only scored windows with enough valid records can extend a streak.
 */
export const detectDrift = async (
  input: unknown,
  deps: DetectDriftDeps,
): Promise<DetectDriftResult> => {
  const { modelGroup, profile, monitoring, timeMs } = parseInput(input, deps.config.stageConfig);
  const windowMs = monitoring.windowHours * HOUR_MS;
  const endMs = Math.floor((timeMs - CAPTURE_LAG_MS) / windowMs) * windowMs;
  const startMs = endMs - windowMs;
  const windowId = new Date(startMs).toISOString();

  // Fleet membership first, so each record is attributed and aggregated as it is read.
  const fleetOfThing = new Map<string, number>();
  for (const [i, fleet] of profile.fleets.entries()) {
    const things = await fleetThings(
      deps.iotFor(fleet.roleArn),
      fleet.waves.map((w) => w.targetArn),
    );
    for (const t of things) if (!fleetOfThing.has(t)) fleetOfThing.set(t, i);
  }
  const samples = profile.fleets.map(() => new Map<number, Sample>());
  let unattributed = 0;
  const capture = await readCaptureWindow(
    deps.s3,
    { bucket: monitoring.captureBucket, prefix: monitoring.capturePrefix, modelGroup },
    { startMs, endMs },
    (record) => {
      const i = fleetOfThing.get(record.thingName);
      if (i === undefined) unattributed += 1;
      else addRecord(samples[i]!, record);
    },
  );
  const fleets: FleetWindow[] = [];
  for (const [i, fleet] of profile.fleets.entries()) {
    const versions = samples[i]!;
    // The newest version the fleet runs is the release under watch.
    const modelVersion = versions.size ? Math.max(...versions.keys()) : undefined;
    const sample = modelVersion === undefined ? undefined : versions.get(modelVersion)!;
    const count = sample?.count ?? 0;
    const base = {
      fleet: fleet.name,
      records: count,
      ...(modelVersion === undefined ? {} : { modelVersion }),
      otherVersions: [...versions.values()].reduce((n, v) => n + v.count, 0) - count,
    };
    let window: Omit<FleetWindow, 'consecutive'>;
    if (modelVersion === undefined || !sample || count < monitoring.minRecords) {
      window = {
        ...base,
        status: 'insufficient',
        reason: `${count} valid records, fewer than minRecords ${monitoring.minRecords}`,
        drifted: false,
      };
    } else {
      const found = await baselineOf(deps, modelGroup, modelVersion, monitoring.baselineUri);
      if ('missing' in found) {
        window = { ...base, status: 'no-baseline', reason: found.missing, drifted: false };
      } else {
        // A record without a feature of the baseline is partial data: counted as rejected,
        // never scored, so a feature is never judged on the few records that carry it.
        const { columns, complete, lacking } = completeColumns(
          sample,
          Object.keys(found.baseline.features),
        );
        for (const [reason, n] of Object.entries(lacking))
          capture.rejected[reason] = (capture.rejected[reason] ?? 0) + n;
        if (complete < monitoring.minRecords) {
          window = {
            ...base,
            records: complete,
            status: 'insufficient',
            reason: `${complete} valid records with every baseline feature (${count - complete} lack one), fewer than minRecords ${monitoring.minRecords}`,
            drifted: false,
          };
        } else {
          const scores = driftScoresOf(found.baseline, columns);
          window = {
            ...base,
            records: complete,
            status: 'scored',
            scores,
            score: scores.score,
            drifted: scores.score > monitoring.threshold,
          };
        }
      }
    }
    const streak = await recordWindow(
      deps.store,
      modelGroup,
      fleet.name,
      { id: windowId, previousId: new Date(startMs - windowMs).toISOString() },
      {
        drifted: window.drifted,
        ...(window.score === undefined ? {} : { score: window.score }),
      },
    );
    fleets.push({ ...window, consecutive: streak.consecutive });
  }

  await publishMetrics(deps.cloudwatch, modelGroup, endMs, capture, fleets);

  const due = fleets.filter((f) => f.drifted && f.consecutive >= monitoring.consecutiveWindows);
  const retraining = due.length
    ? await startRetraining(deps, {
        modelGroup,
        windowId,
        nowMs: endMs,
        cooldownHours: monitoring.cooldownHours,
        ...(monitoring.retraining ? { pipeline: monitoring.retraining } : {}),
        fleets: due.map((f) => ({ fleet: f.fleet, score: f.score!, consecutive: f.consecutive })),
      })
    : ({ status: 'not-needed' } as const);

  const result: DetectDriftResult = {
    modelGroup,
    window: { id: windowId, start: windowId, end: new Date(endMs).toISOString() },
    objects: capture.objects,
    records: capture.records,
    rejected: capture.rejected,
    unattributed,
    fleets,
    retraining,
  };
  deps.logger.info('drift window evaluated', { ...result });
  return result;
};

/**
 * Per fleet: DriftScore (when scored) and CaptureRecords; per model group:
 * CaptureRecordsRejected. At most 1,000 metrics per PutMetricData request, values must be
 * finite (CloudWatch API reference, PutMetricData), so one request per 1,000 data points.
 */
const publishMetrics = async (
  cloudwatch: CloudWatchClient,
  modelGroup: string,
  endMs: number,
  capture: { rejected: Record<string, number> },
  fleets: FleetWindow[],
) => {
  const Timestamp = new Date(endMs);
  const group = { Name: 'ModelGroup', Value: modelGroup };
  const data = [
    ...fleets.flatMap((f) => [
      ...(f.score === undefined
        ? []
        : [
            {
              MetricName: 'DriftScore',
              Dimensions: [group, { Name: 'Fleet', Value: f.fleet }],
              Value: f.score,
              Unit: 'None' as const,
              Timestamp,
            },
          ]),
      {
        MetricName: 'CaptureRecords',
        Dimensions: [group, { Name: 'Fleet', Value: f.fleet }],
        Value: f.records,
        Unit: 'Count' as const,
        Timestamp,
      },
    ]),
    {
      MetricName: 'CaptureRecordsRejected',
      Dimensions: [group],
      Value: Object.values(capture.rejected).reduce((a, b) => a + b, 0),
      Unit: 'Count' as const,
      Timestamp,
    },
  ];
  for (let i = 0; i < data.length; i += 1000) {
    await cloudwatch
      .send(
        new PutMetricDataCommand({
          Namespace: METRIC_NAMESPACE,
          MetricData: data.slice(i, i + 1000),
        }),
      )
      .catch((error) => {
        throw classifyAwsError(error, 'PutMetricData');
      });
  }
};
