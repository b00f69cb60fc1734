import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough, type Writable } from 'node:stream';
import type { StageConfig } from '../functions/shared/stage-config/schema';
import { Alarms, declaredAlarms, topicKeys } from './alarms';
import { approvalApiGateway } from './api-gateway';
import { AsyncInvoker } from './async-invoke';
import { dynamoBackend, s3Backend, startBackends } from './backends';
import { VirtualClock } from './clock';
import { controlApi } from './control-api';
import { type DeviceControl, deviceControl } from './controls';
import { withInjectedFaults } from './faults';
import { Fleet, type FleetOptions } from './fleet';
import { type Credentials, Principals } from './iam/principals';
import { iotJobEventsOf } from './iot-events-wiring';
import {
  LOCAL_ACCOUNT,
  LOCAL_REGION,
  LOCAL_STAGE,
  type LocalResource,
  localResources,
} from './local-stage';
import { closedLoop } from './loop';
import { modelSeeder, type SeedEvent } from './model-seed';
import { PROJECT_ROOT } from './project-root';
import { type ArtifactAccessOverrides, artifactReadsOf } from './provisioning/artifact-access';
import { eventRules, snsSubscriptions } from './provisioning/event-sources';
import { provisionFleet } from './provisioning/fleet';
import { credentialsOf, provisionIdentities } from './provisioning/identities';
import { uploadInferenceArtifacts } from './provisioning/inference-artifacts';
import { declaredResources, provisionResources } from './provisioning/resources';
import { provisionStateMachine } from './provisioning/state-machine';
import { stream } from './random';
import { protocolRouter } from './router';
import { bundleFunctions, FunctionRuntime } from './runtime/functions';
import { listen } from './server';
import { readService, type ServiceDeclaration } from './serverless-service';
import { packageChangeEmitter, serviceApis } from './service-apis';
import { eventBridge } from './services/events';
import { lambdaInvoke } from './services/lambda';
import type { StepFunctions } from './services/sfn';
import { smokeRuleOf } from './smoke-rule';
import { stageTemplate } from './stage-template';
import { TimeWarp } from './warp';
import { type EmulatorOptions, World } from './world';

/**
 * The local AWS emulator: one HTTP server on 127.0.0.1 speaking the wire protocols of the
 * services edge-mlops uses, so unchanged SDK clients work through AWS_ENDPOINT_URL. It
 * provisions what serverless.yml declares, runs the real ASL with the real handlers, and
 * simulates the fleet. See docs/local-mode.md.
 */
export type StartOptions = Partial<EmulatorOptions> & {
  port?: number;
  stateDir?: string;
  /** The stage configuration (already validated) and the file it came from. */
  config: StageConfig;
  configFile: string;
  /** Devices per production thing group; the twin has one device. */
  fleetSize?: number;
  /** Fleet behaviour beyond deviceFailureRate: offline and crash rates, latency ranges. */
  fleet?: Partial<Omit<FleetOptions, 'seed' | 'deviceFailureRate'>>;
  /** Devices offline at given times from the start (per-device schedule). */
  deviceSchedule?: DeviceControl;
  /** Virtual milliseconds per real millisecond. */
  clockFactor?: number;
  /** Where function logs go (default: discarded). */
  logs?: Writable;
  /** The service to provision (default: the project's serverless.yml); tests pass wrong ones. */
  service?: ServiceDeclaration;
  /**
   * Replaces what the emulator seeds for artifact downloads (emulator/iam/artifact-reads.ts):
   * a bucket's policy (by bucket name), an account's token exchange role statements.
   */
  artifactAccess?: ArtifactAccessOverrides;
  /** Function workers kept warm at once (default: all); see emulator/runtime/functions.ts. */
  warmFunctions?: number;
  /**
   * Time warp (emulator/warp.ts): when nothing runs, the clock jumps to the next timer
   * (default off here; on in `edge-mlops simulate` and `edge-mlops emulator`).
   */
  warp?: boolean;
  /**
   * Load functions ahead of their first invocation, as the state machine says what comes next
   * (FunctionRuntime.prefetch). Off by default (tests keep every function warm and run two
   * files at a time); the CLI turns it on (CLI_PREFETCH_FUNCTIONS).
   */
  prefetchFunctions?: boolean;
  /** Told when the function bundles must be built (not found in the cache by content). */
  onBundling?: (functions: number) => void;
};

const worldOptionsOf = (options: StartOptions): EmulatorOptions => ({
  seed: options.seed ?? 'edge-mlops',
  deviceFailureRate: options.deviceFailureRate ?? 0,
  apiFaultRate: options.apiFaultRate ?? 0,
  badModel: options.badModel ?? false,
  compileSeconds: options.compileSeconds ?? 240,
  compileFailure: options.compileFailure,
  approvalTimeout: options.approvalTimeout ?? false,
  failingOperations: options.failingOperations ?? [],
  lostAnswerOperations: options.lostAnswerOperations ?? [],
});

/** What every function's worker finds in its environment besides its own credentials. */
const functionEnvironment = (url: string, configFile: string) => ({
  AWS_ENDPOINT_URL: url,
  AWS_REGION: LOCAL_REGION,
  AWS_DEFAULT_REGION: LOCAL_REGION,
  AWS_ACCESS_KEY_ID: 'local',
  AWS_SECRET_ACCESS_KEY: 'local',
  STAGE_CONFIG_FILE: resolve(configFile),
  POWERTOOLS_DEV: 'false',
  AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: '1',
});

export class Emulator {
  /** The credentials a function's worker runs with (its execution role's session). */
  credentialsOf: (functionKey: string) => Credentials = () => {
    throw new Error('emulator not started');
  };

  private constructor(
    readonly url: string,
    readonly world: World,
    readonly sfn: StepFunctions,
    readonly functions: FunctionRuntime,
    readonly resources: Record<string, LocalResource>,
    readonly service: ServiceDeclaration,
    readonly stateMachineArn: string,
    private readonly server: Server,
    readonly seed: (event: SeedEvent) => Promise<void>,
    readonly pending: Set<Promise<unknown>>,
  ) {}

  /** The temp directory this emulator made for its state (none when given --state-dir). */
  private ownedStateDir?: string;

  /**
   * Starts an emulator. Without `stateDir` its state lives in a temp directory that close()
   * removes, as does a start that fails.
   */
  static async start(options: StartOptions): Promise<Emulator> {
    const owned = options.stateDir
      ? undefined
      : mkdtempSync(join(tmpdir(), 'edge-mlops-emulator-'));
    try {
      const emulator = await Emulator.startIn(options, options.stateDir ?? (owned as string));
      emulator.ownedStateDir = owned;
      return emulator;
    } catch (error) {
      if (owned) rmSync(owned, { recursive: true, force: true });
      throw error;
    }
  }

  private static async startIn(options: StartOptions, stateDir: string): Promise<Emulator> {
    const clock = new VirtualClock(options.clockFactor ?? 1000);
    const worldOptions = worldOptionsOf(options);
    const fleet = new Fleet(LOCAL_ACCOUNT, LOCAL_REGION, {
      ...options.fleet,
      seed: worldOptions.seed,
      deviceFailureRate: worldOptions.deviceFailureRate,
    });
    const warp = new TimeWarp(clock, { enabled: options.warp ?? false });
    const world = new World(worldOptions, clock, fleet, LOCAL_ACCOUNT, LOCAL_REGION, warp);
    const backends = await startBackends(stateDir);
    const service = options.service ?? readService(PROJECT_ROOT);
    // Before listening: a service that does not build stops the start with nothing to close.
    const bundles = await bundleFunctions(service, undefined, options.onBundling);
    const { server, url, route } = await listen(options.port, backends, warp);
    try {
      const resources = localResources(service, { approvalApiUrl: url, emulatorUrl: url });
      const template = stageTemplate(options.config, resources);
      const s3 = s3Backend(url);
      const dynamo = dynamoBackend(url);

      const principals = new Principals(LOCAL_ACCOUNT, () => clock.now());
      const identities = await provisionIdentities(service, principals, template.resolve);
      const functions = new FunctionRuntime(
        service,
        bundles.files,
        resources,
        clock,
        functionEnvironment(url, options.configFile),
        options.logs ?? new PassThrough().resume(),
        (key) => identities[key] ?? {},
        options.warmFunctions,
        warp,
        options.prefetchFunctions ?? false,
      );

      const declared = declaredResources(service);
      const topics = await provisionResources(declared, resources, { world, s3, dynamo });
      // Inference archives built from components.inference.source, as the deploy uploads them.
      await uploadInferenceArtifacts(
        options.config,
        options.configFile,
        resources.ArtifactBucket?.ref,
        s3,
      );
      // Alarms on what the emulator observes; notifications to topics CloudWatch cannot use are dropped.
      const alarms = new Alarms(
        world,
        declaredAlarms(declared, template.resolve),
        topicKeys(resources, declared, template.resolve),
      );
      provisionFleet(world, options.config, options.fleetSize ?? 5);
      if (options.deviceSchedule) deviceControl(world, options.deviceSchedule, clock.startedAt);
      const { sfn, machine } = provisionStateMachine({
        clock,
        functions,
        world,
        alarms,
        resources,
        service,
      });

      const subscriptions = snsSubscriptions(
        service,
        declared,
        template.derived.notificationResources?.Resources,
        resources,
        topics,
      );
      const asyncInvoker = new AsyncInvoker(service, functions, resources, world, clock, alarms);
      const invokeAsync = (key: string, event: unknown) => asyncInvoker.invoke(key, event);
      const fireAndForget = (key: string, event: unknown) => void invokeAsync(key, event);
      const rules = eventRules(service, template.resolveVariables, fireAndForget);
      world.jobEvents = iotJobEventsOf({ world, clock, fleet, service, declared, fireAndForget });
      const bus = eventBridge(world, () => rules);
      // Capture, drift metrics and retraining (emulator/loop.ts).
      const loop = closedLoop(world, options.config, s3, {
        emit: packageChangeEmitter(bus),
        invoke: (key, event) => functions.invoke(key, event),
      });
      await loop.provision();
      const apis = serviceApis({
        world,
        config: options.config,
        resources,
        s3,
        dynamo,
        sfn,
        bus,
        loop,
        principals,
        topics,
        subscriptions,
        artifactReads: artifactReadsOf(
          options.config,
          template.derived,
          resources,
          fleet,
          options.artifactAccess,
        ),
        invokeAsync: fireAndForget,
        answerSmokeElsewhere: smokeRuleOf({
          world,
          stage: options.config.stage,
          generated: template.derived.smokeResponseResources,
          resources,
          invokeAsync: fireAndForget,
        }),
      });
      const seed = modelSeeder(world, s3, options.config);
      route(
        protocolRouter({
          url,
          world,
          principals,
          backends,
          apis,
          lambdaInvoke: lambdaInvoke(functions, fireAndForget),
          approvals: approvalApiGateway(functions),
          control: controlApi({
            world,
            sfn,
            functions,
            alarms,
            stateMachineArn: machine.arn,
            configFile: options.configFile,
            rules,
            seed,
            invokeAsync,
            loopAdmin: loop.admin,
          }),
          injectFaults: withInjectedFaults(world, stream(worldOptions.seed, 'api-faults')),
        }),
      );

      const emulator = new Emulator(
        url,
        world,
        sfn,
        functions,
        resources,
        service,
        machine.arn,
        server,
        seed,
        asyncInvoker.pending,
      );
      emulator.credentialsOf = (key) => credentialsOf(identities, key);
      return emulator;
    } catch (error) {
      await new Promise<void>((ok) => server.close(() => ok()));
      throw error;
    }
  }

  /** Stops the server and the function workers, and removes the state it kept in a temp directory. */
  async close() {
    try {
      await this.stop();
    } finally {
      if (this.ownedStateDir) rmSync(this.ownedStateDir, { recursive: true, force: true });
    }
  }

  private async stop() {
    // Executions still running (e.g. waiting at approval) end with the emulator.
    for (const execution of this.sfn.executions.values()) {
      execution.abort?.();
      // Tasks waiting for a token end too: no timer of theirs outlives the emulator.
      this.sfn.tokens.closeAll(execution.arn);
    }
    await this.functions.close();
    const closed = new Promise<void>((ok) => this.server.close(() => ok()));
    this.server.closeAllConnections();
    await closed;
  }
}

export { LOCAL_STAGE };
