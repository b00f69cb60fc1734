import { randomBytes } from 'node:crypto';
import {
  createWriteStream,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  type WriteStream,
} from 'node:fs';
import { join, resolve } from 'node:path';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { internal } from '../emulator/backends';
import type { DeviceControl } from '../emulator/controls';
import { Emulator } from '../emulator/emulator';
import { CLI_WARM_FUNCTIONS } from '../emulator/runtime/functions';
import { PROJECT_ROOT } from '../emulator/serverless-service';
import { readableCause } from '../functions/shared/errors';
import { loadStageConfig } from '../functions/shared/stage-config/load';
import { deliveriesLine } from './deliveries';
import { type DriftSummary, formatDrift, runDriftLoop } from './drift-loop';
import { endpointOptions } from './endpoint-options';
import { CliError } from './sre/executions';

/**
 * `edge-mlops simulate`: the whole pipeline, locally. Starts the emulator (or uses one at
 * --endpoint), seeds the model registry from the event, delivers the event through the
 * production path (rule → start-pipeline → state machine), answers the approval page like a
 * person would (or waits for one), and reports what happened.
 */
/** The event file, or a message naming the file and what is wrong with it. */
/** What simulate reads of an event (the emulator validates the rest when it is delivered). */
type EventFile = { detail: Record<string, string | number | undefined> };

export const readEventFile = (file: string): EventFile => {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read the event file ${file}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text) as EventFile;
  } catch (error) {
    throw new CliError(`the event file ${file} is not valid JSON: ${(error as Error).message}`);
  }
};

export type SimulateOptions = {
  event: string;
  config: string;
  approve?: boolean;
  reject?: boolean;
  approvalTimeout?: boolean;
  autoApproveWithoutTty?: boolean;
  fleetSize: number;
  deviceFailureRate: number;
  apiFaultRate: number;
  /** Share of fleet devices found offline when a deployment reaches them (0–1). */
  offlineRate?: number;
  /** Share of fleet devices whose new components crash after a successful deployment (0–1). */
  crashAfterStartRate?: number;
  /** Fleet timing ranges, virtual ms [min, max] (defaults: emulator/fleet.ts). */
  applyMs?: [number, number];
  notifyLatencyMs?: [number, number];
  offlineMs?: [number, number];
  crashAfterMs?: [number, number];
  /**
   * Devices offline, back, crashed, added or removed (the body of POST /_emulator/devices),
   * at the start of the run: relative to the embedded emulator's start, or applied to a
   * running one before the event is delivered. Programmatic only (tests).
   */
  deviceSchedule?: DeviceControl;
  duplicateDeliveries: number;
  endpoint?: string;
  seed: string;
  json?: boolean;
  badModel?: boolean;
  compileFailure?: string;
  /** Virtual seconds a Neo compilation takes (embedded emulator only). */
  compileSeconds?: number;
  /** Virtual milliseconds per real one (embedded emulator only; default 1000). */
  clockFactor?: number;
  stateDir?: string;
  timeoutSeconds: number;
  /** Ends the run early (Ctrl-C): the embedded emulator is closed and its temp files removed. */
  signal?: AbortSignal;
  /**
   * The options set explicitly (on the command line): with --endpoint, these take effect on
   * the running emulator or are refused. Options not listed keep the emulator's settings.
   */
  given?: string[];
  /** After a successful release: capture shifted by this much, drift detection, retraining (cli/drift-loop.ts). */
  drift?: number;
};

/** A device offline at some point of the run; backAt null: still offline at the end. */
export type OfflineDevice = { device: string; since: string; backAt: string | null };
/** A component that went BROKEN during the run (it had started and then crashed). */
export type CrashedComponent = {
  device: string;
  component: string;
  version?: string;
  since: string;
};

export type SimulationSummary = {
  status: string;
  executionArn?: string;
  executionName?: string;
  error?: string;
  cause?: string;
  deliveries: unknown[];
  statesVisited: string[];
  stateTransitions: number;
  approval?: { link: string; decision: string; httpStatus?: number; resumedAfterMs?: number };
  resourcesCreated: {
    compilationJobs: string[];
    componentVersions: string[];
    deployments: { target: string; deploymentId: string }[];
  };
  notifications: string[];
  deadLetters: number;
  offlineDevices: OfflineDevice[];
  crashedComponents: CrashedComponent[];
  awsCalls: Record<string, number>;
  awsCallsTotal: number;
  injectedFaults: number;
  /** Calls the emulator refused because the caller's IAM role does not allow them. */
  accessDenied: { service: string; operation: string; message: string }[];
  /** Alarms whose notifications cannot be delivered (e.g. topic on the AWS-managed SNS key). */
  undeliverableAlarms: { alarm: string; topicArn: string; reason: string }[];
  /** Alarm notifications dropped during the run for that reason. */
  alarmNotificationsDropped: number;
  wallTimeMs: number;
  endpoint: string;
  logFile?: string;
  /** What `--drift` did: capture, scores per window and fleet, retraining and its release. */
  drift?: DriftSummary;
};

type Log = (line: string) => void;

const control = async (endpoint: string, path: string, body?: unknown) => {
  const res = await fetch(
    `${endpoint}/_emulator/${path}`,
    body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) },
  );
  if (!res.ok) throw new Error(`emulator ${path}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<any>;
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Fetches like a person at a browser: a page that answers 5xx (a passing AWS fault, or the
 * page's own "recorded, not resumed yet — retry") is loaded again a few times before giving up.
 */
const fetchAsPerson = async (url: URL, init?: RequestInit): Promise<Response> => {
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(url, init);
    if (res.status < 500 || attempt === 5) return res;
    await sleep(200 * attempt);
  }
};

/** Approves or rejects on the approval page exactly as a person would: GET the link, POST the form. */
export const decide = async (link: string, decision: 'approve' | 'reject', version: string) => {
  const url = new URL(link);
  const page = await fetchAsPerson(url);
  if (!page.ok) throw new Error(`approval page answered ${page.status}`);
  // The page's per-page form token (cross-site defence), as a browser submits it.
  const formToken = /name="formToken" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
  const form = new URLSearchParams({
    formToken,
    approver: url.searchParams.get('approver') ?? '',
    exp: url.searchParams.get('exp') ?? '',
    sig: url.searchParams.get('sig') ?? '',
    decision,
    confirmVersion: version,
    ...(decision === 'reject'
      ? { reason: 'rejected from edge-mlops simulate' }
      : { comment: 'approved from edge-mlops simulate' }),
  });
  const res = await fetchAsPerson(new URL(`${url.pathname}/decision`, url), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form,
  });
  return res.status;
};

export const simulate = async (options: SimulateOptions, log: Log): Promise<SimulationSummary> => {
  const started = Date.now();
  const config = loadStageConfig(options.config);
  const event = readEventFile(options.event);
  let emulator: Emulator | undefined;
  let endpoint = options.endpoint;
  let logFile: string | undefined;
  let logs: WriteStream | undefined;
  if (!endpoint) {
    // Without --state-dir the emulator keeps its state in a temp directory it removes when it
    // closes; the function logs outlive the run, in .edge-mlops/logs/.
    if (options.stateDir) mkdirSync(options.stateDir, { recursive: true });
    logFile = options.stateDir ? join(options.stateDir, 'functions.log') : newRunLog();
    logs = createWriteStream(logFile);
    emulator = await Emulator.start({
      config,
      configFile: resolve(options.config),
      stateDir: options.stateDir,
      seed: options.seed,
      fleetSize: options.fleetSize,
      deviceFailureRate: options.deviceFailureRate,
      apiFaultRate: options.apiFaultRate,
      fleet: {
        offlineRate: options.offlineRate ?? 0,
        crashAfterStartRate: options.crashAfterStartRate ?? 0,
        ...(options.applyMs ? { applyMs: options.applyMs } : {}),
        ...(options.notifyLatencyMs ? { notifyLatencyMs: options.notifyLatencyMs } : {}),
        ...(options.offlineMs ? { offlineMs: options.offlineMs } : {}),
        ...(options.crashAfterMs ? { crashAfterMs: options.crashAfterMs } : {}),
      },
      badModel: options.badModel,
      compileFailure: options.compileFailure,
      compileSeconds: options.compileSeconds,
      clockFactor: options.clockFactor,
      approvalTimeout: options.approvalTimeout,
      deviceSchedule: options.deviceSchedule,
      warmFunctions: CLI_WARM_FUNCTIONS,
      logs,
    }).catch((error: unknown) => {
      logs?.end();
      throw error;
    });
    endpoint = emulator.url;
    log(`emulator on ${endpoint} (function logs: ${logFile})`);
  } else {
    const given = new Set(options.given ?? []);
    const { update, refused } = endpointOptions(options, given);
    // The running emulator's functions and fleet read its own stage configuration.
    const { configFile } = await control(endpoint, 'health');
    if (given.has('config') && configFile && resolve(options.config) !== configFile)
      refused.push('--config');
    if (refused.length)
      throw new CliError(
        `${refused.join(', ')} cannot change a running emulator (they shape it when it starts): drop ${refused.length > 1 ? 'them' : 'it'} or pass ${refused.length > 1 ? 'them' : 'it'} to 'edge-mlops emulator'`,
      );
    await control(endpoint, 'options', update);
    if (options.deviceSchedule) await control(endpoint, 'devices', options.deviceSchedule);
  }
  try {
    options.signal?.throwIfAborted();
    const before = await control(endpoint, 'state');
    const devicesBefore = await control(endpoint, 'devices');
    await control(endpoint, 'health');
    await control(endpoint, 'seed', { event });
    log(
      `registry: ${event.detail?.ModelPackageGroupName} v${event.detail?.ModelPackageVersion} is ${event.detail?.ModelApprovalStatus}`,
    );
    const { deliveries } = await control(endpoint, 'deliver', {
      event,
      times: 1 + options.duplicateDeliveries,
    });
    for (const d of deliveries) {
      log(
        d.result
          ? `start-pipeline: ${d.result.decision}${d.result.executionName ? ` ${d.result.executionName}` : ''}${d.result.reason ? ` (${d.result.reason})` : ''}`
          : `start-pipeline: failed ${d.error?.name}: ${d.error?.message}${d.deadLettered ? ' → dead-letter queue' : ''}`,
      );
    }
    const execution0 = deliveries.map((d: any) => d.result).find((r: any) => r?.executionArn);
    // Watching the run is not part of it: these calls are not counted or faulted.
    const sfn = internal(
      new SFNClient({
        endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      }),
    );
    const visited: string[] = [];
    let approval: SimulationSummary['approval'];
    let final: { status?: string; error?: string; cause?: string } = {
      status: execution0 ? 'RUNNING' : 'NOT_STARTED',
    };
    if (execution0) {
      const arn = execution0.executionArn as string;
      let seen = 0;
      const deadline = Date.now() + options.timeoutSeconds * 1000;
      const interactive = Boolean(process.stdin.isTTY);
      const decision =
        options.approve || (options.autoApproveWithoutTty && !interactive)
          ? 'approve'
          : options.reject
            ? 'reject'
            : undefined;
      /** Logs the states entered since the last read of the history. */
      const readNewStates = async () => {
        const events: HistoryEvent[] = [];
        let nextToken: string | undefined;
        do {
          const page = await sfn.send(
            new GetExecutionHistoryCommand({ executionArn: arn, nextToken, maxResults: 1000 }),
          );
          events.push(...(page.events ?? []));
          nextToken = page.nextToken;
        } while (nextToken);
        for (const e of events.slice(seen)) {
          if (e.type?.endsWith('StateEntered')) {
            const name = e.stateEnteredEventDetails?.name ?? '?';
            visited.push(name);
            log(`→ ${name}`);
          }
        }
        seen = events.length;
      };
      for (;;) {
        options.signal?.throwIfAborted();
        await readNewStates();
        const state = await control(endpoint, 'state');
        if (!approval && visited.includes('Request Approval')) {
          const message = (state.sns as { subject?: string; message: string }[]).find(
            (m) =>
              m.subject?.startsWith(
                `Approve ${event.detail.ModelPackageGroupName} v${event.detail.ModelPackageVersion} `,
              ) && /https?:\/\/\S+\/approvals\//.test(m.message),
          );
          const link = message
            ? /(https?:\/\/\S+\/approvals\/\S+)/.exec(message.message)?.[1]
            : undefined;
          if (link) {
            log(`Approval link: ${link}`);
            approval = { link, decision: decision ?? 'waiting for a decision on the page' };
            if (decision) {
              const decidedAt = Date.now();
              approval.httpStatus = await decide(
                link,
                decision,
                String(event.detail.ModelPackageVersion),
              );
              log(`approval: ${decision} (page answered ${approval.httpStatus})`);
              // How long from the POST until the execution has left Request Approval.
              for (let i = 0; i < 1000; i++) {
                const recent = await sfn.send(
                  new GetExecutionHistoryCommand({
                    executionArn: arn,
                    reverseOrder: true,
                    maxResults: 20,
                  }),
                );
                const resumed = (recent.events ?? []).some(
                  (e) =>
                    e.stateExitedEventDetails?.name === 'Request Approval' ||
                    e.type === 'ExecutionFailed',
                );
                if (resumed) {
                  approval.resumedAfterMs = Date.now() - decidedAt;
                  break;
                }
                await sleep(5);
              }
            } else if (!options.approvalTimeout) {
              log('waiting for a decision on the approval page (open the link above)');
            }
          }
        }
        const described = await sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
        if (described.status !== 'RUNNING') {
          final = {
            status: described.status,
            error: described.error,
            cause: readableCause(described.cause),
          };
          // The states it entered after the last read and before it ended.
          await readNewStates();
          break;
        }
        if (Date.now() > deadline) {
          final = {
            status: 'RUNNING',
            error: 'SimulationTimedOut',
            cause: `still running after ${options.timeoutSeconds} s`,
          };
          break;
        }
        await sleep(100);
      }
    }
    const drift =
      options.drift !== undefined && final.status === 'SUCCEEDED'
        ? await runDriftLoop(
            {
              endpoint,
              config,
              modelGroup: String(event.detail.ModelPackageGroupName),
              drift: options.drift,
              fleetSize: options.fleetSize,
              ...(approval?.decision === 'approve'
                ? { approve: (link: string, v: string) => decide(link, 'approve', v) }
                : {}),
              deadline: Date.now() + options.timeoutSeconds * 1000,
            },
            (path, body) => control(endpoint!, path, body),
            log,
          )
        : undefined;
    const after = await control(endpoint, 'state');
    const devicesAfter = await control(endpoint, 'devices');
    const execution = (after.executions as any[]).find((e) => e.arn === execution0?.executionArn);
    const diff = (a: string[], b: string[]) => a.filter((x) => !b.includes(x));
    const beforeDeployments = new Set(
      (before.resources.deployments as any[]).map((d) => d.deploymentId),
    );
    return {
      status: final.status ?? 'UNKNOWN',
      executionArn: execution0?.executionArn,
      executionName: execution0?.executionName,
      ...(final.error ? { error: final.error } : {}),
      ...(final.cause ? { cause: final.cause } : {}),
      deliveries: deliveries.map(
        (d: any) => d.result ?? { error: d.error, deadLettered: d.deadLettered },
      ),
      statesVisited: [...new Set(visited)],
      stateTransitions: execution?.transitions ?? 0,
      ...(approval ? { approval } : {}),
      resourcesCreated: {
        compilationJobs: diff(
          after.resources.compilationJobs,
          before.resources.compilationJobs,
        ).sort(),
        componentVersions: diff(
          after.resources.componentVersions,
          before.resources.componentVersions,
        ),
        deployments: (after.resources.deployments as any[])
          .filter((d) => !beforeDeployments.has(d.deploymentId))
          .map((d) => ({ target: d.targetArn, deploymentId: d.deploymentId })),
      },
      notifications: (after.sns as any[])
        .slice(before.sns.length)
        .map((m) => m.subject ?? m.message.slice(0, 80)),
      deadLetters: Object.values(after.queues as Record<string, number>).reduce((a, b) => a + b, 0),
      ...fleetEvents(devicesBefore, devicesAfter),
      awsCalls: Object.fromEntries(
        Object.entries(after.calls as Record<string, number>)
          .map(([k, v]) => [k, v - (before.calls[k] ?? 0)])
          .filter(([, v]) => Number(v) > 0),
      ),
      awsCallsTotal: after.callsTotal - before.callsTotal,
      injectedFaults: after.faults - before.faults,
      accessDenied: (after.refusals as SimulationSummary['accessDenied'])
        .slice(before.refusals.length)
        .map(({ service, operation, message }) => ({ service, operation, message })),
      undeliverableAlarms: after.alarms.undeliverable,
      alarmNotificationsDropped: after.alarms.dropped.length - before.alarms.dropped.length,
      wallTimeMs: Date.now() - started,
      endpoint,
      ...(logFile ? { logFile } : {}),
      ...(drift ? { drift } : {}),
    };
  } finally {
    try {
      await emulator?.close();
    } finally {
      logs?.end();
    }
  }
};

/** How many run logs .edge-mlops/logs/ keeps (the newest). */
const KEPT_RUN_LOGS = 10;

/** A new file for the function logs of one run, in .edge-mlops/logs/ of the project. */
const newRunLog = () => {
  const dir = join(PROJECT_ROOT, '.edge-mlops', 'logs');
  mkdirSync(dir, { recursive: true });
  const old = readdirSync(dir)
    .filter((f) => /^simulate-.*\.log$/.test(f))
    .sort()
    .reverse();
  for (const f of old.slice(KEPT_RUN_LOGS - 1)) rmSync(join(dir, f), { force: true });
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
  return join(dir, `simulate-${stamp}-${process.pid}-${randomBytes(2).toString('hex')}.log`);
};

type DeviceReport = {
  now: string;
  devices: {
    thing: string;
    offline: { from: string; until: string | null }[];
    broken: { component: string; version?: string; since: string }[];
  }[];
};

/** Devices offline during the run and components that crashed during it, from two fleet reports. */
export const fleetEvents = (before: DeviceReport, after: DeviceReport) => {
  const start = Date.parse(before.now);
  const end = Date.parse(after.now);
  const offlineDevices: OfflineDevice[] = [];
  const crashedComponents: CrashedComponent[] = [];
  for (const d of after.devices) {
    for (const w of d.offline) {
      const from = Date.parse(w.from);
      const until = w.until === null ? Number.POSITIVE_INFINITY : Date.parse(w.until);
      if (from > end || until <= start) continue;
      offlineDevices.push({
        device: d.thing,
        since: w.from,
        backAt: until <= end ? (w.until as string) : null,
      });
    }
    for (const b of d.broken) {
      if (Date.parse(b.since) < start) continue;
      crashedComponents.push({ device: d.thing, ...b });
    }
  }
  return { offlineDevices, crashedComponents };
};

/** The human summary printed at the end of a run. */
export const formatSummary = (s: SimulationSummary): string => {
  const calls = Object.entries(s.awsCalls)
    .sort(([, a], [, b]) => b - a)
    .map(([op, n]) => `    ${String(n).padStart(5)}  ${op}`)
    .join('\n');
  return [
    '',
    `Result: ${s.status}${s.error ? ` — ${s.error}: ${s.cause ?? ''}` : ''}`,
    s.executionName ? `Execution: ${s.executionName}` : 'Execution: none started',
    deliveriesLine(s.deliveries),
    `States visited (${s.statesVisited.length}, ${s.stateTransitions} transitions): ${s.statesVisited.join(' → ')}`,
    `Created: ${s.resourcesCreated.compilationJobs.length} compilation job(s), ${s.resourcesCreated.componentVersions.length} component version(s) [${s.resourcesCreated.componentVersions.join(', ')}], ${s.resourcesCreated.deployments.length} deployment(s)`,
    `Notifications: ${s.notifications.length ? s.notifications.join(' | ') : 'none'}`,
    `Dead letters: ${s.deadLetters}`,
    `Offline devices: ${
      s.offlineDevices.length
        ? `${s.offlineDevices.length} — ${s.offlineDevices
            .map((o) => `${o.device} (${o.backAt ? `back at ${o.backAt}` : 'still offline'})`)
            .join(', ')}`
        : 'none'
    }`,
    `Crashed components: ${
      s.crashedComponents.length
        ? `${s.crashedComponents.length} — ${s.crashedComponents
            .map((c) => `${c.component}@${c.version ?? '?'} BROKEN on ${c.device} since ${c.since}`)
            .join(', ')}`
        : 'none'
    }`,
    `AWS calls: ${s.awsCallsTotal}${s.injectedFaults ? ` (${s.injectedFaults} answered with injected faults)` : ''}`,
    calls,
    ...(s.accessDenied.length
      ? [
          `Access denied (IAM): ${s.accessDenied.length} call(s)`,
          ...s.accessDenied.map((d) => `    ${d.service}.${d.operation}: ${d.message}`),
        ]
      : []),
    ...s.undeliverableAlarms.map(
      (a) => `Warning: alarm ${a.alarm} notifies ${a.topicArn}, but ${a.reason}`,
    ),
    ...(s.alarmNotificationsDropped
      ? [`Alarm notifications dropped: ${s.alarmNotificationsDropped}`]
      : []),
    ...(s.drift ? formatDrift(s.drift) : []),
    `Wall time: ${(s.wallTimeMs / 1000).toFixed(1)} s`,
  ].join('\n');
};
