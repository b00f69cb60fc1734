import { createHash } from 'node:crypto';
import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { type SageMakerClient, StartPipelineExecutionCommand } from '@aws-sdk/client-sagemaker';
import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { writeIf } from '../shared/conditional-write';
import { classifyAwsError } from '../shared/errors';

export const DRIFT_EVENT_SOURCE = 'edge-mlops.drift';
export const RETRAINING_STARTED = 'Model Retraining Started';
export const DRIFT_DETECTED = 'Model Drift Detected';

export type RetrainingDeps = {
  sagemaker: SageMakerClient;
  events: EventBridgeClient;
  store: { dynamo: DynamoDBDocumentClient; table: string };
};

export type RetrainingOutcome =
  | { status: 'started'; executionArn: string; pipelineName: string }
  | { status: 'cooldown'; lastStartedAt: string; windowId: string }
  | { status: 'not-configured' };

/**
 * SageMaker StartPipelineExecution's ClientRequestToken (32–128 characters, "an idempotent
 * operation completes no more than once": SageMaker API reference) derived from the model
 * group and the window: a retry of the window starts nothing new.
 */
export const retrainingToken = (modelGroup: string, windowId: string) =>
  `edge-mlops-drift-${createHash('sha256').update(`${modelGroup}#${windowId}`).digest('hex').slice(0, 40)}`;

const putEvent = async (
  events: EventBridgeClient,
  detailType: string,
  detail: Record<string, unknown>,
) => {
  // PutEvents reports failed entries in its answer, not as an error (EventBridge API
  // reference, PutEvents: FailedEntryCount).
  const out = await events
    .send(
      new PutEventsCommand({
        Entries: [
          { Source: DRIFT_EVENT_SOURCE, DetailType: detailType, Detail: JSON.stringify(detail) },
        ],
      }),
    )
    .catch((error) => {
      throw classifyAwsError(error, 'PutEvents');
    });
  if (out.FailedEntryCount) {
    const e = out.Entries?.[0];
    throw classifyAwsError(
      Object.assign(new Error(e?.ErrorMessage ?? 'entry refused'), {
        name: e?.ErrorCode ?? 'Error',
      }),
      'PutEvents',
    );
  }
};

/**
 * Starts retraining of a model group for a drifted window, at most once per window and
 * never within the cooldown after the last start. The claim in the state table
 * (`drift#<group>`, `retraining`) comes first; the start and the event follow, and a retry
 * of the same window passes the claim again and repeats them: the token keeps the
 * execution single, the event carries the window for consumers that deduplicate. Only a
 * start that happened (the claim's window has its execution, `startedWindow`) holds the cooldown.
 */
export const startRetraining = async (
  deps: RetrainingDeps,
  request: {
    modelGroup: string;
    windowId: string;
    nowMs: number;
    cooldownHours: number;
    pipeline?: { pipelineName: string; parameters: Record<string, string> };
    fleets: { fleet: string; score: number; consecutive: number }[];
  },
): Promise<RetrainingOutcome> => {
  const { modelGroup, windowId, nowMs, pipeline } = request;
  const detail = { modelGroup, windowId, fleets: request.fleets };
  if (!pipeline) {
    await putEvent(deps.events, DRIFT_DETECTED, detail);
    return { status: 'not-configured' };
  }
  const Key = { pk: `drift#${modelGroup}`, sk: 'retraining' };
  const cooldownEdge = new Date(nowMs - request.cooldownHours * 3_600_000).toISOString();
  const claimed = await writeIf(
    () =>
      deps.store.dynamo.send(
        new UpdateCommand({
          TableName: deps.store.table,
          Key,
          // A claim whose window never got its execution (startedWindow, set after the
          // start) is a start that failed: it holds no cooldown, and this window takes it over.
          UpdateExpression: 'SET windowId = :w, startedAt = :now, pipelineName = :p',
          ConditionExpression:
            'attribute_not_exists(startedAt) OR windowId = :w OR startedAt <= :edge OR attribute_not_exists(startedWindow) OR startedWindow <> windowId',
          ExpressionAttributeValues: {
            ':w': windowId,
            ':now': new Date(nowMs).toISOString(),
            ':edge': cooldownEdge,
            ':p': pipeline.pipelineName,
          },
        }),
      ),
    'UpdateItem retraining claim',
  );
  if (!claimed) {
    const last = await deps.store.dynamo
      .send(new GetCommand({ TableName: deps.store.table, Key, ConsistentRead: true }))
      .catch((error) => {
        throw classifyAwsError(error, 'GetItem retraining claim');
      });
    return {
      status: 'cooldown',
      lastStartedAt: String(last.Item?.startedAt),
      windowId: String(last.Item?.windowId),
    };
  }
  const started = await deps.sagemaker
    .send(
      new StartPipelineExecutionCommand({
        PipelineName: pipeline.pipelineName,
        ClientRequestToken: retrainingToken(modelGroup, windowId),
        PipelineExecutionDescription: `edge-mlops: drift of ${modelGroup} in window ${windowId}`,
        PipelineParameters: Object.entries(pipeline.parameters).map(([Name, Value]) => ({
          Name,
          Value,
        })),
      }),
    )
    .catch((error) => {
      throw classifyAwsError(error, `StartPipelineExecution ${pipeline.pipelineName}`);
    });
  const executionArn = String(started.PipelineExecutionArn);
  await writeIf(
    () =>
      deps.store.dynamo.send(
        new UpdateCommand({
          TableName: deps.store.table,
          Key,
          UpdateExpression: 'SET executionArn = :e, startedWindow = :w',
          ConditionExpression: 'windowId = :w',
          ExpressionAttributeValues: { ':e': executionArn, ':w': windowId },
        }),
      ),
    'UpdateItem retraining execution',
  );
  await putEvent(deps.events, RETRAINING_STARTED, {
    ...detail,
    pipelineName: pipeline.pipelineName,
    pipelineExecutionArn: executionArn,
  });
  return { status: 'started', executionArn, pipelineName: pipeline.pipelineName };
};
