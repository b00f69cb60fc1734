import type { SimulateOptions } from './simulate';

/**
 * `simulate --endpoint URL` uses an emulator that is already running. Options that describe
 * the simulated world take effect on it through its control API (POST /_emulator/options,
 * effective at once); options that shape an emulator when it starts cannot change a running
 * one and are refused by flag name. No option is accepted and then ignored.
 */
const LIVE: Partial<Record<keyof SimulateOptions, string>> = {
  deviceFailureRate: '--device-failure-rate',
  apiFaultRate: '--api-fault-rate',
  offlineRate: '--offline-rate',
  crashAfterStartRate: '--crash-after-start-rate',
  compileFailure: '--compile-failure',
  applyMs: '--apply-time',
  notifyLatencyMs: '--notify-latency',
  offlineMs: '--offline-time',
  crashAfterMs: '--crash-after',
  warp: '--no-warp',
};

const START_ONLY: Partial<Record<keyof SimulateOptions, string>> = {
  fleetSize: '--fleet-size',
  seed: '--seed',
  stateDir: '--state-dir',
  keepState: '--keep-state',
  compileSeconds: 'compileSeconds',
  clockFactor: 'clockFactor',
};

export type EndpointOptions = {
  /** The body for POST /_emulator/options. */
  update: Record<string, unknown>;
  /** Flags a running emulator cannot honour, as the user typed them. */
  refused: string[];
};

/** What `given` (the options set explicitly) means for a running emulator. */
export const endpointOptions = (
  options: Partial<SimulateOptions>,
  given: ReadonlySet<string>,
): EndpointOptions => {
  // Per-run decisions: the run either wants them or not, so they are always sent.
  const update: Record<string, unknown> = {
    badModel: Boolean(options.badModel),
    approvalTimeout: Boolean(options.approvalTimeout),
  };
  for (const key of Object.keys(LIVE) as (keyof SimulateOptions)[]) {
    if (given.has(key) && options[key] !== undefined) update[key] = options[key];
  }
  const refused = (Object.keys(START_ONLY) as (keyof SimulateOptions)[])
    .filter((key) => given.has(key))
    .map((key) => START_ONLY[key]!);
  return { update, refused };
};
