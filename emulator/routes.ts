import type { IncomingMessage } from 'node:http';
import type { Protocol } from './http';

/** The wire protocol of each service the emulator speaks, and the JSON target prefix. */
export const TARGETS: Record<string, { protocol: Protocol; prefix?: string }> = {
  sagemaker: { protocol: 'json', prefix: 'SageMaker.' },
  states: { protocol: 'json', prefix: 'AWSStepFunctions.' },
  secretsmanager: { protocol: 'json', prefix: 'secretsmanager.' },
  sqs: { protocol: 'json', prefix: 'AmazonSQS.' },
  events: { protocol: 'json', prefix: 'AWSEvents.' },
  monitoring: { protocol: 'json', prefix: 'GraniteServiceVersion20100801.' },
  greengrass: { protocol: 'rest-json' },
  iot: { protocol: 'rest-json' },
  iotdata: { protocol: 'rest-json' },
  lambda: { protocol: 'rest-json' },
  sns: { protocol: 'query' },
  sts: { protocol: 'query' },
};

/** REST routes that answer 201 Created. */
export const CREATED = new Set([
  'POST /greengrass/v2/createComponentVersion',
  'POST /greengrass/v2/deployments',
]);

/** REST routes by their API operation name, for call counts that read like the API. */
export const OPERATION_NAMES: Record<string, string> = {
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
  'GET /thing-groups/{thingGroupName}/things': 'ListThingsInThingGroup',
  'GET /endpoint': 'DescribeEndpoint',
  'POST /things': 'RegisterThing',
  'POST /topics/{topic}': 'Publish',
  'POST /2015-03-31/functions/{name}/invocations': 'Invoke',
};

/** The service a request was signed for, from its SigV4 credential scope. */
export const signingService = (req: IncomingMessage): string | undefined =>
  /Credential=[^/]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request/.exec(
    req.headers.authorization ?? '',
  )?.[1] ??
  // A presigned URL carries its credential scope in the query (X-Amz-Credential).
  /^[^/]+\/\d{8}\/[^/]+\/([^/]+)\/aws4_request$/.exec(
    new URL(req.url ?? '/', 'http://x').searchParams.get('X-Amz-Credential') ?? '',
  )?.[1];

export type RestHandler = (
  body: any,
  params: Record<string, string>,
  query: URLSearchParams,
) => Promise<unknown>;

export type RestRoute = {
  key: string;
  method: string;
  regex: RegExp;
  names: string[];
  handler: RestHandler;
  literal: number;
};

/** `METHOD /path/{param}` routes as matchers, the most specific (longest literal part) first. */
export const compileRoutes = (routes: Record<string, RestHandler>): RestRoute[] =>
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
