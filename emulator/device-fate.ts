import type { DeviceAvailability } from './device-availability';
import type { DownloadFailure, FleetOptions, Range, Schedule } from './fleet-types';
import { uniform } from './random';

const draw = (range: Range, u: number) => range[0] + u * (range[1] - range[0]);

/**
 * One device's fate in a deployment, drawn from the seed when the rollout reaches it (its
 * `slot`): notification latency, apply time, failure, a crash after start. A fleet device may
 * be found offline then: it stays offline for a while (a window recorded for the device, so
 * later deployments see it too). Healthy (baseline) deployments and twin devices are spared
 * the fleet-wide offline and crash rates; a download failure fails the device whatever the seed.
 */
export const drawFate = (
  o: FleetOptions,
  availability: DeviceAvailability,
  device: { thing: string; twin: boolean },
  deployment: { id: string; slot: number; healthy: boolean; downloadFailure?: DownloadFailure },
): Schedule => {
  const { thing } = device;
  const { id, slot, healthy, downloadFailure } = deployment;
  const seed = o.seed;
  const exposed = !healthy && !device.twin;
  if (
    exposed &&
    availability.isOnline(thing, slot) &&
    uniform(seed, 'offline', id, thing) < o.offlineRate
  ) {
    const away = Math.round(draw(o.offlineMs, uniform(seed, 'offline-for', id, thing)));
    availability.setOffline(thing, slot, slot + away);
  }
  const fails =
    Boolean(downloadFailure) ||
    (!healthy && uniform(seed, 'fail', id, thing) < o.deviceFailureRate);
  const crashes = exposed && !fails && uniform(seed, 'crash', id, thing) < o.crashAfterStartRate;
  return {
    thing,
    slot,
    latencyMs: Math.round(draw(o.notifyLatencyMs, uniform(seed, 'notify', id, thing))),
    applyMs: Math.round(draw(o.applyMs, uniform(seed, 'apply', id, thing))),
    fails,
    ...(downloadFailure ? { downloadFailure } : {}),
    crashAfterMs: crashes
      ? Math.round(draw(o.crashAfterMs, uniform(seed, 'crash-after', id, thing)))
      : undefined,
  };
};
