import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { smokePartitionKey, smokeSortKey } from '../../functions/shared/smoke-contract';
import type { ComponentSpec } from '../fleet';
import { uniform } from '../random';
import type { World } from '../world';

/**
 * AWS IoT data plane (REST JSON): Publish. Plays the device side of the inference smoke
 * test (functions/shared/smoke-contract.ts): a twin device whose inference component is
 * RUNNING answers each request on its own account's endpoint, where that account's rule takes
 * it: in the pipeline's account the stack's SmokeResponsesRule stores it; in a twin account the
 * rule of docs/cross-account-role.yml hands it to recordSmokeResponse (`answerElsewhere`),
 * which only a matching Lambda permission of the stack lets through.
 */
export type SmokeExpectations = Map<string, unknown>;

const REQUEST = /^edge-mlops\/smoke\/request\/([^/]+)\/([^/]+)$/;

export const iotData = (
  world: World,
  store: { doc: DynamoDBDocumentClient; table: string },
  expectations: () => SmokeExpectations,
  inferenceComponents: () => Set<string>,
  pipelineAccount: string,
  answerElsewhere: (account: string, answer: Record<string, unknown>) => void,
) => ({
  'POST /topics/{topic}': async (body: unknown, params: Record<string, string>) => {
    const topic = decodeURIComponent(params.topic!);
    const match = REQUEST.exec(topic);
    if (!match) return {};
    const [, thing, runId] = match;
    // A publish reaches only devices of this account: each account has its own device data
    // endpoint (AWS IoT Core developer guide, "AWS IoT device data and service endpoints"),
    // and a device connects to its own account's.
    if (world.fleet.accountOf(thing!) !== world.account) return {};
    const request = JSON.parse(
      Buffer.isBuffer(body) ? body.toString('utf8') : JSON.stringify(body),
    ) as { requestId: string };
    const installed: Record<string, ComponentSpec> = world.fleet.installedOn(
      thing!,
      world.clock.now(),
    );
    if (!Object.keys(installed).some((name) => inferenceComponents().has(name))) return {};
    const expected = expectations().get(request.requestId);
    const wrong =
      world.options.badModel &&
      uniform(world.options.seed, 'answer', thing!, request.requestId) < 0.8;
    const latencyMs = Math.round(
      40 +
        uniform(world.options.seed, 'latency', thing!, request.requestId) *
          (world.options.badModel ? 300 : 90),
    );
    const answer = {
      runId,
      requestId: request.requestId,
      thingName: thing,
      output: wrong ? 'unknown' : expected,
      latencyMs,
    };
    // The device answers after its inference; its account's IoT rule takes the answer.
    const deliver = () => {
      if (world.account !== pipelineAccount) return answerElsewhere(world.account, answer);
      void store.doc
        .send(
          new PutCommand({
            TableName: store.table,
            Item: {
              pk: smokePartitionKey(runId!),
              sk: smokeSortKey(thing!, request.requestId),
              ...answer,
            },
          }),
        )
        .catch(() => undefined);
    };
    // On the clock, as every simulated delay: the time warp sees it as the next thing due.
    world.clock.timer(latencyMs, deliver);
    return {};
  },
});
