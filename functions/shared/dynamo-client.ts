import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { awsRegion } from './clients';

/**
 * DynamoDB clients, apart from clients.ts: the SDK ships CommonJS bundles that esbuild cannot
 * tree-shake, so only functions that use the state table should import them.
 */
export const dynamoClient = () => new DynamoDBClient({ region: awsRegion() });
/** Plain JS values in and out; undefined attributes are dropped rather than refused. */
export const documentClient = (client = dynamoClient()) =>
  DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
