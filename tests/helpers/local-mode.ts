import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type SimulateOptions, type SimulationSummary, simulate } from '../../cli/simulate';
import { Emulator, type StartOptions } from '../../emulator/emulator';
import { loadStageConfig } from '../../functions/shared/stage-config/load';

const ROOT = join(__dirname, '../..');

/** Runs `edge-mlops simulate` in-process (embedded emulator) with test defaults. */
export const runSimulation = (
  options: Partial<SimulateOptions> = {},
  log: (line: string) => void = () => undefined,
): Promise<SimulationSummary> =>
  simulate(
    {
      event: join(ROOT, 'events/model-package-approved.json'),
      config: join(ROOT, 'config/local.yml'),
      fleetSize: 5,
      deviceFailureRate: 0,
      apiFaultRate: 0,
      duplicateDeliveries: 0,
      seed: 'edge-mlops',
      timeoutSeconds: 120,
      // Slower than npm start's 1000×: on a loaded CI machine, real overheads (worker
      // invocations) count as virtual time and could eat the twin's 30-minute deadline.
      clockFactor: 300,
      // Time warp on, as in npm start (emulator/warp.ts): every e2e file that runs a simulation
      // passes with it, and local-mode.paths takes 61 s instead of 89 s. A test that needs the
      // clock to pass only at its rate sets { warp: false }.
      warp: true,
      ...options,
      // What the test set itself: with an endpoint, these must reach the running emulator.
      given: options.given ?? Object.keys(options),
    },
    log,
  );

/** Model component deployments per target (rollbacks included). */
export const deploymentsByTarget = (summary: SimulationSummary) => {
  const counts: Record<string, number> = {};
  for (const d of summary.resourcesCreated.deployments) {
    const name = d.target.slice(d.target.indexOf('/') + 1);
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
};

const LOCAL_CONFIG = join(ROOT, 'config/local.yml');

/** config/local.yml with some text replaced (each `[from, to]` must be found), as a file of its own. */
export const localConfigWith = (...edits: [string, string][]) => {
  let text = readFileSync(LOCAL_CONFIG, 'utf8');
  for (const [from, to] of edits) {
    if (!text.includes(from)) throw new Error(`fixture text not found: ${from}`);
    text = text.replace(from, to);
  }
  const file = join(mkdtempSync(join(tmpdir(), 'local-config-')), 'local.yml');
  writeFileSync(file, text);
  return file;
};

/**
 * Starts an emulator on config/local.yml (or `configFile`) for a test file, at the tests'
 * clock factor and with the time warp on, as runSimulation runs (a test that needs the clock to
 * pass only at its rate sets { warp: false }); `options` add to or override those defaults.
 */
export const startLocalEmulator = (
  options: Partial<StartOptions> = {},
  configFile = LOCAL_CONFIG,
): Promise<Emulator> =>
  Emulator.start({
    config: loadStageConfig(configFile),
    configFile,
    clockFactor: 300,
    warp: true,
    ...options,
  });

/**
 * startLocalEmulator for a test file whose tests each start their own emulators: every one is
 * closed after its test.
 */
export const emulatorPerTest = () => {
  const emulators: Emulator[] = [];
  afterEach(async () => {
    await Promise.all(emulators.splice(0).map((e) => e.close()));
  });
  return async (options: Partial<StartOptions> = {}, configFile = LOCAL_CONFIG) => {
    const emulator = await startLocalEmulator(options, configFile);
    emulators.push(emulator);
    return emulator;
  };
};

/** The config edit (for localConfigWith) that rolls `group` out at `perMinute` devices a minute. */
export const rolloutRate = (group: string, perMinute: number): [string, string] => [
  `thinggroup/${group}\n`,
  `thinggroup/${group}\n            rollout: { maximumPerMinute: ${perMinute} }\n`,
];

/**
 * Entries into `state` (Check Wave, Watch Wave) of the waves on `group` in an execution's
 * history: when, and the wave as the state received it.
 */
export const waveEntries = (
  emulator: Emulator,
  executionArn: string,
  state: 'Check Wave' | 'Watch Wave',
  group: string,
) =>
  (emulator.sfn.executions.get(executionArn)!.history as any[])
    .filter((e) => e.type === 'TaskStateEntered' && e.stateEnteredEventDetails?.name === state)
    .map((e) => ({
      at: e.timestamp as number,
      wave: JSON.parse(e.stateEnteredEventDetails.input).wave as
        | { targetArn?: string; poll: { waitSeconds: number } }
        | undefined,
    }))
    .filter((entry) => entry.wave?.targetArn?.endsWith(`/${group}`));

/**
 * The emulator's control API (`/_emulator/…`) of the emulator at `url`: GET without a body,
 * POST with one; a refused control fails the test with the emulator's answer.
 */
export const controlOf =
  (url: string) =>
  async (path: string, body?: unknown): Promise<any> => {
    const res = await fetch(`${url}/_emulator/${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`);
    return res.json();
  };
