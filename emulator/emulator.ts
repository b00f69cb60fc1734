import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough, Readable, type Writable } from 'node:stream';
import { smokeResponsesRuleName } from '../functions/shared/smoke-contract';
import type { StageConfig } from '../functions/shared/stage-config/schema';
import { Alarms, declaredAlarms, topicKeys } from './alarms';
import { dynamoBackend, s3Backend, startBackends } from './backends';
import { VirtualClock } from './clock';
import { applyEmulatorOptions, type DeviceControl, deviceControl, fleetReport } from './controls';
import { matchesPattern } from './event-pattern';
import { faultError } from './faults';
import { BASELINE_COMPONENTS, Fleet, type FleetOptions } from './fleet';
import { AwsError, type Protocol, readBody, sendError, sendJson, sendXml } from './http';
import type { ApiRequest } from './iam/actions';
import { type ArtifactAccess, downloadFailure, seededArtifactAccess } from './iam/artifact-reads';
import { sendDenied } from './iam/denial';
import { refusalOf } from './iam/gate';
import { type Caller, type Credentials, Principals } from './iam/principals';
import { tracingRefusals } from './iam/provisioning';
import { functionRoles, type Statement } from './iam/roles';
import { configuredRoles, sts } from './iam/sts';
import {
  LOCAL_ACCOUNT,
  LOCAL_REGION,
  LOCAL_STAGE,
  type LocalResource,
  localResources,
  resolveLocal,
} from './local-stage';
import { stream } from './random';
import { checkedResponse } from './responses';
import { bundleFunctions, FunctionRuntime, functionArn, functionName } from './runtime/functions';
import { PROJECT_ROOT, readService, type ServiceDeclaration } from './serverless-service';
import { eventBridge, type Rule } from './services/events';
import {
  type ArtifactReads,
  crashedComponents,
  createDeployment,
  greengrass,
  installedComponents,
} from './services/greengrass';
import { iot } from './services/iot';
import { iotData } from './services/iot-data';
import { modelPackageArn, sagemaker } from './services/sagemaker';
import { secretsManager } from './services/secrets';
import { StepFunctions } from './services/sfn';
import { type SnsSubscription, sns } from './services/sns';
import { checkFilterPolicy } from './services/sns-filter';
import { MAX_MESSAGE_BYTES, queueNameOf, sqs } from './services/sqs';
import { validateCall } from './validate';
import { type EmulatorOptions, type ModelPackage, World } from './world';

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
  artifactAccess?: Partial<Pick<ArtifactAccess, 'bucketPolicies' | 'tokenExchangeStatements'>>;
  /** Function workers kept warm at once (default: all); see emulator/runtime/functions.ts. */
  warmFunctions?: number;
};

const TARGETS: Record<string, { protocol: Protocol; prefix?: string }> = {
  sagemaker: { protocol: 'json', prefix: 'SageMaker.' },
  states: { protocol: 'json', prefix: 'AWSStepFunctions.' },
  secretsmanager: { protocol: 'json', prefix: 'secretsmanager.' },
  sqs: { protocol: 'json', prefix: 'AmazonSQS.' },
  events: { protocol: 'json', prefix: 'AWSEvents.' },
  greengrass: { protocol: 'rest-json' },
  iot: { protocol: 'rest-json' },
  iotdata: { protocol: 'rest-json' },
  lambda: { protocol: 'rest-json' },
  sns: { protocol: 'query' },
  sts: { protocol: 'query' },
};

const CREATED = new Set([
  'POST /greengrass/v2/createComponentVersion',
  'POST /greengrass/v2/deployments',
]);

/** REST routes by their API operation name, for call counts that read like the API. */
const OPERATION_NAMES: Record<string, string> = {
  'POST /greengrass/v2/createComponentVersion': 'CreateComponentVersion',
  'GET /greengrass/v2/components/{arn}/metadata': 'DescribeComponent',
  'GET /greengrass/v2/components/{arn}': 'GetComponent',
  'POST /greengrass/v2/deployments': 'CreateDeployment',
  'GET /greengrass/v2/deployments': 'ListDeployments',
  'GET /greengrass/v2/deployments/{deploymentId}': 'GetDeployment',
  'POST /greengrass/v2/deployments/{deploymentId}/cancel': 'CancelDeployment',
  'GET /greengrass/v2/coreDevices': 'ListCoreDevices',
  'GET /greengrass/v2/coreDevices/{coreDeviceThingName}': 'GetCoreDevice',
  'GET /greengrass/v2/coreDevices/{coreDeviceThingName}/installedComponents':
    'ListInstalledComponents',
  'GET /greengrass/v2/coreDevices/{coreDeviceThingName}/effectiveDeployments':
    'ListEffectiveDeployments',
  'GET /jobs/{jobId}': 'DescribeJob',
  'GET /jobs/{jobId}/things': 'ListJobExecutionsForJob',
  'POST /topics/{topic}': 'Publish',
  'POST /2015-03-31/functions/{name}/invocations': 'Invoke',
};

/**
 * The service a request was signed for, from its SigV4 credential scope: in the
 * Authorization header, or in the query of a presigned URL (`X-Amz-Credential`).
 */
const signingService = (req: IncomingMessage): string | undefined =>
  /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(
    req.headers.authorization ?? '',
  )?.[1] ??
  /^[^/]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request$/.exec(
    new URL(req.url ?? '/', 'http://x').searchParams.get('X-Amz-Credential') ?? '',
  )?.[1];

type RestHandler = (
  body: any,
  params: Record<string, string>,
  query: URLSearchParams,
) => Promise<unknown>;

const compileRoutes = (routes: Record<string, RestHandler>) =>
  Object.entries(routes)
    .map(([key, handler]) => {
      const [method, path] = key.split(' ') as [string, string];
      const names: string[] = [];
      const regex = new RegExp(
        `^${path.replace(/\{([A-Za-z]+)\}/g, (_m, n: string) => {
          names.push(n);
          return '([^/]+)';
        })}$`,
      );
      return { key, method, regex, names, handler, literal: path.replace(/\{[^}]+\}/g, '').length };
    })
    .sort((a, b) => b.literal - a.literal);

/**
 * The artifact downloads of each account's devices (emulator/iam/artifact-reads.ts): the
 * artifact bucket's policy as the template packages it, and what the operator sets up as
 * docs/security.md says (token exchange roles, the inference code bucket's policy), unless
 * the start options replace them. One answer per account and set of artifacts.
 */
const artifactReadsOf = (
  options: StartOptions,
  derived: Record<string, any>,
  resources: Record<string, LocalResource>,
  fleet: Fleet,
): ArtifactReads => {
  const bucket = resources.ArtifactBucket?.ref ?? 'artifacts';
  const policy = derived.artifactReaderResources?.Resources?.ArtifactBucketPolicy?.Properties
    ?.PolicyDocument?.Statement as Statement[] | undefined;
  const groups = Object.keys(options.config.modelGroups);
  const codeObjectArns = derived.codeArtifactArns as string[];
  const seeded = seededArtifactAccess({
    pipelineAccount: LOCAL_ACCOUNT,
    deviceAccounts: [...new Set([...fleet.things.values()].map((t) => t.account))],
    artifactObjectArns: [
      ...groups.map((g) => `arn:aws:s3:::${bucket}/*/${g}/*/compiled/*`),
      ...codeObjectArns,
    ],
    artifactBucket: {
      name: bucket,
      ...(policy ? { policy: resolveLocal(policy, resources) as Statement[] } : {}),
    },
    codeObjectArns,
  });
  const access: ArtifactAccess = {
    ...seeded,
    bucketPolicies: { ...seeded.bucketPolicies, ...options.artifactAccess?.bucketPolicies },
    tokenExchangeStatements: {
      ...seeded.tokenExchangeStatements,
      ...options.artifactAccess?.tokenExchangeStatements,
    },
  };
  return (account, uris) => downloadFailure(access, account, uris);
};

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
    readonly seed: (event: { detail: Record<string, unknown> }) => Promise<void>,
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
    const worldOptions: EmulatorOptions = {
      seed: options.seed ?? 'edge-mlops',
      deviceFailureRate: options.deviceFailureRate ?? 0,
      apiFaultRate: options.apiFaultRate ?? 0,
      badModel: options.badModel ?? false,
      compileSeconds: options.compileSeconds ?? 240,
      compileFailure: options.compileFailure,
      approvalTimeout: options.approvalTimeout ?? false,
      failingOperations: options.failingOperations ?? [],
      lostAnswerOperations: options.lostAnswerOperations ?? [],
    };
    const fleet = new Fleet(LOCAL_ACCOUNT, LOCAL_REGION, {
      ...options.fleet,
      seed: worldOptions.seed,
      deviceFailureRate: worldOptions.deviceFailureRate,
    });
    const world = new World(worldOptions, clock, fleet, LOCAL_ACCOUNT, LOCAL_REGION);
    const backends = await startBackends(stateDir);
    const service = options.service ?? readService(PROJECT_ROOT);
    // Before listening: a service that does not build stops the start with nothing to close.
    const bundles = await bundleFunctions(service);
    const logs = options.logs ?? new PassThrough().resume();

    // Listen first: the URL is part of every function's environment. Until every service is
    // wired, only the storage backends answer (provisioning below uses them).
    const backendOnly = (req: IncomingMessage, res: ServerResponse) => {
      const service = signingService(req);
      if (service === 'dynamodb') return backends.dynamodb(req, res);
      if (service === 's3') return backends.s3(req, res);
      res.writeHead(503).end();
    };
    let dispatch: (req: IncomingMessage, res: ServerResponse) => void = backendOnly;
    const server = createServer((req, res) => dispatch(req, res));
    await new Promise<void>((ok, fail) => {
      server.once('error', (error: NodeJS.ErrnoException) =>
        fail(
          error.code === 'EADDRINUSE'
            ? Object.assign(
                new Error(
                  `port ${options.port} on 127.0.0.1 is already in use: choose another (--port), or stop what listens there`,
                ),
                { name: 'PortInUse' },
              )
            : error,
        ),
      );
      server.listen(options.port ?? 0, '127.0.0.1', ok);
    });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const resources = localResources(service, { approvalApiUrl: url, emulatorUrl: url });
    const s3 = s3Backend(url);
    const dynamo = dynamoBackend(url);
    const faults = stream(worldOptions.seed, 'api-faults');
    const pending = new Set<Promise<unknown>>();
    const track = <T>(p: Promise<T>) => {
      pending.add(p);
      void p.finally(() => pending.delete(p)).catch(() => undefined);
      return p;
    };

    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const derived = (
      require('../scripts/serverless/stage-config.cjs') as {
        derive: (c: StageConfig) => Record<string, unknown>;
      }
    ).derive(options.config);
    const resolveVariables = (value: unknown): unknown => {
      if (typeof value === 'string') {
        const m = /^\$\{self:custom\.stage\.([A-Za-z]+)\}$/.exec(value);
        return m ? derived[m[1]!] : value;
      }
      if (Array.isArray(value)) return value.map(resolveVariables);
      if (value && typeof value === 'object')
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveVariables(v)]));
      return value;
    };

    // ---- identities: each function calls with its own execution role (see emulator/iam/)
    const roles = functionRoles(service, {
      account: LOCAL_ACCOUNT,
      region: LOCAL_REGION,
      stage: LOCAL_STAGE,
      resolve: (v) => resolveLocal(resolveVariables(v), resources),
    });
    // Provisioning refuses what Lambda refuses at deploy time.
    const refused = await tracingRefusals(roles, (key) => functionName(key));
    if (refused.length) {
      await new Promise<void>((ok) => server.close(() => ok()));
      throw new Error(`Provisioning the local stage failed:\n  ${refused.join('\n  ')}`);
    }
    const principals = new Principals(LOCAL_ACCOUNT, () => clock.now());
    const functionCredentials = Object.fromEntries(
      Object.entries(roles).map(([key, role]) => {
        const c = principals.issue(role, functionName(key));
        return [
          key,
          {
            AWS_ACCESS_KEY_ID: c.accessKeyId,
            AWS_SECRET_ACCESS_KEY: c.secretAccessKey,
            AWS_SESSION_TOKEN: c.sessionToken,
          },
        ];
      }),
    );

    const functions = new FunctionRuntime(
      service,
      bundles.files,
      resources,
      clock,
      {
        AWS_ENDPOINT_URL: url,
        AWS_REGION: LOCAL_REGION,
        AWS_DEFAULT_REGION: LOCAL_REGION,
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
        STAGE_CONFIG_FILE: resolve(options.configFile),
        POWERTOOLS_DEV: 'false',
        AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE: '1',
      },
      logs,
      (key) => functionCredentials[key] ?? {},
      options.warmFunctions,
    );

    // ---- provision what serverless.yml declares
    const declared = (
      service.raw.resources as { Resources: Record<string, { Type: string; Properties?: any }> }
    ).Resources;
    const topics = new Set<string>();
    for (const [id, r] of Object.entries(resources)) {
      const props = declared[id]?.Properties ?? {};
      if (r.type === 'AWS::DynamoDB::Table') {
        await dynamo.createTable(
          r.ref,
          (props.KeySchema ?? []).map(
            (k: { AttributeName: string; KeyType: 'HASH' | 'RANGE' }) => ({
              name: k.AttributeName,
              type: k.KeyType,
            }),
          ),
        );
      } else if (r.type === 'AWS::S3::Bucket') await s3.createBucket(r.ref);
      else if (r.type === 'AWS::SNS::Topic') topics.add(r.ref);
      else if (r.type === 'AWS::SQS::Queue') world.queues.set(r.attributes.QueueName!, []);
      else if (r.type === 'AWS::SecretsManager::Secret')
        world.secrets.set(r.ref, randomBytes(32).toString('hex'));
    }

    // ---- alarms on what the emulator observes; notifications to topics CloudWatch cannot use are dropped
    const resolveTemplate = (v: unknown) => resolveLocal(resolveVariables(v), resources);
    const alarms = new Alarms(
      world,
      declaredAlarms(declared, resolveTemplate),
      topicKeys(resources, declared, resolveTemplate),
    );

    // ---- the simulated fleet, from the stage configuration
    const fleetSize = options.fleetSize ?? 5;
    const targets = new Set<string>();
    for (const profile of Object.values(options.config.modelGroups)) {
      targets.add(profile.twin.targetArn);
      for (const f of profile.fleets) for (const w of f.waves) targets.add(w.targetArn);
    }
    for (const arn of targets) {
      const name = arn.slice(arn.indexOf('/') + 1);
      const twin = [...Object.values(options.config.modelGroups)].some(
        (p) => p.twin.targetArn === arn,
      );
      // Devices belong to the account their target names (the twin's, a fleet's).
      const account = arn.split(':')[4]!;
      if (/:thing\//.test(arn)) {
        const taken = fleet.accountOf(name);
        if (taken && taken !== account)
          throw new Error(
            `thing ${name} is configured in accounts ${taken} and ${account}: the emulator needs thing names unique across accounts`,
          );
        fleet.things.set(name, { name, arn, account, twin });
      } else if (fleet.groups.get(name)?.account !== account) {
        fleet.addGroup(name, twin ? 1 : fleetSize, name, twin, account);
      }
      // What the devices already run before edge-mlops touches them.
      createDeployment(
        world,
        { targetArn: arn, deploymentName: 'plant baseline', components: BASELINE_COMPONENTS },
        { healthy: true },
      );
    }

    if (options.deviceSchedule) deviceControl(world, options.deviceSchedule, clock.startedAt);

    // ---- Step Functions with the project's ASL
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const definitionModule = require('../statemachines/definition.cjs') as {
      loadDefinition: () => any;
      substitute: (v: unknown, f: (k: string) => unknown) => any;
    };
    const machineName = resources.EdgeDeploymentStateMachine!.attributes.Name!;
    const sfn = new StepFunctions(clock, functions, LOCAL_REGION, LOCAL_ACCOUNT, {
      approvalTimeout: () => world.options.approvalTimeout,
      onExecutionEvent: (execution, event) => {
        const metric = {
          ExecutionFailed: 'ExecutionsFailed',
          ExecutionTimedOut: 'ExecutionsTimedOut',
        }[event.type];
        if (metric)
          alarms.breach('AWS/States', metric, { StateMachineArn: execution.stateMachineArn });
      },
    });
    const machine = sfn.createStateMachine(
      machineName,
      definitionModule.substitute(definitionModule.loadDefinition(), (key: string) =>
        functionArn(key),
      ),
      `arn:aws:iam::${LOCAL_ACCOUNT}:role/${machineName}-role`,
    );

    // ---- SNS subscriptions: those serverless.yml declares and those the stage config
    // generates (scripts/serverless/notifications.cjs), with their filter policies.
    const subscriptions: SnsSubscription[] = [];
    const generated = (derived.notificationResources as { Resources?: typeof declared })?.Resources;
    for (const [id, r] of Object.entries({ ...declared, ...generated })) {
      if (r.Type !== 'AWS::SNS::Subscription') continue;
      const p = resolveLocal(r.Properties ?? {}, resources) as Record<string, unknown>;
      const topicArn = String(p.TopicArn);
      if (!topics.has(topicArn))
        throw new Error(`${id}: subscription to ${topicArn}, which local mode does not provision`);
      subscriptions.push({
        topicArn,
        protocol: String(p.Protocol),
        endpoint: String(p.Endpoint),
        ...(p.FilterPolicy ? { filterPolicy: checkFilterPolicy(p.FilterPolicy) } : {}),
      });
    }
    const invokeAsync = (key: string, event: unknown) =>
      track(
        (async () => {
          const raw = (service.raw.functions as Record<string, any>)[key];
          const attempts = 1 + (raw.maximumRetryAttempts ?? 2);
          let lastError: Error | undefined;
          for (let attempt = 1; attempt <= attempts; attempt++) {
            try {
              return { result: await functions.invoke(key, event), attempts: attempt };
            } catch (error) {
              lastError = error as Error;
              if (attempt < attempts) await clock.sleep(attempt * 60_000);
            }
          }
          const destination = raw.destinations?.onFailure;
          const arn = destination
            ? String(resolveLocal(destination.arn ?? destination, resources))
            : undefined;
          const queue = arn ? world.queues.get(queueNameOf(arn)) : undefined;
          const e = lastError as Error & { errorType?: string; errorMessage?: string };
          const record = JSON.stringify({
            version: '1.0',
            timestamp: new Date(clock.now()).toISOString(),
            requestContext: {
              requestId: crypto.randomUUID(),
              functionArn: `${functionArn(key)}:$LATEST`,
              condition: 'RetriesExhausted',
              approximateInvokeCount: attempts,
            },
            requestPayload: event,
            responseContext: {
              statusCode: 200,
              executedVersion: '$LATEST',
              functionError: 'Unhandled',
            },
            responsePayload: {
              errorType: e?.errorType ?? e?.name,
              errorMessage: e?.errorMessage ?? e?.message,
            },
          });
          // A record over the queue's limit is not delivered (Lambda developer guide,
          // "Capturing records of Lambda asynchronous invocations": delivery errors from size
          // limits, counted as DestinationDeliveryFailures): the failure is lost.
          const fits = Buffer.byteLength(record, 'utf8') <= MAX_MESSAGE_BYTES;
          if (fits)
            queue?.push({
              id: crypto.randomUUID(),
              body: record,
              visibleAt: 0,
              sentAt: clock.now(),
              receiveCount: 0,
            });
          if (fits && queue && arn)
            alarms.breach('AWS/SQS', 'ApproximateNumberOfMessagesVisible', {
              QueueName: queueNameOf(arn),
            });
          return {
            error: { name: e?.errorType ?? e?.name, message: e?.errorMessage ?? e?.message },
            attempts,
            deadLettered: Boolean(queue) && fits,
            ...(fits ? {} : { destinationDeliveryFailure: true }),
          };
        })(),
      );
    const rules: (Rule & { key: string })[] = [];
    for (const [key, fn] of Object.entries(
      service.raw.functions as Record<string, { events?: any[] }>,
    )) {
      for (const [i, ev] of (fn.events ?? []).entries()) {
        if (!ev.eventBridge) continue;
        rules.push({
          key,
          name: `${key}-rule-${i + 1}`,
          pattern: resolveVariables(ev.eventBridge.pattern) as Record<string, unknown>,
          deliver: (event) => void invokeAsync(key, event),
        });
      }
    }
    const bus = eventBridge(world, () => rules);

    // Functions subscribed to a topic (serverless.yml `events: - sns:`): SNS invokes them
    // asynchronously, with Lambda's retries (Lambda developer guide, "Using Lambda with
    // Amazon SNS").
    for (const [key, fn] of Object.entries(
      service.raw.functions as Record<string, { events?: any[] }>,
    )) {
      for (const ev of fn.events ?? []) {
        if (!ev.sns) continue;
        const topicArn = String(resolveLocal(ev.sns.arn ?? ev.sns, resources));
        if (!topics.has(topicArn))
          throw new Error(`${key}: subscribed to ${topicArn}, which local mode does not provision`);
        subscriptions.push({
          topicArn,
          protocol: 'lambda',
          endpoint: functionArn(key),
          function: key,
          ...(ev.sns.filterPolicy ? { filterPolicy: checkFilterPolicy(ev.sns.filterPolicy) } : {}),
        });
      }
    }

    // A registry change emits the event SageMaker sends.
    const emitPackageChange = async (pkg: ModelPackage) => {
      const { ModelPackageArn: arn } = pkg;
      await bus.PutEvents({
        Entries: [
          {
            Source: 'aws.sagemaker',
            DetailType: 'SageMaker Model Package State Change',
            Resources: [arn],
            Detail: JSON.stringify(pkg),
          },
        ],
      });
    };

    // ---- services
    const smokeExpectations = () => {
      const map = new Map<string, unknown>();
      for (const p of Object.values(options.config.modelGroups)) {
        for (const t of p.twin.tests)
          if (t.type === 'inference-smoke') for (const i of t.inputs) map.set(i.id, i.expected);
      }
      return map;
    };
    const inferenceNames = () =>
      new Set(Object.values(options.config.modelGroups).map((p) => p.components.inference.name));
    const stateTable = Object.values(resources).find((r) => r.type === 'AWS::DynamoDB::Table')!.ref;
    const json: Record<string, Record<string, (body: any) => Promise<unknown>>> = {
      sagemaker: sagemaker(world, s3, emitPackageChange),
      states: sfn.api(),
      secretsmanager: secretsManager(world),
      sqs: sqs(world),
      events: bus,
    };
    const rest: Record<string, ReturnType<typeof compileRoutes>> = {
      lambda: compileRoutes({
        'POST /2015-03-31/functions/{name}/invocations': async () => undefined,
      }),
    };
    const query = {
      sns: sns(
        world,
        () => topics,
        () => subscriptions,
        (key, event) => void invokeAsync(key, event),
      ),
    };
    // Accounts: each account sees its own Greengrass and IoT namespaces (a view of the world
    // whose `account` is that account; stores are shared, keyed by ARNs that carry the account).
    const artifactReads = artifactReadsOf(options, derived, resources, fleet);
    // A twin account's smoke-response rule (docs/cross-account-role.yml, deployed with the
    // stack's SmokeResponsesFunctionArn) invokes recordSmokeResponse. Lambda runs it only if the
    // function's resource policy allows iot.amazonaws.com from that rule's ARN and account
    // (scripts/serverless/smoke-responses.cjs); otherwise the answer is lost, as on AWS.
    const smokeRuleOf = (account: string, answer: Record<string, unknown>) => {
      const ruleArn = `arn:aws:iot:${LOCAL_REGION}:${account}:rule/${smokeResponsesRuleName(options.config.stage)}`;
      const generated = derived.smokeResponseResources as { Resources?: Record<string, any> };
      const permissions = Object.values(generated?.Resources ?? {}).filter(
        (r) => r.Type === 'AWS::Lambda::Permission',
      );
      const allowed = permissions.some(
        (r) =>
          r.Properties.Principal === 'iot.amazonaws.com' &&
          r.Properties.SourceAccount === account &&
          String(resolveLocal(r.Properties.SourceArn, resources)) === ruleArn,
      );
      if (!allowed) {
        world.refusals.push({
          service: 'lambda',
          operation: 'Invoke',
          at: clock.now(),
          message: `iot.amazonaws.com (rule ${ruleArn}) is not allowed to invoke recordSmokeResponse: no resource policy statement for it`,
        });
        return;
      }
      void invokeAsync('recordSmokeResponse', answer);
    };
    const routesByAccount = new Map<string, Record<string, ReturnType<typeof compileRoutes>>>();
    const accountRoutes = (account: string, service: string) => {
      let routes = routesByAccount.get(account);
      if (!routes) {
        const view =
          account === LOCAL_ACCOUNT
            ? world
            : (Object.create(world, { account: { value: account } }) as World);
        routes = {
          greengrass: compileRoutes(
            greengrass(view, s3, artifactReads) as Record<string, RestHandler>,
          ),
          iot: compileRoutes(iot(view) as Record<string, RestHandler>),
          iotdata: compileRoutes(
            iotData(
              view,
              { doc: dynamo.doc, table: stateTable },
              smokeExpectations,
              inferenceNames,
              LOCAL_ACCOUNT,
              smokeRuleOf,
            ) as Record<string, RestHandler>,
          ),
        };
        routesByAccount.set(account, routes);
      }
      return routes[service] ?? rest[service]!;
    };
    const stsApi = sts(
      principals,
      configuredRoles(options.config, LOCAL_ACCOUNT, LOCAL_STAGE),
      () => clock.now(),
    );

    const approvalsApi = async (
      req: IncomingMessage,
      res: ServerResponse,
      body: Buffer,
      u: URL,
    ) => {
      const decision = /^\/approvals\/([^/]+)\/decision$/.exec(u.pathname);
      const view = /^\/approvals\/([^/]+)$/.exec(u.pathname);
      const id = decodeURIComponent((decision ?? view)?.[1] ?? '');
      const event = {
        version: '2.0',
        routeKey: decision
          ? 'POST /approvals/{id}/decision'
          : view
            ? 'GET /approvals/{id}'
            : '$default',
        rawPath: u.pathname,
        rawQueryString: u.search.slice(1),
        headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])),
        queryStringParameters: u.search ? Object.fromEntries(u.searchParams) : undefined,
        pathParameters: id ? { id } : undefined,
        requestContext: {
          http: {
            method: req.method,
            path: u.pathname,
            sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
            userAgent: req.headers['user-agent'] ?? '',
          },
          routeKey: '',
          stage: '$default',
        },
        body: body.length ? body.toString('base64') : undefined,
        isBase64Encoded: body.length > 0,
      };
      const out = (await functions.invoke('approvalApi', event)) as {
        statusCode: number;
        headers: Record<string, string>;
        body: string;
      };
      res.writeHead(out.statusCode, out.headers);
      res.end(out.body);
    };

    const lambdaInvoke = async (res: ServerResponse, name: string, body: Buffer, type: string) => {
      const key = functions.keyOfArn(decodeURIComponent(name));
      if (!key) throw new AwsError('ResourceNotFoundException', `Function not found: ${name}`, 404);
      const event = body.length ? JSON.parse(body.toString('utf8')) : {};
      if (type === 'Event') {
        void invokeAsync(key, event);
        res.writeHead(202).end();
        return;
      }
      try {
        const result = await functions.invoke(key, event);
        sendJson(res, 200, result, 'rest-json');
      } catch (error) {
        const e = error as Error & { errorType?: string; errorMessage?: string };
        const text = JSON.stringify({
          errorType: e.errorType ?? e.name,
          errorMessage: e.errorMessage ?? e.message,
        });
        res.writeHead(200, {
          'content-type': 'application/json',
          'x-amz-function-error': 'Unhandled',
        });
        res.end(text);
      }
    };

    dispatch = (req, res) => {
      void (async () => {
        const u = new URL(req.url ?? '/', url);
        const service = signingService(req);
        const internalCall = req.headers['x-emulator-internal'] === '1';
        if (!service) {
          const body = await readBody(req);
          if (u.pathname.startsWith('/approvals/')) return approvalsApi(req, res, body, u);
          if (u.pathname.startsWith('/_emulator/')) {
            try {
              return sendJson(
                res,
                200,
                await admin(
                  req.method ?? 'GET',
                  u.pathname.slice('/_emulator/'.length),
                  body.length ? JSON.parse(body.toString('utf8')) : {},
                ),
                'rest-json',
              );
            } catch (error) {
              return sendJson(res, 400, { message: (error as Error).message }, 'rest-json');
            }
          }
          return sendJson(res, 404, { message: 'not an AWS request' }, 'rest-json');
        }
        // The emulator's own clients act as AWS itself (no IAM); everyone else is a caller.
        const caller: Caller | { invalid: string } | undefined = internalCall
          ? undefined
          : principals.callerOf(req);
        if (caller && 'invalid' in caller)
          return sendDenied(
            res,
            service,
            caller.invalid,
            service === 's3' ? 'InvalidAccessKeyId' : 'UnrecognizedClientException',
            403,
          );
        if (service === 'dynamodb' || service === 's3') {
          const call = {
            service,
            operation:
              service === 'dynamodb'
                ? String(req.headers['x-amz-target'] ?? '')
                    .split('.')
                    .pop()!
                : `${req.method} object`,
            at: clock.now(),
            status: 0,
          };
          if (!internalCall) world.calls.push(call);
          let forwarded: IncomingMessage = req;
          if (caller?.kind === 'role') {
            // DynamoDB names its table in the body: read it, then replay it to dynalite.
            const body = service === 'dynamodb' ? await readBody(req) : Buffer.alloc(0);
            if (service === 'dynamodb')
              forwarded = Object.assign(Readable.from(body.length ? [body] : []), {
                headers: req.headers,
                method: req.method,
                url: req.url,
              }) as unknown as IncomingMessage;
            const refusal = await refusalOf(
              caller,
              {
                service,
                operation: call.operation,
                input: body.length ? JSON.parse(body.toString('utf8')) : {},
                s3: {
                  method: req.method ?? 'GET',
                  path: u.pathname,
                  query: u.searchParams,
                  copySource: req.headers['x-amz-copy-source'] as string | undefined,
                },
              },
              LOCAL_REGION,
            );
            if (refusal) {
              call.status = 403;
              world.refusals.push({ ...call, message: refusal.message });
              return sendDenied(res, service, refusal.message);
            }
          }
          return service === 'dynamodb'
            ? backends.dynamodb(forwarded, res)
            : backends.s3(forwarded, res);
        }
        const target = TARGETS[service];
        const protocol = target?.protocol ?? 'rest-json';
        const body = await readBody(req);
        let operation = `${req.method} ${u.pathname}`;
        try {
          if (!target)
            throw new AwsError(
              'UnknownOperationException',
              `The emulator does not implement ${service}`,
              400,
            );
          let run: () => Promise<void>;
          let authRequest: ApiRequest = { service, operation, input: {} };
          if (protocol === 'json') {
            operation = String(req.headers['x-amz-target'] ?? '').slice(target.prefix!.length);
            const fn = json[service]?.[operation];
            if (!fn)
              throw new AwsError(
                'UnknownOperationException',
                `${service}.${operation} is not implemented by the emulator`,
              );
            const input = body.length ? JSON.parse(body.toString('utf8')) : {};
            authRequest = { service, operation, input };
            run = async () =>
              sendJson(res, 200, checkedResponse(service, operation, await fn(input)), 'json');
          } else if (protocol === 'query') {
            const form = new URLSearchParams(body.toString('utf8'));
            operation = form.get('Action') ?? '';
            const stsCall =
              service === 'sts' ? stsApi[operation as keyof typeof stsApi] : undefined;
            const fn = (
              query as Record<string, Record<string, (f: URLSearchParams) => Promise<string>>>
            )[service]?.[operation];
            if (!fn && !stsCall)
              throw new AwsError(
                'InvalidAction',
                `${operation} is not implemented by the emulator`,
              );
            authRequest = { service, operation, input: Object.fromEntries(form) };
            run = stsCall
              ? async () => {
                  // STS evaluates the caller's policy and the role's trust policy itself.
                  const out = await stsCall(caller ?? (principals.callerOf(req) as Caller), form);
                  if ('xml' in out) return sendXml(res, 200, out.xml);
                  const last = world.calls.at(-1);
                  if (last?.operation === operation) last.status = 403;
                  world.refusals.push({ service, operation, at: clock.now(), message: out.denied });
                  sendDenied(res, 'sts', out.denied);
                }
              : async () => sendXml(res, 200, await fn!(form));
          } else {
            const path = u.pathname;
            // Greengrass and IoT resources belong to the caller's account.
            const routes = accountRoutes(caller?.account ?? LOCAL_ACCOUNT, service);
            const route = routes.find((r) => r.method === req.method && r.regex.test(path));
            if (!route)
              throw new AwsError(
                'UnknownOperationException',
                `${req.method} ${path} is not implemented by the emulator`,
                404,
              );
            operation = OPERATION_NAMES[route.key] ?? route.key;
            const m = route.regex.exec(path)!;
            const params = Object.fromEntries(
              route.names.map((n, i) => [n, decodeURIComponent(m[i + 1]!)]),
            );
            authRequest = {
              service,
              operation,
              input: service === 'iotdata' || !body.length ? {} : JSON.parse(body.toString('utf8')),
              params,
            };
            if (service === 'lambda') {
              run = () =>
                lambdaInvoke(
                  res,
                  params.name!,
                  body,
                  String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse'),
                );
            } else {
              const input =
                service === 'iotdata' ? body : body.length ? JSON.parse(body.toString('utf8')) : {};
              run = async () =>
                sendJson(
                  res,
                  CREATED.has(route.key) ? 201 : 200,
                  checkedResponse(
                    service,
                    operation,
                    await route.handler(input, params, u.searchParams),
                  ),
                  'rest-json',
                );
            }
          }
          const call = { service, operation, at: clock.now(), status: 200 };
          if (!internalCall) world.calls.push(call);
          if (caller?.kind === 'role' && service !== 'sts') {
            const refusal = await refusalOf(caller, authRequest, LOCAL_REGION);
            if (refusal) {
              call.status = 403;
              world.refusals.push({ ...call, message: refusal.message });
              return sendDenied(res, service, refusal.message);
            }
          }
          // The operation's documented constraints, from AWS's service model (validate.ts).
          validateCall(service, protocol, operation, {
            method: req.method!,
            url: u,
            headers: req.headers,
            body,
          });
          // A simulated outage of one operation: every call fails until it is cleared.
          if (
            !internalCall &&
            world.options.failingOperations.includes(`${service}.${operation}`)
          ) {
            const outage = faultError(
              service,
              operation,
              'server',
              `${service}.${operation} is unavailable (simulated outage)`,
            );
            call.status = outage.status;
            throw outage;
          }
          // Injected faults: throttling or a 5xx before the work, or a 5xx after it (the
          // answer is lost, the side effect happened): what retries must survive.
          const loseAnswer =
            !internalCall && world.options.lostAnswerOperations.includes(`${service}.${operation}`);
          if (
            loseAnswer ||
            (!internalCall &&
              world.options.apiFaultRate > 0 &&
              faults() < world.options.apiFaultRate)
          ) {
            const kind = loseAnswer ? 1 : faults();
            // The operation's modelled throttling and server errors (faults.ts).
            const injected = (k: 'throttle' | 'server', message: string) => {
              const e = faultError(service, operation, k, message, faults());
              call.status = e.status;
              return e;
            };
            if (kind < 0.4) throw injected('throttle', 'Rate exceeded (injected)');
            if (kind < 0.7) throw injected('server', 'Internal error (injected)');
            const sink = {
              writeHead: () => sink,
              end: () => undefined,
              setHeader: () => undefined,
            } as unknown as ServerResponse;
            const realRes = res;
            res = sink;
            await run().catch(() => undefined);
            res = realRes;
            throw injected('server', 'Internal error after processing (injected)');
          }
          await run();
        } catch (error) {
          const e =
            error instanceof AwsError
              ? error
              : new AwsError(
                  protocol === 'json' ? 'InternalFailure' : 'InternalServerException',
                  (error as Error).message,
                  500,
                );
          const last = world.calls.at(-1);
          if (last && last.operation === operation) last.status = e.status;
          sendError(res, protocol, e);
        }
      })();
    };

    const seed = async (event: { detail: Record<string, unknown> }) => {
      const d = event.detail as ModelPackage & {
        InferenceSpecification?: { Containers?: { ModelDataUrl?: string }[] };
      };
      const arn =
        d.ModelPackageArn ?? modelPackageArn(world, d.ModelPackageGroupName, d.ModelPackageVersion);
      world.modelPackages.set(arn, { ...d, ModelPackageArn: arn });
      for (const c of d.InferenceSpecification?.Containers ?? []) {
        if (c.ModelDataUrl) {
          const bucket = /^s3:\/\/([^/]+)\//.exec(c.ModelDataUrl)?.[1];
          if (bucket) await s3.createBucket(bucket);
          await s3.put(c.ModelDataUrl, 'trained model (local mode)');
        }
      }
      for (const profile of Object.values(options.config.modelGroups)) {
        const uri = profile.components.inference.artifactUri;
        const bucket = /^s3:\/\/([^/]+)\//.exec(uri)?.[1];
        if (bucket) await s3.createBucket(bucket);
        if (!(await s3.exists(uri))) await s3.put(uri, 'inference code (local mode)');
      }
    };

    // ---- emulator controls (no AWS signature): what simulate and tests drive it with
    const admin = async (method: string, path: string, body: any): Promise<unknown> => {
      if (path === 'health')
        return { ok: true, stateMachineArn: machine.arn, configFile: resolve(options.configFile) };
      if (path === 'seed' && method === 'POST') {
        await seed(body.event);
        return { seeded: body.event?.detail?.ModelPackageArn };
      }
      if (path === 'deliver' && method === 'POST') {
        // At-least-once delivery: the same event (same id) through every matching rule.
        const deliveries = [];
        for (let i = 0; i < Math.max(1, Number(body.times ?? 1)); i++) {
          for (const rule of rules) {
            if (matchesPattern(body.event, rule.pattern))
              deliveries.push({ rule: rule.name, ...(await invokeAsync(rule.key, body.event)) });
          }
        }
        return { deliveries };
      }
      if (path === 'options' && method === 'POST') return applyEmulatorOptions(world, body);
      if (path === 'options' && method === 'GET')
        return { ...world.options, ...world.fleet.options };
      if (path === 'devices' && method === 'POST') return deviceControl(world, body, clock.now());
      if (path === 'devices' && method === 'GET')
        return fleetReport(
          world,
          (thing) => installedComponents(world, thing),
          (thing) => crashedComponents(world, thing),
        );
      if (path === 'state' && method === 'GET') {
        return {
          now: new Date(clock.now()).toISOString(),
          calls: world.callCounts(),
          callsTotal: world.calls.length,
          faults: world.calls.filter((c) => c.status >= 400).length,
          refusals: world.refusals,
          alarms: { undeliverable: alarms.undeliverable, dropped: alarms.dropped },
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
        };
      }
      throw new Error(`unknown emulator control ${method} ${path}`);
    };

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
      pending,
    );
    (emulator as unknown as { backends: typeof backends }).backends = backends;
    emulator.credentialsOf = (key) => {
      const env = functionCredentials[key];
      if (!env) throw new Error(`serverless.yml declares no function ${key} with a role`);
      return {
        accessKeyId: env.AWS_ACCESS_KEY_ID,
        secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
        sessionToken: env.AWS_SESSION_TOKEN,
      };
    };
    return emulator;
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
    for (const execution of this.sfn.executions.values()) execution.abort?.();
    await this.functions.close();
    const closed = new Promise<void>((ok) => this.server.close(() => ok()));
    this.server.closeAllConnections();
    await closed;
  }
}

export { LOCAL_STAGE };
