import { deliveriesLine } from '../deliveries';
import { type DriftSummary, formatDrift } from '../drift-loop';
import { formatFleetOutcomes } from '../sre/fleet-outcomes';
import type { CrashedComponent, OfflineDevice, SimulationSummary } from './types';

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
    `Fleets: ${formatFleetOutcomes(s.fleets)}`,
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
    `Function invocations: ${s.functionInvocations.total} (${s.functionInvocations.coldStarts} cold starts)`,
    `Wall time: ${(s.wallTimeMs / 1000).toFixed(1)} s`,
  ].join('\n');
};

/** What the emulator reported before and after the run, and what watching it saw. */
export type RunRecord = {
  before: any;
  devicesBefore: DeviceReport;
  after: any;
  devicesAfter: DeviceReport;
  deliveries: any[];
  execution?: { executionArn: string; executionName?: string };
  final: { status?: string; error?: string; cause?: string };
  visited: string[];
  fleets: SimulationSummary['fleets'];
  approval?: SimulationSummary['approval'];
  started: number;
  endpoint: string;
  logFile?: string;
  drift?: DriftSummary;
};

/** The summary of a run: what it created, called, notified and broke, from two emulator reports. */
export const summarize = (run: RunRecord): SimulationSummary => {
  const { before, after } = run;
  const execution = (after.executions as any[]).find((e) => e.arn === run.execution?.executionArn);
  const diff = (a: string[], b: string[]) => a.filter((x) => !b.includes(x));
  const beforeDeployments = new Set(
    (before.resources.deployments as any[]).map((d) => d.deploymentId),
  );
  return {
    status: run.final.status ?? 'UNKNOWN',
    executionArn: run.execution?.executionArn,
    executionName: run.execution?.executionName,
    ...(run.final.error ? { error: run.final.error } : {}),
    ...(run.final.cause ? { cause: run.final.cause } : {}),
    deliveries: run.deliveries.map(
      (d: any) => d.result ?? { error: d.error, deadLettered: d.deadLettered },
    ),
    statesVisited: [...new Set(run.visited)],
    stateTransitions: execution?.transitions ?? 0,
    ...(run.approval ? { approval: run.approval } : {}),
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
    fleets: run.fleets,
    deadLetters: Object.values(after.queues as Record<string, number>).reduce((a, b) => a + b, 0),
    ...fleetEvents(run.devicesBefore, run.devicesAfter),
    awsCalls: Object.fromEntries(
      Object.entries(after.calls as Record<string, number>)
        .map(([k, v]) => [k, v - (before.calls[k] ?? 0)])
        .filter(([, v]) => Number(v) > 0),
    ),
    awsCallsTotal: after.callsTotal - before.callsTotal,
    functionInvocations: {
      total: after.invocations - before.invocations,
      coldStarts: after.coldStarts - before.coldStarts,
    },
    injectedFaults: after.faults - before.faults,
    accessDenied: (after.refusals as SimulationSummary['accessDenied'])
      .slice(before.refusals.length)
      .map(({ service, operation, message }) => ({ service, operation, message })),
    undeliverableAlarms: after.alarms.undeliverable,
    alarmNotificationsDropped: after.alarms.dropped.length - before.alarms.dropped.length,
    ...(after.timeWarp
      ? {
          timeWarp: {
            jumps: after.timeWarp.jumps - (before.timeWarp?.jumps ?? 0),
            skippedMs: after.timeWarp.skippedMs - (before.timeWarp?.skippedMs ?? 0),
          },
        }
      : {}),
    wallTimeMs: Date.now() - run.started,
    endpoint: run.endpoint,
    ...(run.logFile ? { logFile: run.logFile } : {}),
    ...(run.drift ? { drift: run.drift } : {}),
  };
};
