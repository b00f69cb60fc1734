import { createWriteStream, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { internal } from '../emulator/backends';
import { Emulator } from '../emulator/emulator';
import { readableCause } from '../functions/shared/errors';
import { loadStageConfig } from '../functions/shared/stage-config/load';

/**
 * `edge-mlops simulate`: the whole pipeline, locally. Starts the emulator (or uses one at
 * --endpoint), seeds the model registry from the event, delivers the event through the
 * production path (rule → start-pipeline → state machine), answers the approval page like a
 * person would (or waits for one), and reports what happened.
 */
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
  awsCalls: Record<string, number>;
  awsCallsTotal: number;
  injectedFaults: number;
  wallTimeMs: number;
  endpoint: string;
  logFile?: string;
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

/** Approves or rejects on the approval page exactly as a person would: GET the link, POST the form. */
export const decide = async (link: string, decision: 'approve' | 'reject', version: string) => {
  const url = new URL(link);
  const page = await fetch(url);
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
  const res = await fetch(new URL(`${url.pathname}/decision`, url), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form,
  });
  return res.status;
};

export const simulate = async (options: SimulateOptions, log: Log): Promise<SimulationSummary> => {
  const started = Date.now();
  const config = loadStageConfig(options.config);
  const event = JSON.parse(readFileSync(options.event, 'utf8'));
  let emulator: Emulator | undefined;
  let endpoint = options.endpoint;
  let logFile: string | undefined;
  if (!endpoint) {
    const stateDir = options.stateDir ?? mkdtempSync(join(tmpdir(), 'edge-mlops-'));
    mkdirSync(stateDir, { recursive: true });
    logFile = join(stateDir, 'functions.log');
    emulator = await Emulator.start({
      config,
      configFile: resolve(options.config),
      stateDir,
      seed: options.seed,
      fleetSize: options.fleetSize,
      deviceFailureRate: options.deviceFailureRate,
      apiFaultRate: options.apiFaultRate,
      badModel: options.badModel,
      compileFailure: options.compileFailure,
      compileSeconds: options.compileSeconds,
      clockFactor: options.clockFactor,
      approvalTimeout: options.approvalTimeout,
      logs: createWriteStream(logFile),
    });
    endpoint = emulator.url;
    log(`emulator on ${endpoint} (function logs: ${logFile})`);
  } else {
    await control(endpoint, 'options', {
      badModel: Boolean(options.badModel),
      approvalTimeout: Boolean(options.approvalTimeout),
      ...(options.compileFailure ? { compileFailure: options.compileFailure } : {}),
    });
  }
  const before = await control(endpoint, 'state');
  try {
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
      for (;;) {
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
    const after = await control(endpoint, 'state');
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
      awsCalls: Object.fromEntries(
        Object.entries(after.calls as Record<string, number>)
          .map(([k, v]) => [k, v - (before.calls[k] ?? 0)])
          .filter(([, v]) => Number(v) > 0),
      ),
      awsCallsTotal: after.callsTotal - before.callsTotal,
      injectedFaults: after.faults - before.faults,
      wallTimeMs: Date.now() - started,
      endpoint,
      ...(logFile ? { logFile } : {}),
    };
  } finally {
    await emulator?.close();
  }
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
    `States visited (${s.statesVisited.length}, ${s.stateTransitions} transitions): ${s.statesVisited.join(' → ')}`,
    `Created: ${s.resourcesCreated.compilationJobs.length} compilation job(s), ${s.resourcesCreated.componentVersions.length} component version(s) [${s.resourcesCreated.componentVersions.join(', ')}], ${s.resourcesCreated.deployments.length} deployment(s)`,
    `Notifications: ${s.notifications.length ? s.notifications.join(' | ') : 'none'}`,
    `Dead letters: ${s.deadLetters}`,
    `AWS calls: ${s.awsCallsTotal}${s.injectedFaults ? ` (${s.injectedFaults} answered with injected faults)` : ''}`,
    calls,
    `Wall time: ${(s.wallTimeMs / 1000).toFixed(1)} s`,
  ].join('\n');
};
