import { GreengrassV2Client } from '@aws-sdk/client-greengrassv2';
import { IoTClient } from '@aws-sdk/client-iot';
import { IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { S3Client } from '@aws-sdk/client-s3';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { SFNClient, type SFNClientConfig } from '@aws-sdk/client-sfn';
import { optionalEnv } from './env';

/**
 * SDK client factories. Handlers call them once at module scope, so connections are
 * reused across invocations, and hand the clients to the core as dependencies (tests
 * hand in clients that aws-sdk-client-mock intercepts). One factory per client keeps
 * each bundle to the clients its function really uses.
 *
 * Endpoints: the SDK itself honours `AWS_ENDPOINT_URL` and `AWS_ENDPOINT_URL_<SERVICE>`,
 * which is how local mode points unchanged clients at the emulator.
 */
export type ClientOptions = {
  region?: string;
  /** Credentials of an assumed role, for cross-account targets. */
  credentials?: SFNClientConfig['credentials'];
};

export const awsRegion = (): string =>
  optionalEnv('AWS_REGION') ?? optionalEnv('AWS_DEFAULT_REGION') ?? 'us-east-1';

const base = (options: ClientOptions) => ({
  region: options.region ?? awsRegion(),
  ...(options.credentials ? { credentials: options.credentials } : {}),
});

export const sagemakerClient = (options: ClientOptions = {}) => new SageMakerClient(base(options));
export const greengrassClient = (options: ClientOptions = {}) =>
  new GreengrassV2Client(base(options));
export const iotClient = (options: ClientOptions = {}) => new IoTClient(base(options));
export const sfnClient = (options: ClientOptions = {}) => new SFNClient(base(options));
/** Path-style addressing when an endpoint override is set: local S3 servers need it. */
export const s3Client = (options: ClientOptions = {}) =>
  new S3Client({
    ...base(options),
    forcePathStyle: Boolean(optionalEnv('AWS_ENDPOINT_URL_S3') ?? optionalEnv('AWS_ENDPOINT_URL')),
  });
export const iotDataClient = (options: ClientOptions = {}) => new IoTDataPlaneClient(base(options));
export const lambdaClient = (options: ClientOptions = {}) => new LambdaClient(base(options));
