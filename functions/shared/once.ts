import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/**
 * Side effects with no natural idempotency key (notifications) run at most once per
 * `key`, through Powertools idempotency records in the state table. A crash mid-way
 * leaves an in-progress record that expires, so the effect is retried, not lost.
 */
export type OnceStore = { client: DynamoDBClient; table: string };

export const onceByKey = <A extends { key: string }, R>(
  fn: (args: A) => Promise<R>,
  store: OnceStore,
  scope: string,
) =>
  makeIdempotent(fn, {
    persistenceStore: new DynamoDBPersistenceLayer({
      tableName: store.table,
      keyAttr: 'pk',
      sortKeyAttr: 'sk',
      staticPkValue: `once#${scope}`,
      expiryAttr: 'expiresAt',
      awsSdkV3Client: store.client,
    }),
    config: new IdempotencyConfig({ eventKeyJmesPath: 'key', expiresAfterSeconds: 90 * 24 * 3600 }),
  });
