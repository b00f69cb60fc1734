import { mkdirSync } from 'node:fs';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import S3rver from 's3rver';

/**
 * DynamoDB and S3 come from well-kept local implementations (dynalite, s3rver), mounted
 * behind the emulator's single port: their request handlers are called directly, so
 * clients see one endpoint for every service.
 */
export type Backends = {
  dynamodb: RequestListener;
  s3: RequestListener;
  close: () => Promise<void>;
};

export const startBackends = async (stateDir: string): Promise<Backends> => {
  const dynamo = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const dynamoListener = dynamo.listeners('request')[0] as RequestListener;
  const s3Dir = join(stateDir, 's3');
  mkdirSync(s3Dir, { recursive: true });
  const s3 = new S3rver({
    directory: s3Dir,
    silent: true,
    allowMismatchedSignatures: true,
    configureBuckets: [],
  });
  const s3Listener = s3.callback() as RequestListener;
  return {
    dynamodb: dynamoListener,
    // s3rver knows one access key; signatures are not checked locally, so any key is mapped to it.
    s3: (req: IncomingMessage, res: ServerResponse) => {
      const auth = req.headers.authorization;
      if (auth)
        req.headers.authorization = auth.replace(/Credential=[^/]+\//, 'Credential=S3RVER/');
      // A presigned URL carries its key in the query (X-Amz-Credential): mapped the same way.
      else if (req.url?.includes('X-Amz-Credential='))
        req.url = req.url.replace(/X-Amz-Credential=[^%&/]+(%2F|\/)/, 'X-Amz-Credential=S3RVER$1');
      s3Listener(req, res);
    },
    close: async () => undefined,
  };
};

/** The emulator's own view of S3, for what AWS services do on their side (Neo output). */
export type S3Backend = {
  exists: (uri: string) => Promise<boolean>;
  put: (uri: string, body: string | Uint8Array) => Promise<void>;
  get: (uri: string) => Promise<string | undefined>;
  /** The object's bytes, undefined when there is none. */
  getBytes: (uri: string) => Promise<Uint8Array | undefined>;
  createBucket: (name: string) => Promise<void>;
};

const split = (uri: string) => {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!m) throw new Error(`not an s3:// URI: ${uri}`);
  return { Bucket: m[1]!, Key: m[2]! };
};

/** Marks a client's requests as the emulator's own: no injected faults, not counted. */
export const internal = <C extends { middlewareStack: { add: (...a: any[]) => void } }>(
  client: C,
): C => {
  client.middlewareStack.add(
    (next: (args: any) => any) => (args: any) => {
      args.request.headers['x-emulator-internal'] = '1';
      return next(args);
    },
    { step: 'build', name: 'emulatorInternal' },
  );
  return client;
};

const localClientConfig = (endpoint: string) => ({
  endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'emulator', secretAccessKey: 'emulator' },
});

export const s3Backend = (endpoint: string): S3Backend => {
  const client = internal(new S3Client({ ...localClientConfig(endpoint), forcePathStyle: true }));
  return {
    exists: async (uri) => {
      try {
        await client.send(new HeadObjectCommand(split(uri)));
        return true;
      } catch {
        return false;
      }
    },
    put: async (uri, body) => {
      await client.send(new PutObjectCommand({ ...split(uri), Body: body }));
    },
    get: async (uri) => {
      try {
        const out = await client.send(new GetObjectCommand(split(uri)));
        return await out.Body?.transformToString();
      } catch {
        return undefined;
      }
    },
    getBytes: async (uri) => {
      try {
        const out = await client.send(new GetObjectCommand(split(uri)));
        return await out.Body?.transformToByteArray();
      } catch {
        return undefined;
      }
    },
    createBucket: async (name) => {
      try {
        await client.send(new CreateBucketCommand({ Bucket: name }));
      } catch (error) {
        if (
          (error as Error).name !== 'BucketAlreadyOwnedByYou' &&
          (error as Error).name !== 'BucketAlreadyExists'
        )
          throw error;
      }
    },
  };
};

export const dynamoBackend = (endpoint: string) => {
  const client = internal(new DynamoDBClient(localClientConfig(endpoint)));
  return {
    client,
    doc: DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } }),
    /** Tables as serverless.yml declares them (pk/sk string keys are what we use). */
    createTable: async (name: string, keys: { name: string; type: 'HASH' | 'RANGE' }[]) => {
      try {
        await client.send(
          new CreateTableCommand({
            TableName: name,
            BillingMode: 'PAY_PER_REQUEST',
            AttributeDefinitions: keys.map((k) => ({ AttributeName: k.name, AttributeType: 'S' })),
            KeySchema: keys.map((k) => ({ AttributeName: k.name, KeyType: k.type })),
          }),
        );
      } catch (error) {
        if ((error as Error).name !== 'ResourceInUseException') throw error;
      }
    },
  };
};
