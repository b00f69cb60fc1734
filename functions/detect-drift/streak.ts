import { type DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { writeIf } from '../shared/conditional-write';
import { classifyAwsError } from '../shared/errors';

/**
 * A fleet's run of drifted windows, kept in the state table (`drift#<group>`, `fleet#<fleet>`).
 * Each window is counted once: the update applies only to a window later than the last one
 * recorded, and a retry of the same window reads back what the first attempt recorded.
 * A window older than the last recorded one (a late run) changes nothing. Windows are in a
 * row only when the last one recorded is the one just before: after a gap (runs that failed
 * or were not scheduled) a drifted window starts a new streak.
 */
export type Streak = { consecutive: number; counted: boolean };

export const recordWindow = async (
  store: { dynamo: DynamoDBDocumentClient; table: string },
  modelGroup: string,
  fleet: string,
  windows: { id: string; previousId: string },
  outcome: { drifted: boolean; score?: number },
): Promise<Streak> => {
  const Key = { pk: `drift#${modelGroup}`, sk: `fleet#${fleet}` };
  const current = await store.dynamo
    .send(new GetCommand({ TableName: store.table, Key, ConsistentRead: true }))
    .catch((error) => {
      throw classifyAwsError(error, 'GetItem drift streak');
    });
  const item = current.Item as { lastWindow?: string; consecutive?: number } | undefined;
  const windowId = windows.id;
  if (item?.lastWindow && item.lastWindow >= windowId)
    return {
      consecutive: item.lastWindow === windowId ? (item.consecutive ?? 0) : 0,
      counted: false,
    };
  const inRow = item?.lastWindow === windows.previousId ? (item?.consecutive ?? 0) : 0;
  const consecutive = outcome.drifted ? inRow + 1 : 0;
  const applied = await writeIf(
    () =>
      store.dynamo.send(
        new UpdateCommand({
          TableName: store.table,
          Key,
          UpdateExpression: 'SET lastWindow = :w, consecutive = :c, lastScore = :s',
          ConditionExpression: 'attribute_not_exists(lastWindow) OR lastWindow < :w',
          ExpressionAttributeValues: {
            ':w': windowId,
            ':c': consecutive,
            ':s': outcome.score ?? null,
          },
        }),
      ),
    'UpdateItem drift streak',
  );
  // Lost a race with a concurrent run of the same window: its record stands.
  if (!applied) return recordWindow(store, modelGroup, fleet, windows, outcome);
  return { consecutive, counted: true };
};
