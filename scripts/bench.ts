import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, freemem, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { CreateDeploymentCommand, GreengrassV2Client } from '@aws-sdk/client-greengrassv2';
import { IoTClient } from '@aws-sdk/client-iot';
import { build } from 'esbuild';
import { simulate } from '../cli/simulate';
import { Emulator } from '../emulator/emulator';
import { checkDeployment } from '../functions/check-deployment/check-deployment';
import { loadStageConfig } from '../functions/shared/stage-config/load';
import { parseEvent, triage } from '../functions/start-pipeline/decide';
import { startPipeline } from '../functions/start-pipeline/start-pipeline';
import { localRun, localRunSection } from './bench/local-run';

/**
 * `npm run bench`: what edge-mlops costs, each figure beside a baseline measured in the same
 * run, written to docs/benchmarks.md and docs/benchmarks.json. Timings are medians; nothing
 * here is asserted by tests.
 */
const ROOT = join(__dirname, '..');
const CONFIG = join(ROOT, 'config/local.yml');
const EVENT = join(ROOT, 'events/model-package-approved.json');
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length
    ? (s[Math.floor((s.length - 1) / 2)]! + s[Math.ceil((s.length - 1) / 2)]!) / 2
    : Number.NaN;
};
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
const silent = new Logger({ serviceName: 'bench', logLevel: 'SILENT' });

const CLIENT_CLASSES: Record<string, string> = {
  sfn: 'SFNClient',
  sagemaker: 'SageMakerClient',
  greengrassv2: 'GreengrassV2Client',
  iot: 'IoTClient',
  'iot-data-plane': 'IoTDataPlaneClient',
  s3: 'S3Client',
  dynamodb: 'DynamoDBClient',
  sns: 'SNSClient',
  sts: 'STSClient',
  lambda: 'LambdaClient',
  'secrets-manager': 'SecretsManagerClient',
  sqs: 'SQSClient',
};

/** 1. Bundle size and cold start of every function, against a bare handler with the same clients. */
const coldStarts = async (emulator: Emulator, dir: string) => {
  const rows = [];
  for (const fn of Object.values(emulator.service.functions)) {
    const out = join(dir, `${fn.key}.cjs`);
    const result = await build({
      entryPoints: [join(ROOT, `${fn.module}.ts`)],
      outfile: out,
      bundle: true,
      minify: true,
      platform: 'node',
      format: 'cjs',
      target: 'node24',
      metafile: true,
      logLevel: 'silent',
    });
    // The clients whose class really made it into the bundle (not just a tree-shaken import).
    const output = Object.values(result.metafile.outputs)[0]!;
    const clients = [
      ...new Set(
        Object.entries(output.inputs)
          .filter(([, i]) => i.bytesInOutput > 0)
          .map(([p]) => /@aws-sdk\/client-([a-z0-9-]+)\/dist-/.exec(p)?.[1])
          .filter((c): c is string => Boolean(c && CLIENT_CLASSES[c])),
      ),
    ];
    // Inside the project, so the SDK packages resolve exactly as the handlers' do.
    const bareDir = join(ROOT, '.bench');
    mkdirSync(bareDir, { recursive: true });
    const bareSource = join(bareDir, `${fn.key}.bare.ts`);
    writeFileSync(
      bareSource,
      `${clients.map((c) => `import { ${CLIENT_CLASSES[c]} } from '@aws-sdk/client-${c}';`).join('\n')}\nconst clients = [${clients.map((c) => `new ${CLIENT_CLASSES[c]}({})`).join(', ')}];\nexport const handler = async () => clients.length;\n`,
    );
    const bare = join(dir, `${fn.key}.bare.cjs`);
    await build({
      entryPoints: [bareSource],
      outfile: bare,
      bundle: true,
      minify: true,
      platform: 'node',
      format: 'cjs',
      target: 'node24',
      logLevel: 'silent',
    });
    const env = { ...emulator.functions.environmentOf(fn), HOME: process.env.HOME ?? '/tmp' };
    // Asynchronous: the emulator lives in this process and must keep answering.
    const probe = (bundle: string) =>
      new Promise<{ ms: number; rss: number }>((resolve) => {
        const script = `const t=performance.now();const m=require(${JSON.stringify(bundle)});Promise.resolve(m.handler({}, {getRemainingTimeInMillis:()=>30000,functionName:'bench',awsRequestId:'b'})).catch(()=>{}).finally(()=>{process.stdout.write(JSON.stringify({ms:performance.now()-t,rss:process.memoryUsage().rss}));process.exit(0)})`;
        const child = spawn(process.execPath, ['-e', script], { env });
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
        });
        const timer = setTimeout(() => child.kill(), 30_000);
        child.on('close', () => {
          clearTimeout(timer);
          const at = out.lastIndexOf('{"ms"');
          if (at < 0) {
            log(`${fn.key}: no measurement`);
            resolve({ ms: Number.NaN, rss: 0 });
          } else resolve(JSON.parse(out.slice(at)) as { ms: number; rss: number });
        });
      });
    const fnRuns = [];
    const bareRuns = [];
    for (let i = 0; i < RUNS; i++) fnRuns.push(await probe(out));
    for (let i = 0; i < RUNS; i++) bareRuns.push(await probe(bare));
    const fnMs = median(fnRuns.map((r) => r.ms));
    const bareMs = median(bareRuns.map((r) => r.ms));
    rows.push({
      function: fn.key,
      bundleKb: round(statSync(out).size / 1024),
      bareBundleKb: round(statSync(bare).size / 1024),
      sdkClients: clients.length,
      coldStartMs: round(fnMs),
      bareColdStartMs: round(bareMs),
      coldStartRatio: round(fnMs / bareMs, 2),
      peakRssMb: round(Math.max(...fnRuns.map((r) => r.rss)) / 2 ** 20),
      bareRssMb: round(Math.max(...bareRuns.map((r) => r.rss)) / 2 ** 20),
    });
    log(`cold start ${fn.key}: ${round(fnMs)} ms vs ${round(bareMs)} ms bare`);
  }
  return rows;
};

/** 2. AWS calls per rollout status poll, at fleet sizes 10, 1,000 and 100,000. */
const pollCost = async (emulator: Emulator) => {
  const opts = {
    endpoint: emulator.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'b', secretAccessKey: 'b' },
  };
  const greengrass = new GreengrassV2Client(opts);
  const iot = new IoTClient(opts);
  const rows = [];
  for (const size of [10, 1_000, 100_000]) {
    const group = emulator.world.fleet.addGroup(`bench-${size}`, size);
    const { deploymentId } = await greengrass.send(
      new CreateDeploymentCommand({
        targetArn: group.arn,
        components: { 'aws.greengrass.Nucleus': { componentVersion: '2.12.6' } },
      }),
    );
    const times: number[] = [];
    let calls = 0;
    for (let i = 0; i < RUNS; i++) {
      const before = emulator.world.calls.length;
      const t = performance.now();
      await checkDeployment(
        {
          deployment: {
            deploymentId: deploymentId!,
            targetArn: group.arn,
            poll: { attempt: 0, waitSeconds: 15, deadline: '2099-01-01T00:00:00.000Z' },
          },
        },
        { clientsFor: () => ({ greengrass, iot }), logger: silent, now: () => new Date() },
      );
      times.push(performance.now() - t);
      calls = emulator.world.calls.length - before;
    }
    rows.push({ devices: size, awsCallsPerPoll: calls, pollMs: round(median(times)) });
    log(`poll at ${size} devices: ${calls} calls, ${round(median(times))} ms`);
  }
  return rows;
};

const run = (options: Partial<Parameters<typeof simulate>[0]>) =>
  simulate(
    {
      event: EVENT,
      config: CONFIG,
      approve: true,
      fleetSize: 5,
      deviceFailureRate: 0,
      apiFaultRate: 0,
      duplicateDeliveries: 0,
      seed: 'bench',
      timeoutSeconds: 300,
      ...options,
    },
    () => undefined,
  );

/** 3. State transitions for a 1-minute and a 60-minute compile, and the happy path; 4. wall time, approval latency. */
const endToEnd = async () => {
  const transitions = [];
  // A profile whose Neo stopping condition allows an hour, and a slower clock (200×) so that
  // real overheads do not blur the poll schedule.
  const dir = mkdtempSync(join(tmpdir(), 'edge-mlops-bench-config-'));
  const config = join(dir, 'local.yml');
  writeFileSync(
    config,
    readFileSync(CONFIG, 'utf8').replace('maxRuntimeSeconds: 900', 'maxRuntimeSeconds: 7200'),
  );
  for (const [label, compileSeconds] of [
    ['1-minute compile', 60],
    ['60-minute compile', 3600],
  ] as const) {
    const s = await run({ compileSeconds, config, clockFactor: 200 });
    transitions.push({ case: label, status: s.status, stateTransitions: s.stateTransitions });
    log(`${label}: ${s.stateTransitions} transitions`);
  }
  const walls: number[] = [];
  const resumed: number[] = [];
  let peakRss = 0;
  for (let i = 0; i < RUNS; i++) {
    const s = await run({});
    walls.push(s.wallTimeMs);
    if (s.approval?.resumedAfterMs !== undefined) resumed.push(s.approval.resumedAfterMs);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    log(`happy path run ${i + 1}: ${s.status} in ${s.wallTimeMs} ms`);
  }
  const baseline = await run({ config, clockFactor: 200 });
  transitions.push({
    case: 'happy path (4-minute compile)',
    status: baseline.status,
    stateTransitions: baseline.stateTransitions,
  });
  // Baselines: starting the emulator alone; one HTTP round trip to it.
  const starts: number[] = [];
  const trips: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = performance.now();
    const e = await Emulator.start({ config: loadStageConfig(CONFIG), configFile: CONFIG });
    starts.push(performance.now() - t);
    const r = performance.now();
    await fetch(`${e.url}/_emulator/health`);
    trips.push(performance.now() - r);
    await e.close();
  }
  rmSync(dir, { recursive: true, force: true });
  return {
    transitions,
    wallTimeMs: round(median(walls)),
    emulatorStartMs: round(median(starts)),
    approvalResumeMs: round(median(resumed)),
    httpRoundTripMs: round(median(trips), 2),
    peakRssMb: round(peakRss / 2 ** 20),
  };
};

/** 5. start-pipeline under a burst of 1,000 events, half of them duplicates. */
const burst = async (emulator: Emulator) => {
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

const main = async () => {
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'edge-mlops-bench-'));
  mkdirSync(dir, { recursive: true });
  const emulator = await Emulator.start({ config: loadStageConfig(CONFIG), configFile: CONFIG });
  let results:
    | {
        functions: Awaited<ReturnType<typeof coldStarts>>;
        polls: Awaited<ReturnType<typeof pollCost>>;
        burst: Awaited<ReturnType<typeof burst>>;
      }
    | undefined;
  try {
    const functions = await coldStarts(emulator, dir);
    const polls = await pollCost(emulator);
    const bursts = await burst(emulator);
    results = { functions, polls, burst: bursts };
  } finally {
    await emulator.close();
  }
  const e2e = await endToEnd();
  const p4 = await localRun(RUNS, log);
  rmSync(dir, { recursive: true, force: true });
  const machine = {
    date: new Date().toISOString(),
    node: process.version,
    cpu: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}`,
    memoryGb: round(totalmem() / 2 ** 30),
    freeMemoryGb: round(freemem() / 2 ** 30),
    commit: (() => {
      try {
        return execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
          cwd: ROOT,
          encoding: 'utf8',
        }).trim();
      } catch {
        return 'unknown';
      }
    })(),
    runs: RUNS,
    benchSeconds: 0,
  };
  machine.benchSeconds = Math.round((Date.now() - started) / 1000);
  if (!results) throw new Error('no results');
  const report = { machine, ...results, endToEnd: e2e, localRun: p4 };
  writeFileSync(join(ROOT, 'docs/benchmarks.json'), `${JSON.stringify(report, null, 2)}\n`);
  const f = results.functions;
  const md = `# Benchmarks

Written by \`npm run bench\` on ${machine.date} (commit ${machine.commit}), Node ${machine.node},
${machine.cpu}, ${machine.memoryGb} GiB; the whole run took ${machine.benchSeconds} s. Every figure
stands beside a baseline measured in the same run; timings are medians of ${RUNS} runs. Raw
numbers: [benchmarks.json](benchmarks.json). Nothing here is asserted by tests.

## Functions: bundle size and cold start
Cold start = a fresh Node process loads the minified bundle and runs one invocation (an empty
event, with the function's local environment pointing at the emulator). The baseline is a bare
handler that constructs the same AWS SDK clients, bundled the same way.

| Function | Bundle KiB | Bare KiB | SDK clients | Cold start ms | Bare ms | Ratio | Peak RSS MiB | Bare RSS MiB |
|---|---:|---:|---:|---:|---:|---:|---:|---:|
${f.map((r) => `| ${r.function} | ${r.bundleKb} | ${r.bareBundleKb} | ${r.sdkClients} | ${r.coldStartMs} | ${r.bareColdStartMs} | ${r.coldStartRatio} | ${r.peakRssMb} | ${r.bareRssMb} |`).join('\n')}

Median cold-start ratio: **${round(median(f.map((r) => r.coldStartRatio)), 2)}×** the bare handler.

## Rollout monitoring: AWS calls per status poll
One \`Check Deployment\` poll of a thing-group deployment (GetDeployment + the IoT job's counters);
the baseline is the 10-device fleet.

| Devices | AWS calls per poll | Poll ms (emulator) | Calls vs 10 devices |
|---:|---:|---:|---:|
${results.polls.map((p) => `| ${p.devices.toLocaleString('en')} | ${p.awsCallsPerPoll} | ${p.pollMs} | ${round(p.awsCallsPerPoll / results.polls[0]!.awsCallsPerPoll, 2)}× |`).join('\n')}

## State transitions per execution
Billed per transition on AWS (Standard workflows); polls back off from 30 s to a 5-minute cap.

| Case | Result | State transitions |
|---|---|---:|
${e2e.transitions.map((t) => `| ${t.case} | ${t.status} | ${t.stateTransitions} |`).join('\n')}

## Local end to end
| Measure | Value | Baseline | Ratio |
|---|---:|---:|---:|
| \`npm start\`-equivalent run (sample event, approve) | ${e2e.wallTimeMs} ms | emulator start alone ${e2e.emulatorStartMs} ms | ${round(e2e.wallTimeMs / e2e.emulatorStartMs, 2)}× |
| approval POST → execution resumed | ${e2e.approvalResumeMs} ms | one HTTP round trip ${e2e.httpRoundTripMs} ms | ${round(e2e.approvalResumeMs / e2e.httpRoundTripMs, 1)}× |
| peak RSS of the local run (process) | ${e2e.peakRssMb} MiB | | |

${localRunSection(p4)}
## start-pipeline under a burst
${results.burst.events} events (${results.burst.distinctApprovals} distinct approvals, each delivered twice), 8 at a time,
through the real start-pipeline core and state table (local DynamoDB); Step Functions is a
counting double. Baseline: schema validation and triage alone.

| Executions started | Duplicates absorbed | Decisions | Events/s | Validation-only events/s |
|---:|---:|---|---:|---:|
| ${results.burst.executionsStarted} | ${results.burst.duplicatesAbsorbed} | ${Object.entries(
    results.burst.decisions,
  )
    .map(([k, v]) => `${k}: ${v}`)
    .join(
      ', ',
    )} | ${results.burst.eventsPerSecond} | ${results.burst.validationOnlyEventsPerSecond} |
`;
  writeFileSync(join(ROOT, 'docs/benchmarks.md'), md);
  log(`done in ${machine.benchSeconds} s: docs/benchmarks.md, docs/benchmarks.json`);
  process.exit(0);
};

void main().catch((error) => {
  console.error(error);
  process.exit(1);
});
