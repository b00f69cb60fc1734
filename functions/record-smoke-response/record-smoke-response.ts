import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { classifyAwsError } from '../shared/errors';
import { smokePartitionKey, smokeSortKey } from '../shared/smoke-contract';
import { parseInput } from '../shared/validate';
import * as z from '../shared/zod-mini';

/** What the twin account's rule passes on: the device's answer, `runId` taken from the topic. */
const SmokeResponseInput = z.object({
  runId: z.string().check(z.minLength(1), z.maxLength(128)),
  requestId: z.string().check(z.minLength(1), z.maxLength(128)),
  thingName: z.string().check(z.regex(/^[a-zA-Z0-9:_-]{1,128}$/)),
  output: z.unknown(),
  latencyMs: z.number().check(z.gte(0)),
});
export type RecordSmokeResponseInput = z.input<typeof SmokeResponseInput>;

/**
 * Stores one smoke-test answer from a twin in another account exactly where the pipeline
 * account's own rule would (functions/shared/smoke-contract.ts), so run-twin-tests reads both
 * alike. A repeated delivery overwrites the same item.
 */
export const recordSmokeResponse = async (
  rawInput: RecordSmokeResponseInput,
  deps: { store: { dynamo: DynamoDBDocumentClient; table: string } },
) => {
  const answer = parseInput(SmokeResponseInput, rawInput);
  try {
    await deps.store.dynamo.send(
      new PutCommand({
        TableName: deps.store.table,
        Item: {
          pk: smokePartitionKey(answer.runId),
          sk: smokeSortKey(answer.thingName, answer.requestId),
          ...answer,
        },
      }),
    );
  } catch (error) {
    throw classifyAwsError(error, `storing smoke answer ${answer.requestId}`);
  }
  return { stored: true };
};
