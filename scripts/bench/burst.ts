import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import type { Emulator } from '../../emulator/emulator';
import { loadStageConfig } from '../../functions/shared/stage-config/load';
import { parseEvent, triage } from '../../functions/start-pipeline/decide';
import { startPipeline } from '../../functions/start-pipeline/start-pipeline';
import { round } from './stats';

const ROOT = join(__dirname, '../..');
const CONFIG = join(ROOT, 'config/local.yml');
const EVENT = join(ROOT, 'events/model-package-approved.json');
const silent = new Logger({ serviceName: 'bench', logLevel: 'SILENT' });

/** 5. start-pipeline under a burst of 1,000 events, half of them duplicates. */
export const burst = async (emulator: Emulator) => {
  const base = JSON.parse(readFileSync(EVENT, 'utf8'));
  const events = Array.from({ length: 500 }, (_, i) => {
    const e = structuredClone(base);
    e.id = `burst-${i}`;
    e.detail.ModelPackageGroupName = `burst-${i}`;
    e.detail.ModelPackageArn = `arn:aws:sagemaker:us-east-1:000000000000:model-package/burst-${i}/7`;
    return e;
  });
  const deliveries = [...events, ...events.map((e) => ({ ...e }))].sort((a, b) =>
    a.id < b.id ? -1 : 1,
  );
  const stageConfig = loadStageConfig(CONFIG);
  for (const e of events)
    stageConfig.modelGroups[e.detail.ModelPackageGroupName] =
      stageConfig.modelGroups['defect-detector']!;
  const started = new Set<string>();
  const fakeSfn = {
    send: async (cmd: { constructor: { name: string }; input: { name: string } }) => {
      if (cmd.constructor.name !== 'StartExecutionCommand') return {};
      started.add(cmd.input.name);
      return { executionArn: cmd.input.name };
    },
  };
  const table = emulator.resources.StateTable!.ref;
  const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
  const { DynamoDBDocumentClient } = await import('@aws-sdk/lib-dynamodb');
  const doc = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: emulator.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'b', secretAccessKey: 'b' },
    }),
  );
  const metrics = {
    addDimension: () => undefined,
    addMetric: () => undefined,
  } as unknown as Metrics;
  const deps = {
    sfn: fakeSfn as never,
    store: { dynamo: doc, table },
    logger: silent,
    metrics,
    config: {
      stage: 'local',
      stageConfig,
      stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:bench',
      rollbackStateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:bench-rollback',
    },
  };
  const t = performance.now();
  const decisions: Record<string, number> = {};
  await Promise.all(
    Array.from({ length: 8 }, async (_, worker) => {
      for (let i = worker; i < deliveries.length; i += 8) {
        const d = await startPipeline(deliveries[i], deps);
        decisions[d.decision] = (decisions[d.decision] ?? 0) + 1;
      }
    }),
  );
  const ms = performance.now() - t;
  const b = performance.now();
  for (const e of deliveries) triage(parseEvent(e), stageConfig, 'local');
  const bareMs = performance.now() - b;
  return {
    events: deliveries.length,
    distinctApprovals: events.length,
    executionsStarted: started.size,
    duplicatesAbsorbed: deliveries.length - started.size,
    decisions,
    eventsPerSecond: round(deliveries.length / (ms / 1000)),
    validationOnlyEventsPerSecond: round(deliveries.length / (bareMs / 1000)),
  };
};

export type Burst = Awaited<ReturnType<typeof burst>>;

/** The burst section of docs/benchmarks.md. */
export const burstSection = (b: Burst) => `## start-pipeline under a burst
${b.events} events (${b.distinctApprovals} distinct approvals, each delivered twice), 8 at a time,
through the real start-pipeline core and state table (local DynamoDB); Step Functions is a
counting double. Baseline: schema validation and triage alone.

| Executions started | Duplicates absorbed | Decisions | Events/s | Validation-only events/s |
|---:|---:|---|---:|---:|
| ${b.executionsStarted} | ${b.duplicatesAbsorbed} | ${Object.entries(b.decisions)
  .map(([k, v]) => `${k}: ${v}`)
  .join(', ')} | ${b.eventsPerSecond} | ${b.validationOnlyEventsPerSecond} |
`;
