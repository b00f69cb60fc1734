import { resolve } from 'node:path';
import type { Alarms } from './alarms';
import type { AsyncOutcome } from './async-invoke';
import { applyEmulatorOptions, deviceControl, emulatorOptionsOf, fleetReport } from './controls';
import { matchesPattern } from './event-pattern';
import type { ClosedLoop } from './loop';
import type { SeedEvent } from './model-seed';
import type { FunctionRule } from './provisioning/event-sources';
import type { FunctionRuntime } from './runtime/functions';
import { crashedComponents, installedComponents } from './services/greengrass';
import type { StepFunctions } from './services/sfn';
import type { World } from './world';

export type ControlApi = (method: string, path: string, body: any) => Promise<unknown>;

type ControlDeps = {
  world: World;
  sfn: StepFunctions;
  functions: FunctionRuntime;
  alarms: Alarms;
  stateMachineArn: string;
  configFile: string;
  rules: readonly FunctionRule[];
  seed: (event: SeedEvent) => Promise<void>;
  invokeAsync: (key: string, event: unknown) => Promise<AsyncOutcome>;
  /** The closed loop's admin paths (`loop/…`, emulator/loop.ts). */
  loopAdmin: ClosedLoop['admin'];
};

/** What the emulator holds, for simulate's summary and for tests' assertions. */
const stateReport = ({ world, sfn, functions, alarms }: ControlDeps) => ({
  now: new Date(world.clock.now()).toISOString(),
  calls: world.callCounts(),
  callsTotal: world.calls.length,
  // Only what the emulator injected: a call refused on its merits (no such execution, a
  // failed condition) is an answer AWS would give too.
  faults: world.calls.filter((c) => c.injected).length,
  refusals: world.refusals,
  alarms: { undeliverable: alarms.undeliverable, dropped: alarms.dropped },
  timeWarp: { enabled: world.warp.enabled, ...world.warp.stats },
  sns: world.sns,
  queues: Object.fromEntries([...world.queues].map(([name, q]) => [name, q.length])),
  resources: {
    compilationJobs: [...world.compilationJobs.keys()],
    edgePackagingJobs: [...world.edgePackagingJobs.keys()],
    componentVersions: [...world.components.values()].map((c) => `${c.name}@${c.version}`),
    deployments: [...world.deployments.values()]
      .filter((d) => d.deploymentName !== 'plant baseline')
      .map((d) => ({
        deploymentId: d.deploymentId,
        targetArn: d.targetArn,
        name: d.deploymentName,
        components: d.components,
      })),
  },
  executions: [...sfn.executions.values()].map((e) => ({
    arn: e.arn,
    name: e.name,
    status: e.status,
    transitions: e.transitions,
    statesVisited: e.statesVisited,
    error: e.error,
    cause: e.cause,
  })),
  invocations: functions.invocations.length,
  coldStarts: functions.invocations.filter((i) => i.coldStart).length,
});

/**
 * The emulator's controls under /_emulator/ (no AWS signature): what simulate and tests
 * drive it with: health, seeding the registry, delivering an event, options, devices, state.
 */
export const controlApi = (deps: ControlDeps): ControlApi => {
  const { world } = deps;
  return async (method, path, body) => {
    if (path === 'health')
      return {
        ok: true,
        stateMachineArn: deps.stateMachineArn,
        configFile: resolve(deps.configFile),
      };
    if (path === 'seed' && method === 'POST') {
      await deps.seed(body.event);
      return { seeded: body.event?.detail?.ModelPackageArn };
    }
    if (path === 'deliver' && method === 'POST') {
      // At-least-once delivery: the same event (same id) through every matching rule.
      const deliveries = [];
      for (let i = 0; i < Math.max(1, Number(body.times ?? 1)); i++) {
        for (const rule of deps.rules) {
          if (matchesPattern(body.event, rule.pattern))
            deliveries.push({ rule: rule.name, ...(await deps.invokeAsync(rule.key, body.event)) });
        }
      }
      return { deliveries };
    }
    if (path.startsWith('loop/')) return deps.loopAdmin(method, path.slice('loop/'.length), body);
    if (path === 'options' && method === 'POST') return applyEmulatorOptions(world, body);
    if (path === 'options' && method === 'GET') return emulatorOptionsOf(world);
    if (path === 'devices' && method === 'POST')
      return deviceControl(world, body, world.clock.now());
    if (path === 'devices' && method === 'GET')
      return fleetReport(
        world,
        (thing) => installedComponents(world, thing),
        (thing) => crashedComponents(world, thing),
      );
    if (path === 'state' && method === 'GET') return stateReport(deps);
    throw new Error(`unknown emulator control ${method} ${path}`);
  };
};
