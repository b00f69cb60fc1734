import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { sendOnce } from '../../../functions/shared/outcome/send-once';
import { type LocalTable, startLocalTable } from '../../helpers/dynalite';

let db: LocalTable;
beforeAll(async () => {
  db = await startLocalTable();
});
afterAll(() => db.close());

const store = () => ({ dynamo: db.doc, table: db.table });
const T0 = Date.parse('2026-11-25T12:00:00Z');

describe('sendOnce', () => {
  it('sends once per key across retries and redrives', async () => {
    // Prepare
    const send = jest.fn(async () => 'ok');
    // Act
    const first = await sendOnce(store(), { scope: 's', key: 'a', now: () => T0 }, send);
    const again = await sendOnce(store(), { scope: 's', key: 'a', now: () => T0 + 1 }, send);
    // Assess
    expect(first).toEqual({ sent: true });
    expect(again).toEqual({ sent: false });
    expect(send).toHaveBeenCalledTimes(1);
  });

  it('lets the next attempt send when this one failed to send', async () => {
    // Prepare
    const send = jest
      .fn<Promise<string>, []>()
      .mockRejectedValueOnce(new Error('SNS unavailable'))
      .mockResolvedValue('ok');
    // Act
    await expect(sendOnce(store(), { scope: 's', key: 'b', now: () => T0 }, send)).rejects.toThrow(
      'SNS unavailable',
    );
    const retry = await sendOnce(store(), { scope: 's', key: 'b', now: () => T0 + 2_000 }, send);
    // Assess
    expect(retry).toEqual({ sent: true });
    expect(send).toHaveBeenCalledTimes(2);
  });

  it('makes a concurrent attempt wait while a fresh claim is being sent, and takes over a stale one', async () => {
    // Prepare: another attempt claimed the key and never finished.
    await db.doc.send(
      new PutCommand({
        TableName: db.table,
        Item: { pk: 'once#s', sk: 'd', status: 'SENDING', claimId: 'other', claimedAt: T0 },
      }),
    );
    const send = jest.fn(async () => 'ok');
    // Act
    const early = sendOnce(store(), { scope: 's', key: 'd', now: () => T0 + 1_000 }, send);
    await expect(early).rejects.toMatchObject({ name: 'TransientError' });
    const later = await sendOnce(store(), { scope: 's', key: 'd', now: () => T0 + 180_000 }, send);
    // Assess
    expect(later).toEqual({ sent: true });
    expect(send).toHaveBeenCalledTimes(1);
  });

  it('recognises its own claim when the claim write was applied but its answer was lost', async () => {
    // Prepare: the claim is already in the table under this attempt's id (a retried PutItem).
    await db.doc.send(
      new PutCommand({
        TableName: db.table,
        Item: { pk: 'once#s', sk: 'c', status: 'SENDING', claimId: 'me', claimedAt: T0 },
      }),
    );
    const send = jest.fn(async () => 'ok');
    // Act
    const result = await sendOnce(
      store(),
      { scope: 's', key: 'c', now: () => T0 + 10, claimId: 'me' },
      send,
    );
    // Assess
    expect(result).toEqual({ sent: true });
    expect(send).toHaveBeenCalledTimes(1);
  });
});
