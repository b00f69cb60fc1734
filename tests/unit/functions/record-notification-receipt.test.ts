import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { SNSEvent } from 'aws-lambda';
import { recordReceipts } from '../../../functions/record-notification-receipt/record-receipt';
import { sendOnce } from '../../../functions/shared/outcome/send-once';
import { type LocalTable, startLocalTable } from '../../helpers/dynalite';

let db: LocalTable;
beforeAll(async () => {
  db = await startLocalTable();
});
afterAll(() => db.close());

const T0 = Date.parse('2026-11-26T02:00:00Z');
const logger = { warn: jest.fn(), info: jest.fn() };
const deps = () => ({
  store: { dynamo: db.doc, table: db.table },
  logger,
  now: () => new Date(T0),
});

const delivery = (attributes: Record<string, string>): SNSEvent => ({
  Records: [
    {
      EventSource: 'aws:sns',
      EventVersion: '1.0',
      EventSubscriptionArn: 'arn:aws:sns:us-east-1:111122223333:topic:sub',
      Sns: {
        Type: 'Notification',
        MessageId: 'm-1',
        TopicArn: 'arn:aws:sns:us-east-1:111122223333:topic',
        Subject: 'deployed',
        Message: 'defect-detector v7 deployed',
        Timestamp: new Date(T0).toISOString(),
        SignatureVersion: '1',
        Signature: '',
        SigningCertUrl: '',
        UnsubscribeUrl: '',
        MessageAttributes: Object.fromEntries(
          Object.entries(attributes).map(([k, v]) => [k, { Type: 'String', Value: v }]),
        ),
      },
    },
  ],
});

describe('recordReceipts', () => {
  it('marks the tagged claim SENT, so its sender never sends it again', async () => {
    // Prepare
    const event = delivery({ notificationScope: 'record-result', notificationKey: 'v7#deployed' });
    const send = jest.fn(async () => 'ok');
    // Act
    const result = await recordReceipts(event, deps());
    const sender = await sendOnce(
      { dynamo: db.doc, table: db.table },
      { scope: 'record-result', key: 'v7#deployed', now: () => new Date(T0 + 1) },
      send,
    );
    // Assess
    expect(result).toEqual({ recorded: 1 });
    expect(sender).toEqual({ sent: false });
    expect(send).not.toHaveBeenCalled();
  });

  it('is idempotent under SNS redelivery', async () => {
    // Prepare
    const event = delivery({ notificationScope: 's', notificationKey: 'twice' });
    // Act
    await recordReceipts(event, deps());
    const again = await recordReceipts(event, deps());
    // Assess
    expect(again).toEqual({ recorded: 1 });
    const { Item } = await db.doc.send(
      new GetCommand({ TableName: db.table, Key: { pk: 'once#s', sk: 'twice' } }),
    );
    expect(Item).toMatchObject({ status: 'SENT', receiptMessageId: 'm-1', receivedAt: T0 });
  });

  it('ignores, with a warning, a message without a receipt tag', async () => {
    // Act
    const result = await recordReceipts(delivery({ approver: 'alice@example.com' }), deps());
    // Assess
    expect(result).toEqual({ recorded: 0 });
    expect(logger.warn).toHaveBeenCalledWith(
      'message without a notification receipt tag ignored',
      expect.objectContaining({ messageId: 'm-1' }),
    );
  });
});
