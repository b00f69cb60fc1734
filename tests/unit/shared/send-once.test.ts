import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mayHaveBeenSent, sendOnce } from '../../../functions/shared/outcome/send-once';
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
    const first = await sendOnce(store(), { scope: 's', key: 'a', now: () => new Date(T0) }, send);
    const again = await sendOnce(
      store(),
      { scope: 's', key: 'a', now: () => new Date(T0 + 1) },
      send,
    );
    // Assess
    expect(first).toEqual({ sent: true });
    expect(again).toEqual({ sent: false });
    expect(send).toHaveBeenCalledTimes(1);
  });

  it('lets the next attempt send when this one failed to send', async () => {
    // Prepare
    const send = jest
      .fn<Promise<string>, []>()
      .mockRejectedValueOnce(
        Object.assign(new Error('SNS unavailable'), { $metadata: { httpStatusCode: 400 } }),
      )
      .mockResolvedValue('ok');
    // Act
    await expect(
      sendOnce(store(), { scope: 's', key: 'b', now: () => new Date(T0) }, send),
    ).rejects.toThrow('SNS unavailable');
    const retry = await sendOnce(
      store(),
      { scope: 's', key: 'b', now: () => new Date(T0 + 2_000) },
      send,
    );
    // Assess
    expect(retry).toEqual({ sent: true });
    expect(send).toHaveBeenCalledTimes(2);
  });

  it('after an earlier attempt ended with the key claimed, sends only if no receipt comes', async () => {
    // Prepare: two earlier attempts were cut off after claiming; only the first one's message was delivered.
    for (const key of ['delivered', 'lost'])
      await db.doc.send(
        new PutCommand({
          TableName: db.table,
          Item: { pk: 'once#s', sk: key, status: 'SENDING', claimId: 'earlier', claimedAt: T0 },
        }),
      );
    const receipt = (key: string) => async () => {
      if (key === 'delivered')
        await db.doc.send(
          new PutCommand({ TableName: db.table, Item: { pk: 'once#s', sk: key, status: 'SENT' } }),
        );
    };
    const send = jest.fn(async () => 'ok');
    const wait = (key: string) => ({ polls: 2, intervalMs: 0, sleep: receipt(key) });
    // Act
    const delivered = await sendOnce(
      store(),
      { scope: 's', key: 'delivered', now: () => new Date(T0 + 1), receiptWait: wait('delivered') },
      send,
    );
    const lost = await sendOnce(
      store(),
      { scope: 's', key: 'lost', now: () => new Date(T0 + 1), receiptWait: wait('lost') },
      send,
    );
    // Assess
    expect(delivered).toEqual({ sent: false });
    expect(lost).toEqual({ sent: true });
    expect(send).toHaveBeenCalledTimes(1);
    expect(send).toHaveBeenCalledWith({ notificationScope: 's', notificationKey: 'lost' });
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
      { scope: 's', key: 'c', now: () => new Date(T0 + 10), claimId: 'me' },
      send,
    );
    // Assess
    expect(result).toEqual({ sent: true });
    expect(send).toHaveBeenCalledTimes(1);
  });

  describe("when the send's outcome is unknown (5xx or no answer)", () => {
    const lostAnswer = () =>
      Object.assign(new Error('InternalError'), { $metadata: { httpStatusCode: 500 } });
    const receiptArrives = (key: string) => async () => {
      await db.doc.send(
        new UpdateCommand({
          TableName: db.table,
          Key: { pk: 'once#s', sk: key },
          UpdateExpression: 'SET #s = :sent',
          ExpressionAttributeNames: { '#s': 'status' },
          ExpressionAttributeValues: { ':sent': 'SENT' },
        }),
      );
    };
    const status = async (key: string) =>
      (await db.doc.send(new GetCommand({ TableName: db.table, Key: { pk: 'once#s', sk: key } })))
        .Item?.status;

    it('trusts the receipt of a message SNS accepted, and never sends it again', async () => {
      // Prepare: SNS took the message (its receipt comes while the sender waits) but the answer was lost.
      const send = jest.fn(async () => {
        throw lostAnswer();
      });
      // Act
      const first = await sendOnce(
        store(),
        {
          scope: 's',
          key: 'r1',
          now: () => new Date(T0),
          receiptWait: { polls: 3, intervalMs: 0, sleep: receiptArrives('r1') },
        },
        send,
      );
      const retry = await sendOnce(
        store(),
        { scope: 's', key: 'r1', now: () => new Date(T0 + 5_000) },
        send,
      );
      // Assess
      expect(first).toEqual({ sent: true });
      expect(retry).toEqual({ sent: false });
      expect(send).toHaveBeenCalledTimes(1);
      expect(send).toHaveBeenCalledWith({ notificationScope: 's', notificationKey: 'r1' });
    });

    it('gives the claim up when no receipt comes, so the retry sends', async () => {
      // Prepare
      const sleep = jest.fn(async () => undefined);
      const send = jest.fn<Promise<string>, []>().mockRejectedValueOnce(lostAnswer());
      send.mockResolvedValue('ok');
      const options = { scope: 's', key: 'r2', receiptWait: { polls: 4, intervalMs: 0, sleep } };
      // Act
      await expect(
        sendOnce(store(), { ...options, now: () => new Date(T0) }, send),
      ).rejects.toThrow('InternalError');
      const retry = await sendOnce(store(), { ...options, now: () => new Date(T0 + 2_000) }, send);
      // Assess
      expect(sleep).toHaveBeenCalledTimes(4);
      expect(retry).toEqual({ sent: true });
      expect(send).toHaveBeenCalledTimes(2);
    });

    it('keeps a receipt that arrives just as the sender gives up', async () => {
      // Prepare: the receipt lands after the last poll, just before the claim is released.
      const racing = {
        dynamo: {
          send: async (command: unknown) => {
            if (command instanceof DeleteCommand) await receiptArrives('r3')();
            return db.doc.send(command as never);
          },
        } as unknown as typeof db.doc,
        table: db.table,
      };
      const send = jest.fn(async () => {
        throw lostAnswer();
      });
      // Act
      await expect(
        sendOnce(
          racing,
          {
            scope: 's',
            key: 'r3',
            now: () => new Date(T0),
            receiptWait: { polls: 1, intervalMs: 0 },
          },
          send,
        ),
      ).rejects.toThrow('InternalError');
      // Assess: the release did not erase the receipt; the retry does not send again.
      expect(await status('r3')).toBe('SENT');
      const retry = await sendOnce(
        store(),
        { scope: 's', key: 'r3', now: () => new Date(T0 + 1) },
        send,
      );
      expect(retry).toEqual({ sent: false });
      expect(send).toHaveBeenCalledTimes(1);
    });

    it('does not wait for a receipt after a refusal (4xx): nothing was sent', async () => {
      // Prepare
      const sleep = jest.fn(async () => undefined);
      const throttled = Object.assign(new Error('Rate exceeded'), {
        $metadata: { httpStatusCode: 400 },
      });
      const send = jest.fn(async () => {
        throw throttled;
      });
      // Act
      await expect(
        sendOnce(
          store(),
          {
            scope: 's',
            key: 'r4',
            now: () => new Date(T0),
            receiptWait: { polls: 4, intervalMs: 0, sleep },
          },
          send,
        ),
      ).rejects.toThrow('Rate exceeded');
      // Assess
      expect(sleep).not.toHaveBeenCalled();
      expect(await status('r4')).toBeUndefined();
    });

    it('classifies 5xx, lost connections and wrapped causes as possibly sent, 4xx as not sent', () => {
      expect(mayHaveBeenSent(lostAnswer())).toBe(true);
      expect(
        mayHaveBeenSent(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })),
      ).toBe(true);
      expect(mayHaveBeenSent(new Error('wrapped', { cause: lostAnswer() }))).toBe(true);
      expect(
        mayHaveBeenSent(
          new Error('wrapped', {
            cause: Object.assign(new Error('Throttled'), { $metadata: { httpStatusCode: 429 } }),
          }),
        ),
      ).toBe(false);
    });
  });
});
