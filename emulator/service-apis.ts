import type { StageConfig } from '../functions/shared/stage-config/schema';
import type { dynamoBackend, S3Backend } from './backends';
import type { Principals } from './iam/principals';
import { configuredRoles, sts } from './iam/sts';
import { LOCAL_ACCOUNT, LOCAL_STAGE, type LocalResource } from './local-stage';
import type { ClosedLoop } from './loop';
import { compileRoutes, type RestHandler, type RestRoute } from './routes';
import type { eventBridge } from './services/events';
import { type ArtifactReads, greengrass } from './services/greengrass';
import { iot } from './services/iot';
import { iotData, type SmokeExpectations } from './services/iot-data';
import { iotRegistry } from './services/iot-registry';
import { sagemaker } from './services/sagemaker';
import { secretsManager } from './services/secrets';
import type { StepFunctions } from './services/sfn';
import { type SnsSubscription, sns } from './services/sns';
import { sqs } from './services/sqs';
import type { ModelPackage, World } from './world';

/** The operations of each service, by protocol (see routes.ts for which service speaks which). */
export type ServiceApis = {
  /** `origin` is the emulator's address as the caller reached it (its Host header). */
  json: Record<
    string,
    Record<string, (body: any, request: { origin: string }) => Promise<unknown>>
  >;
  query: Record<string, Record<string, (form: URLSearchParams) => Promise<string>>>;
  sts: ReturnType<typeof sts>;
  /** REST routes as the given account sees them. */
  restRoutes: (account: string, service: string) => RestRoute[];
};

type ServiceDeps = {
  world: World;
  config: StageConfig;
  resources: Record<string, LocalResource>;
  s3: S3Backend;
  dynamo: ReturnType<typeof dynamoBackend>;
  sfn: StepFunctions;
  bus: ReturnType<typeof eventBridge>;
  principals: Principals;
  topics: Set<string>;
  subscriptions: SnsSubscription[];
  artifactReads: ArtifactReads;
  invokeAsync: (key: string, event: unknown) => void;
  answerSmokeElsewhere: (account: string, answer: Record<string, unknown>) => void;
  /** Capture, drift metrics and retraining (emulator/loop.ts): CloudWatch and SageMaker Pipelines. */
  loop: Pick<ClosedLoop, 'sagemaker' | 'cloudwatch'>;
};

/** A registry change emits the event SageMaker sends. */
export const packageChangeEmitter =
  (bus: ReturnType<typeof eventBridge>) =>
  async (pkg: ModelPackage): Promise<void> => {
    await bus.PutEvents({
      Entries: [
        {
          Source: 'aws.sagemaker',
          DetailType: 'SageMaker Model Package State Change',
          Resources: [pkg.ModelPackageArn],
          Detail: JSON.stringify(pkg),
        },
      ],
    });
  };

/** The expected answer of every inference smoke input of the stage configuration, by input id. */
const smokeExpectationsOf = (config: StageConfig): SmokeExpectations => {
  const map: SmokeExpectations = new Map();
  for (const p of Object.values(config.modelGroups)) {
    for (const t of p.twin.tests)
      if (t.type === 'inference-smoke') for (const i of t.inputs) map.set(i.id, i.expected);
  }
  return map;
};

/** The AWS services the emulator implements, wired to its world and to each other. */
export const serviceApis = (deps: ServiceDeps): ServiceApis => {
  const { world, config, s3, bus } = deps;
  const emitPackageChange = packageChangeEmitter(bus);
  const inferenceNames = () =>
    new Set(Object.values(config.modelGroups).map((p) => p.components.inference.name));
  const stateTable = Object.values(deps.resources).find(
    (r) => r.type === 'AWS::DynamoDB::Table',
  )!.ref;
  const rest: Record<string, RestRoute[]> = {
    lambda: compileRoutes({
      'POST /2015-03-31/functions/{name}/invocations': async () => undefined,
    }),
  };
  // Accounts: each account sees its own Greengrass and IoT namespaces (a view of the world
  // whose `account` is that account; stores are shared, keyed by ARNs that carry the account).
  const routesByAccount = new Map<string, Record<string, RestRoute[]>>();
  const restRoutes = (account: string, service: string) => {
    let routes = routesByAccount.get(account);
    if (!routes) {
      const view =
        account === LOCAL_ACCOUNT
          ? world
          : (Object.create(world, { account: { value: account } }) as World);
      routes = {
        greengrass: compileRoutes(
          greengrass(view, s3, deps.artifactReads) as Record<string, RestHandler>,
        ),
        iot: compileRoutes({ ...iot(view), ...iotRegistry(view) } as Record<string, RestHandler>),
        iotdata: compileRoutes(
          iotData(
            view,
            { doc: deps.dynamo.doc, table: stateTable },
            () => smokeExpectationsOf(config),
            inferenceNames,
            LOCAL_ACCOUNT,
            deps.answerSmokeElsewhere,
          ) as Record<string, RestHandler>,
        ),
      };
      routesByAccount.set(account, routes);
    }
    return routes[service] ?? rest[service]!;
  };
  return {
    json: {
      sagemaker: { ...sagemaker(world, s3, emitPackageChange), ...deps.loop.sagemaker },
      monitoring: deps.loop.cloudwatch,
      states: deps.sfn.api(),
      secretsmanager: secretsManager(world),
      sqs: sqs(world),
      events: bus,
    },
    query: {
      sns: sns(
        world,
        () => deps.topics,
        () => deps.subscriptions,
        deps.invokeAsync,
      ),
    } as ServiceApis['query'],
    sts: sts(deps.principals, configuredRoles(config, LOCAL_ACCOUNT, LOCAL_STAGE), () =>
      world.clock.now(),
    ),
    restRoutes,
  };
};
