import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { recordSmokeResponse } from '../../../functions/record-smoke-response/record-smoke-response';
import { type LocalTable, startLocalTable } from '../../helpers/dynalite';

let db: LocalTable;
beforeAll(async () => {
  db = await startLocalTable();
});
afterAll(() => db.close());

const deps = () => ({ store: { dynamo: db.doc, table: db.table } });
const answer = {
  runId: 'run-1',
  requestId: 'req-1',
  thingName: 'twin-core-1',
  output: { label: 'scratch' },
  latencyMs: 42,
};

describe('recordSmokeResponse (answers of twins in other accounts)', () => {
  it('stores the answer where run-twin-tests reads the local rule’s answers, once per request', async () => {
    // Act
    await recordSmokeResponse(answer, deps());
    await recordSmokeResponse(answer, deps());
    // Assess
    const { Items } = await db.doc.send(
      new QueryCommand({
        TableName: db.table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'smoke#run-1' },
      }),
    );
    expect(Items).toEqual([{ pk: 'smoke#run-1', sk: 'twin-core-1#req-1', ...answer }]);
  });

  it('refuses an answer without its run, naming the field, and stores nothing', async () => {
    // Act
    const refused = recordSmokeResponse({ ...answer, runId: '' }, deps());
    // Assess
    await expect(refused).rejects.toMatchObject({ name: 'InvalidInput' });
    await expect(refused).rejects.toThrow('runId');
  });
});
