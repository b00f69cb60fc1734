import { SageMakerClient, UpdateModelPackageCommand } from '@aws-sdk/client-sagemaker';
import { internal } from '../emulator/backends';
import { CAPTURE_LAG_MS } from '../functions/shared/capture-contract';
import type { StageConfig } from '../functions/shared/stage-config/schema';
import { CliError } from './sre/executions';

/**
 * `edge-mlops simulate --drift X` (docs/monitoring.md): after the release, the fleet's
 * inference component captures data whose distribution is shifted by X for one window more
 * than the configured streak, detectDrift runs at the end of each window as its schedule
 * would run it, and, when retraining starts, the emulator's pipeline registers the retrained
 * version; it is approved in the registry like a data scientist would, and its release is
 * followed (and approved on its page when the first one was) to the end: the loop closes.
 */
export type DriftWindow = {
  window: string;
  captureObjects: number;
  captureRecords: number;
  fleets: { fleet: string; records: number; score?: number; status: string; consecutive: number }[];
  retraining: string;
};

export type DriftSummary = {
  modelGroup: string;
  drift: number;
  windows: DriftWindow[];
  captureRecords: number;
  /** Pipeline executions started during the run (exactly one when the drift is sustained). */
  retrainingStarted: number;
  retraining?: {
    pipelineExecutionArn: string;
    registeredVersion?: number;
    release?: { executionArn: string; status: string; approval?: string };
  };
};

type Control = (path: string, body?: unknown) => Promise<any>;
type Log = (line: string) => void;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const waitFor = async <T>(what: string, deadline: number, probe: () => Promise<T | undefined>) => {
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new CliError(`simulate --drift: gave up waiting for ${what}`);
    await sleep(100);
  }
};

export const runDriftLoop = async (
  run: {
    endpoint: string;
    config: StageConfig;
    modelGroup: string;
    drift: number;
    fleetSize: number;
    /** Approve the retrained release on its page (as the first release was), or leave it waiting. */
    approve?: (link: string, version: string) => Promise<number>;
    deadline: number;
  },
  control: Control,
  log: Log,
): Promise<DriftSummary> => {
  const profile = run.config.modelGroups[run.modelGroup];
  const monitoring = profile?.monitoring;
  if (!monitoring)
    throw new CliError(
      `simulate --drift needs a monitoring section for model group ${run.modelGroup} in the stage config (docs/monitoring.md)`,
    );
  const windowMs = monitoring.windowHours * 3_600_000;
  const perDevice = Math.max(10, Math.ceil(monitoring.minRecords / Math.max(1, run.fleetSize)));
  const before = (await control('loop/state')).pipelineExecutions.length as number;
  const executionsBefore = new Set(
    ((await control('state')).executions as { arn: string }[]).map((e) => e.arn),
  );
  await control('loop/options', { registerRetrained: true });
  const now = Date.parse((await control('state')).now);
  const first = Math.ceil(now / windowMs) * windowMs;
  const windows: DriftWindow[] = [];
  for (let i = 0; i <= monitoring.consecutiveWindows; i++) {
    const start = first + i * windowMs;
    let objects = 0;
    let records = 0;
    for (let hour = start; hour < start + windowMs; hour += 3_600_000) {
      const c = await control('loop/capture', {
        modelGroup: run.modelGroup,
        drift: run.drift,
        hourStartMs: hour,
        recordsPerDevice: perDevice,
      });
      objects += c.objects;
      records += c.records;
    }
    const result = await control('loop/detect', {
      modelGroup: run.modelGroup,
      // The schedule's run that scores this window comes CAPTURE_LAG_MS after its end.
      time: new Date(start + windowMs + CAPTURE_LAG_MS).toISOString(),
    });
    const w: DriftWindow = {
      window: result.window.id,
      captureObjects: objects,
      captureRecords: records,
      fleets: result.fleets.map((f: DriftWindow['fleets'][number]) => ({
        fleet: f.fleet,
        records: f.records,
        ...(f.score === undefined ? {} : { score: Math.round(f.score * 1000) / 1000 }),
        status: f.status,
        consecutive: f.consecutive,
      })),
      retraining: result.retraining.status,
    };
    windows.push(w);
    log(
      `drift window ${w.window}: ${w.captureRecords} records; ${w.fleets
        .map((f) => `${f.fleet} ${f.score ?? f.status} (${f.consecutive} in a row)`)
        .join(', ')}; retraining ${w.retraining}`,
    );
  }
  const executions = (await control('loop/state')).pipelineExecutions.slice(before) as {
    arn: string;
    registered?: string;
  }[];
  const summary: DriftSummary = {
    modelGroup: run.modelGroup,
    drift: run.drift,
    windows,
    captureRecords: windows.reduce((n, w) => n + w.captureRecords, 0),
    retrainingStarted: executions.length,
  };
  const started = executions[0];
  if (!started) return summary;

  // The retraining pipeline registers the new version when it finishes (virtual time).
  const registered = await waitFor('the retrained model version', run.deadline, async () => {
    const e = ((await control('loop/state')).pipelineExecutions as typeof executions).find(
      (x) => x.arn === started.arn,
    );
    return e?.registered;
  });
  const version = Number(registered.split('/').pop());
  log(`retraining ${started.arn} registered ${run.modelGroup} v${version} (PendingManualApproval)`);
  summary.retraining = { pipelineExecutionArn: started.arn, registeredVersion: version };
  // The model owner approves it in the registry; its event starts the release.
  const sagemaker = internal(
    new SageMakerClient({
      endpoint: run.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
  );
  await sagemaker.send(
    new UpdateModelPackageCommand({ ModelPackageArn: registered, ModelApprovalStatus: 'Approved' }),
  );
  log(`registry: ${run.modelGroup} v${version} is Approved`);
  // Execution names carry the version (start-pipeline's executionName).
  const execution = await waitFor('the release of the retrained version', run.deadline, async () =>
    ((await control('state')).executions as { arn: string }[]).find(
      (e) => !executionsBefore.has(e.arn) && e.arn.includes(`-v${version}-`),
    ),
  );
  let approval: string | undefined;
  const ended = await waitFor('the end of the retrained release', run.deadline, async () => {
    const state = await control('state');
    const e = (state.executions as { arn: string; status: string }[]).find(
      (x) => x.arn === execution.arn,
    );
    if (!approval && run.approve) {
      const message = (state.sns as { subject?: string; message: string }[]).find((m) =>
        m.subject?.startsWith(`Approve ${run.modelGroup} v${version} `),
      );
      const link = message && /(https?:\/\/\S+\/approvals\/\S+)/.exec(message.message)?.[1];
      if (link) {
        approval = `approve (page answered ${await run.approve(link, String(version))})`;
        log(`approval of v${version}: ${approval}`);
      }
    }
    return e && e.status !== 'RUNNING' ? e : undefined;
  });
  summary.retraining.release = {
    executionArn: ended.arn,
    status: ended.status,
    ...(approval ? { approval } : {}),
  };
  log(`release of v${version}: ${ended.status}`);
  return summary;
};

/** The drift lines of the human summary. */
export const formatDrift = (d: DriftSummary): string[] => [
  `Drift (${d.modelGroup}, shift ${d.drift}): ${d.captureRecords} records captured in ${d.windows.length} window(s)`,
  ...d.windows.map(
    (w) =>
      `    ${w.window}  ${w.fleets.map((f) => `${f.fleet}=${f.score ?? f.status}`).join('  ')}  retraining: ${w.retraining}`,
  ),
  `Retraining started: ${d.retrainingStarted}${
    d.retraining
      ? ` (${d.retraining.pipelineExecutionArn} → v${d.retraining.registeredVersion ?? '?'}${
          d.retraining.release ? `, released: ${d.retraining.release.status}` : ''
        })`
      : ''
  }`,
];
