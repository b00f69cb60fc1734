import { createWriteStream, mkdirSync, mkdtempSync, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { SFNClient } from '@aws-sdk/client-sfn';
import { internal } from '../emulator/backends';
import { Emulator } from '../emulator/emulator';
import { CLI_PREFETCH_FUNCTIONS, CLI_WARM_FUNCTIONS } from '../emulator/runtime/functions';
import { loadStageConfig } from '../functions/shared/stage-config/load';
import { bundlingNotice } from './bundling-notice';
import { runDriftLoop } from './drift-loop';
import { endpointOptions } from './endpoint-options';
import { decide } from './simulate/approval-page';
import { control } from './simulate/control';
import { type EventFile, readEventFile } from './simulate/event-file';
import { seedEvaluationReports } from './simulate/registry-reports';
import { newRunLog } from './simulate/run-log';
import { summarize } from './simulate/summary';
import type { Log, SimulateOptions, SimulationSummary } from './simulate/types';
import { watchExecution } from './simulate/watch';
import { CliError } from './sre/executions';

export { decide } from './simulate/approval-page';
export { readEventFile } from './simulate/event-file';
export { fleetEvents, formatSummary } from './simulate/summary';
export type {
  CrashedComponent,
  OfflineDevice,
  SimulateOptions,
  SimulationSummary,
} from './simulate/types';

/** The event, dated `now` (the emulator's clock): `time` and `detail.LastModifiedTime`. */
const datedNow = (event: EventFile, now: string) => {
  (event as EventFile & { time?: string }).time = now;
  event.detail.LastModifiedTime = now;
};

/**
 * `edge-mlops simulate`: the whole pipeline, locally. Starts the emulator (or uses one at
 * --endpoint), seeds the model registry from the event, delivers the event through the
 * production path (rule → start-pipeline → state machine), answers the approval page like a
 * person would (or waits for one), and reports what happened.
 */
export const simulate = async (options: SimulateOptions, log: Log): Promise<SimulationSummary> => {
  const started = Date.now();
  const config = loadStageConfig(options.config);
  const event = readEventFile(options.event);
  let emulator: Emulator | undefined;
  let endpoint = options.endpoint;
  let logFile: string | undefined;
  let logs: WriteStream | undefined;
  if (!endpoint) {
    // Without --state-dir or --keep-state the emulator keeps its state in a temp directory it
    // removes when it closes; the function logs outlive the run, in .edge-mlops/logs/.
    const stateDir =
      options.stateDir ??
      (options.keepState ? mkdtempSync(join(tmpdir(), 'edge-mlops-state-')) : undefined);
    if (stateDir) mkdirSync(stateDir, { recursive: true });
    if (stateDir && !options.stateDir)
      log(`state kept in ${stateDir} (--keep-state; remove it when done)`);
    logFile = stateDir ? join(stateDir, 'functions.log') : newRunLog();
    logs = createWriteStream(logFile);
    emulator = await Emulator.start({
      config,
      configFile: resolve(options.config),
      stateDir,
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
      warp: options.warp ?? true,
      approvalTimeout: options.approvalTimeout,
      deviceSchedule: options.deviceSchedule,
      warmFunctions: CLI_WARM_FUNCTIONS,
      prefetchFunctions: CLI_PREFETCH_FUNCTIONS,
      logs,
      onBundling: (n) => log(bundlingNotice(n)),
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
    // A Rejected event is a rejection made now: SageMaker dates the event of a status change
    // when it happens. The sample's fixed date would be older than any release this emulator
    // ran since (its outcome write dates the package), and start-pipeline would rightly call
    // it stale (docs/events.md, out-of-order events) instead of rolling the version back.
    if (event.detail?.ModelApprovalStatus === 'Rejected') datedNow(event, before.now);
    await control(endpoint, 'seed', { event });
    await seedEvaluationReports(endpoint, event);
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
    const results = deliveries.map((d: any) => d.result);
    // The execution the event started, or else the rollback a Rejected event started (its
    // fleets go back to their previous release): the run follows it to its end.
    const rollbackArn = results.find((r: any) => r?.rollbackExecutionArn)?.rollbackExecutionArn;
    const execution =
      results.find((r: any) => r?.executionArn) ??
      (rollbackArn
        ? { executionArn: rollbackArn, executionName: rollbackArn.split(':').pop() }
        : undefined);
    // Watching the run is not part of it: these calls are not counted or faulted.
    const sfn = internal(
      new SFNClient({
        endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      }),
    );
    const watched = execution
      ? await watchExecution(
          execution.executionArn,
          {
            endpoint,
            sfn,
            event,
            options,
            approvers:
              config.modelGroups[String(event.detail.ModelPackageGroupName)]?.approval.approvers
                .length ?? 1,
          },
          log,
        )
      : { visited: [], fleets: [], final: { status: 'NOT_STARTED' } };
    // After a successful release: capture shifted data, detect drift, follow retraining.
    const drift =
      options.drift !== undefined && watched.final.status === 'SUCCEEDED'
        ? await runDriftLoop(
            {
              endpoint,
              config,
              modelGroup: String(event.detail.ModelPackageGroupName),
              drift: options.drift,
              fleetSize: options.fleetSize,
              ...(watched.approval?.decision === 'approve'
                ? { approve: (link: string, v: string) => decide(link, 'approve', v) }
                : {}),
              deadline: Date.now() + options.timeoutSeconds * 1000,
            },
            (path, body) => control(endpoint!, path, body),
            log,
          )
        : undefined;
    return summarize({
      before,
      devicesBefore,
      after: await control(endpoint, 'state'),
      devicesAfter: await control(endpoint, 'devices'),
      deliveries,
      execution,
      ...watched,
      started,
      endpoint,
      logFile,
      drift,
    });
  } finally {
    try {
      await emulator?.close();
    } finally {
      logs?.end();
    }
  }
};
