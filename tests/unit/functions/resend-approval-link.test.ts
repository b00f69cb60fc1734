import { S3Client } from '@aws-sdk/client-s3';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { requestApproval } from '../../../functions/request-approval/request-approval';
import { resendApprovalLink } from '../../../functions/resend-approval-link/resend-approval-link';
import { listAudit } from '../../../functions/shared/approval/audit';
import { approvalLink, verify } from '../../../functions/shared/approval/signing';
import { closeApproval, getApproval } from '../../../functions/shared/approval/store';
import type { Plan } from '../../../functions/shared/plan';
import { type LocalTable, startLocalTable } from '../../helpers/dynalite';
import { registeredComponents, samplePlan, silentLogger } from '../../helpers/fixtures';

const KEY = 'k'.repeat(64);
const NOW = new Date('2026-11-25T12:00:00Z');
const LATER = new Date('2026-11-25T15:00:00Z');

let db: LocalTable;
let plan: Plan;
type Sent = { key: string; approver: string; subject: string; text: string; link: string };
let sent: Sent[];
const claimed = new Set<string>();
beforeAll(async () => {
  db = await startLocalTable();
  plan = await samplePlan();
});
afterAll(() => db.close());
// The first request's messages go through SNS (not counted here); the evaluation reports are
// not readable, which the approval records as such.
const sns = mockClient(SNSClient);
const s3 = mockClient(S3Client);
const sagemaker = mockClient(SageMakerClient);
beforeEach(() => {
  sent = [];
  sns.reset();
  s3.reset();
  sagemaker.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm' });
});

const store = () => ({ dynamo: db.doc, table: db.table });
/** Sends once per key, as sendOnce does. */
const notifyApprover = async (m: Sent) => {
  if (claimed.has(m.key)) return;
  claimed.add(m.key);
  sent.push(m);
};
const deps = (now = LATER, key = KEY) => ({
  store: store(),
  signingKey: async () => key,
  notifyApprover,
  logger: silentLogger(),
  now: () => now,
  config: { baseUrl: 'https://approvals.example.com' },
});

/** A pending approval, requested the way the state machine requests it. */
const pending = async () => {
  const enteredTime = `${Math.random()}`;
  const { approvalId } = await requestApproval(
    {
      plan,
      components: registeredComponents(plan),
      twin: { deploymentId: 'd-twin' },
      twinTests: {
        passed: true,
        summary: 'all 3 twin tests passed',
        reportUri: 's3://a/r',
        probes: [],
      },
      taskToken: `token-${enteredTime}`,
      enteredTime,
    },
    {
      store: store(),
      signingKey: async () => KEY,
      sns: new SNSClient({}),
      s3: new S3Client({}),
      sagemaker: new SageMakerClient({}),
      postWebhook: async () => undefined,
      logger: silentLogger(),
      now: () => NOW,
      config: {
        baseUrl: 'https://approvals.example.com',
        topicArn: 'arn:aws:sns:us-east-1:000000000000:approvals',
      },
    },
  );
  sent = [];
  return approvalId;
};
const resend = (approvalId: string, approver: string, requestId = 'request-0001', now = LATER) =>
  resendApprovalLink({ approvalId, approver, requestId, requestedBy: 'sre' }, deps(now));

describe('resendApprovalLink', () => {
  it('sends the approver a link signed with the current key that opens the same approval until its deadline', async () => {
    // Prepare
    const approvalId = await pending();
    const record = (await getApproval(store(), approvalId))!;
    // Act
    const out = await resend(approvalId, 'Bob@Example.com');
    // Assess
    expect(out).toEqual({
      sent: true,
      approvalId,
      approver: 'bob@example.com',
      deadline: new Date(record.deadline * 1000).toISOString(),
      sentAt: LATER.toISOString(),
    });
    expect(sent).toHaveLength(1);
    const [message] = sent;
    expect(message!.approver).toBe('bob@example.com');
    expect(message!.subject).toBe(
      `Approve ${plan.modelPackageGroupName} v${plan.modelPackageVersion} for production? (${plan.stage})`,
    );
    expect(message!.text).toContain(`Sent again at ${LATER.toISOString()}`);
    expect(message!.text).toContain(message!.link);
    const url = new URL(message!.link);
    const verdict = verify(
      KEY,
      {
        approvalId: url.pathname.split('/').pop(),
        approver: url.searchParams.get('approver') ?? undefined,
        exp: url.searchParams.get('exp') ?? undefined,
        iat: url.searchParams.get('iat') ?? undefined,
        sig: url.searchParams.get('sig') ?? undefined,
      },
      LATER.getTime() / 1000,
    );
    expect(verdict).toEqual({
      ok: true,
      claims: {
        approvalId,
        approver: 'bob@example.com',
        expiresAt: record.deadline,
        issuedAt: LATER.getTime() / 1000,
      },
    });
  });

  it('sends a fresh link, not the first one again, while the first stays valid until its deadline', async () => {
    // Prepare: the link request-approval sent bob first.
    const approvalId = await pending();
    const record = (await getApproval(store(), approvalId))!;
    const first = approvalLink('https://approvals.example.com', KEY, {
      approvalId,
      approver: 'bob@example.com',
      expiresAt: record.deadline,
    });
    // Act
    await resend(approvalId, 'bob@example.com', 'request-fresh-1');
    await resend(
      approvalId,
      'bob@example.com',
      'request-fresh-2',
      new Date(LATER.getTime() + 60_000),
    );
    // Assess: three different links, each valid until the deadline and not after it.
    const links = [first, sent[0]!.link, sent[1]!.link];
    expect(new Set(links).size).toBe(3);
    const fieldsOf = (link: string) => {
      const url = new URL(link);
      const get = (name: string) => url.searchParams.get(name) ?? undefined;
      return {
        approvalId: url.pathname.split('/').pop(),
        approver: get('approver'),
        exp: get('exp'),
        iat: get('iat'),
        sig: get('sig'),
      };
    };
    for (const link of links) {
      expect(verify(KEY, fieldsOf(link), record.deadline - 1).ok).toBe(true);
      expect(verify(KEY, fieldsOf(link), record.deadline)).toMatchObject({ reason: 'expired' });
    }
    // The issue time is signed: changed or dropped, the resent link is refused.
    const resent = fieldsOf(sent[0]!.link);
    expect(verify(KEY, { ...resent, iat: '1' }, LATER.getTime() / 1000)).toMatchObject({
      reason: 'bad-signature',
    });
    expect(verify(KEY, { ...resent, iat: undefined }, LATER.getTime() / 1000)).toMatchObject({
      reason: 'bad-signature',
    });
  });

  it('signs with the key current at the resend, so a link sent before a rotation is replaced by one under the new key', async () => {
    // Prepare
    const approvalId = await pending();
    // Act
    await resendApprovalLink(
      { approvalId, approver: 'bob@example.com', requestId: 'request-rotated' },
      deps(LATER, 'n'.repeat(64)),
    );
    // Assess
    const url = new URL(sent[0]!.link);
    const claims = {
      approvalId,
      approver: 'bob@example.com',
      exp: url.searchParams.get('exp')!,
      iat: url.searchParams.get('iat')!,
      sig: url.searchParams.get('sig')!,
    };
    expect(verify('n'.repeat(64), claims, LATER.getTime() / 1000).ok).toBe(true);
    expect(verify(KEY, claims, LATER.getTime() / 1000).ok).toBe(false);
  });

  it('sends nothing twice for the same request, and again for a new request', async () => {
    // Prepare
    const approvalId = await pending();
    // Act
    await resend(approvalId, 'bob@example.com', 'request-a');
    await resend(approvalId, 'bob@example.com', 'request-a');
    await resend(approvalId, 'bob@example.com', 'request-b');
    // Assess
    expect(sent.map((m) => m.key)).toEqual([
      `${approvalId}#bob@example.com#resend#request-a`,
      `${approvalId}#bob@example.com#resend#request-b`,
    ]);
  });

  it('keeps an audit entry of each resend beside the approval', async () => {
    // Prepare
    const approvalId = await pending();
    // Act
    await resend(approvalId, 'alice@example.com', 'request-audit');
    // Assess
    const audit = await listAudit(store(), approvalId);
    expect(audit).toEqual([
      expect.objectContaining({
        action: 'resent',
        approver: 'alice@example.com',
        at: LATER.toISOString(),
        outcome: 'link sent again at the request of sre',
      }),
    ]);
  });

  it('refuses an address that is not an approver, naming the approvers', async () => {
    // Prepare
    const approvalId = await pending();
    // Act
    const out = await resend(approvalId, 'eve@example.com');
    // Assess
    expect(out).toEqual({
      sent: false,
      approvalId,
      approver: 'eve@example.com',
      refused: `eve@example.com is not an approver of ${plan.modelPackageGroupName} (approvers: alice@example.com, bob@example.com)`,
    });
    expect(sent).toEqual([]);
  });

  it('refuses an unknown approval, a decided one and one past its deadline', async () => {
    // Prepare
    const decided = await pending();
    await closeApproval(store(), decided, {
      outcome: 'REJECTED',
      by: 'alice@example.com',
      at: LATER.toISOString(),
    });
    const old = await pending();
    const record = (await getApproval(store(), old))!;
    // Act
    const unknown = await resend('no-such-approval', 'bob@example.com');
    const closed = await resend(decided, 'bob@example.com');
    const expired = await resend(
      old,
      'bob@example.com',
      'request-late',
      new Date(record.deadline * 1000 + 1000),
    );
    // Assess
    expect(unknown).toMatchObject({
      sent: false,
      refused: 'there is no approval no-such-approval',
    });
    expect(closed).toMatchObject({
      sent: false,
      refused: `approval ${decided} is REJECTED (by alice@example.com at ${LATER.toISOString()}): there is nothing left to decide`,
    });
    expect(expired).toMatchObject({
      sent: false,
      refused: `approval ${old} expired at ${new Date(record.deadline * 1000).toISOString()}`,
    });
    expect(sent).toEqual([]);
  });

  it('refuses an approver who already approved: their link decides nothing more', async () => {
    // Prepare
    const approvalId = await pending();
    await db.doc.send(
      new UpdateCommand({
        TableName: db.table,
        Key: { pk: `approval#${approvalId}`, sk: 'approval' },
        UpdateExpression: 'SET approvals = :a',
        ExpressionAttributeValues: {
          ':a': [{ approver: 'alice@example.com', at: NOW.toISOString() }],
        },
      }),
    );
    // Act
    const out = await resend(approvalId, 'alice@example.com');
    // Assess
    expect(out).toMatchObject({
      sent: false,
      refused: `alice@example.com already approved at ${NOW.toISOString()}; their link decides nothing more`,
    });
  });

  it('refuses malformed input with the field named', async () => {
    // Act & Assess
    await expect(
      resendApprovalLink(
        { approvalId: '', approver: 'bob@example.com', requestId: 'r-00000001' },
        deps(),
      ),
    ).rejects.toMatchObject({
      name: 'InvalidInput',
      message: expect.stringContaining('approvalId'),
    });
  });
});
