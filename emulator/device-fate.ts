import type { DeviceAvailability } from './device-availability';
import type { DownloadFailure, FleetOptions, Range, Schedule } from './fleet-types';
import { uniform } from './random';

const draw = (range: Range, u: number) => range[0] + u * (range[1] - range[0]);

/**
 * A device's (or a cohort's) seeded fate in a deployment, before the rollout reaches it:
 * whether it is found offline (if online then) and for how long, notification latency, apply
 * time, failure, a crash after start. Healthy (baseline) deployments and twin devices are
 * spared the fleet-wide offline and crash rates; a download failure fails the device
 * whatever the seed. `thing` names the device the draws are keyed on (a cohort's first).
 */
export type CohortDraw = {
  offline: boolean;
  awayMs: number;
  latencyMs: number;
  applyMs: number;
  fails: boolean;
  downloadFailure?: DownloadFailure;
  crashAfterMs?: number;
};

export const drawCohort = (
  o: FleetOptions,
  device: { thing: string; twin: boolean },
  deployment: { id: string; healthy: boolean; downloadFailure?: DownloadFailure },
): CohortDraw => {
  const { thing } = device;
  const { id, healthy, downloadFailure } = deployment;
  const seed = o.seed;
  const exposed = !healthy && !device.twin;
  const fails =
    Boolean(downloadFailure) ||
    (!healthy && uniform(seed, 'fail', id, thing) < o.deviceFailureRate);
  const crashes = exposed && !fails && uniform(seed, 'crash', id, thing) < o.crashAfterStartRate;
  const offline = exposed && uniform(seed, 'offline', id, thing) < o.offlineRate;
  return {
    offline,
    awayMs: offline ? Math.round(draw(o.offlineMs, uniform(seed, 'offline-for', id, thing))) : 0,
    latencyMs: Math.round(draw(o.notifyLatencyMs, uniform(seed, 'notify', id, thing))),
    applyMs: Math.round(draw(o.applyMs, uniform(seed, 'apply', id, thing))),
    fails,
    ...(downloadFailure ? { downloadFailure } : {}),
    crashAfterMs: crashes
      ? Math.round(draw(o.crashAfterMs, uniform(seed, 'crash-after', id, thing)))
      : undefined,
  };
};

/**
 * One device's fate in a deployment, drawn from the seed when the rollout reaches it (its
 * `slot`). A fleet device found offline then stays offline for a while (a window recorded for
 * the device, so later deployments see it too).
 */
export const drawFate = (
  o: FleetOptions,
  availability: DeviceAvailability,
  device: { thing: string; twin: boolean },
  deployment: { id: string; slot: number; healthy: boolean; downloadFailure?: DownloadFailure },
  position?: number,
): Schedule => {
  const { thing } = device;
  const { slot } = deployment;
  const d = drawCohort(o, device, deployment);
  if (d.offline && availability.isOnline(thing, slot))
    availability.setOffline(thing, slot, slot + d.awayMs);
  return {
    thing,
    ...(position !== undefined ? { position } : {}),
    slot,
    latencyMs: d.latencyMs,
    applyMs: d.applyMs,
    fails: d.fails,
    ...(d.downloadFailure ? { downloadFailure: d.downloadFailure } : {}),
    crashAfterMs: d.crashAfterMs,
  };
};
