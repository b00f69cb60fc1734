import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import { PublishCommand, type PublishCommandInput, SNSClient } from '@aws-sdk/client-sns';
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import {
  decideApproval,
  type HttpRequest,
  viewApproval,
} from '../../../functions/approval-api/approval-api';
import { formToken } from '../../../functions/approval-api/cross-site';
import { requestApproval } from '../../../functions/request-approval/request-approval';
import { listAudit, MAX_AUDIT_ENTRIES } from '../../../functions/shared/approval/audit';
import { fateOf } from '../../../functions/shared/approval/delivery';
import { approvalLink, sign, verify } from '../../../functions/shared/approval/signing';
import { getApproval } from '../../../functions/shared/approval/store';
import type { Plan } from '../../../functions/shared/plan';
import { parseStageConfig } from '../../../functions/shared/stage-config/load';
import { type LocalTable, startLocalTable } from '../../helpers/dynalite';
import { registeredComponents, samplePlan, silentLogger } from '../../helpers/fixtures';

const KEY = 'k'.repeat(64);
const NOW = new Date('2026-11-25T12:00:00Z');
const sfn = mockClient(SFNClient);
const sns = mockClient(SNSClient);
const s3 = mockClient(S3Client);
const sagemaker = mockClient(SageMakerClient);
/** An S3 object body, as far as the reader uses it (GetObject's Body.transformToString). */
const s3Body = (text: string) => ({ transformToString: async () => text }) as never;
/** The evaluation report of the sample package (events/model-package-approved.json). */
const EVALUATION = {
  multiclass_classification_metrics: {
    accuracy: { value: 0.962, standard_deviation: 0.004 },
    weighted_f1: { value: 0.958, standard_deviation: 0.005 },
  },
};

let db: LocalTable;
let plan: Plan;
let sent: { key: string; approver: string; link: string; text: string }[] = [];
beforeAll(async () => {
  db = await startLocalTable();
  plan = await samplePlan();
});
afterAll(() => db.close());
/** The execution waits at its approval task (what DescribeExecution and its history say). */
const executionWaits = () => {
  sfn.on(DescribeExecutionCommand).resolves({ status: 'RUNNING' });
  sfn.on(GetExecutionHistoryCommand).resolves({
    events: [
      {
        id: 2,
        type: 'TaskStateEntered',
        timestamp: NOW,
        stateEnteredEventDetails: { name: 'Request Approval' },
      },
    ],
  });
};
beforeEach(() => {
  sfn.reset();
  executionWaits();
  sent = [];
  sns.reset();
  // What each approver receives: their message, as the SNS subscription would deliver it.
  sns.on(PublishCommand).callsFake((input: PublishCommandInput) => {
    const approver = input.MessageAttributes?.approver?.StringValue ?? '';
    const key = input.MessageAttributes?.notificationKey?.StringValue ?? '';
    const link = /(https:\/\/\S+\/approvals\/\S+)/.exec(input.Message ?? '')?.[1] ?? '';
    sent.push({ key, approver, link, text: input.Message ?? '' });
    return { MessageId: `m-${sent.length}` };
  });
  s3.reset();
  s3.on(GetObjectCommand).callsFake(() => ({ Body: s3Body(JSON.stringify(EVALUATION)) }));
  sagemaker.reset();
});

const store = () => ({ dynamo: db.doc, table: db.table });
const requestDeps = (now = NOW) => ({
  store: store(),
  signingKey: async () => KEY,
  sns: new SNSClient({}),
  s3: new S3Client({}),
  sagemaker: new SageMakerClient({}),
  logger: silentLogger(),
  now: () => now,
  config: {
    baseUrl: 'https://approvals.example.com',
    topicArn: 'arn:aws:sns:us-east-1:000000000000:approvals',
  },
});
const apiDeps = (now = NOW) => ({
  store: store(),
  sfn: new SFNClient({}),
  signingKeys: async () => [KEY],
  logger: silentLogger(),
  now: () => now,
});

/** Requests an approval for a fresh execution and returns the links by approver. */
const pending = async (quorum = 1, enteredTime = `${Math.random()}`) => {
  const p = { ...plan, approval: { ...plan.approval, quorum } };
  const out = await requestApproval(
    {
      plan: p,
      components: registeredComponents(p),
      twin: { deploymentId: 'd-twin', diff: { added: [], changed: [], kept: [], removed: [] } },
      twinTests: {
        passed: true,
        summary: 'all 3 twin tests passed',
        reportUri: 's3://a/r.json',
        probes: [
          {
            name: 'deployment-health',
            type: 'deployment-health',
            passed: true,
            summary: '1 twin device(s) applied the deployment',
            evidence: {},
          },
        ],
      },
      taskToken: `token-${enteredTime}`,
      enteredTime,
    },
    requestDeps(),
  );
  const links = Object.fromEntries(
    sent.filter((s) => s.key.startsWith(out.approvalId)).map((s) => [s.approver, new URL(s.link)]),
  );
  return { ...out, links };
};
const get = (url: URL): HttpRequest => ({
  method: 'GET',
  approvalId: decodeURIComponent(url.pathname.split('/')[2]!),
  query: Object.fromEntries(url.searchParams),
  form: {},
  sourceIp: '203.0.113.9',
  userAgent: 'jest',
});
const expectNoDecisionSent = () => {
  expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
  expect(sfn.commandCalls(SendTaskFailureCommand)).toHaveLength(0);
};

/** A POST from the rendered page: same origin, with the page's form token. */
const post = (url: URL, form: Record<string, string>): HttpRequest => {
  const request = get(url);
  return {
    ...request,
    method: 'POST',
    query: {},
    headers: { host: url.host, origin: url.origin, 'sec-fetch-site': 'same-origin' },
    form: {
      ...Object.fromEntries(url.searchParams),
      formToken: formToken(
        KEY,
        request.approvalId,
        url.searchParams.get('approver') ?? '',
        NOW.getTime() / 1000,
      ),
      ...form,
    },
  };
};

describe('approval link signing', () => {
  const claims = { approvalId: 'a1', approver: 'alice@example.com', expiresAt: 1_800_000_000 };

  it('accepts its own signature before expiry', () => {
    expect(
      verify(
        KEY,
        {
          approvalId: 'a1',
          approver: 'alice@example.com',
          exp: '1800000000',
          sig: sign(KEY, claims),
        },
        1_700_000_000,
      ),
    ).toEqual({ ok: true, claims });
  });
  it.each([
    ['approval id', { approvalId: 'a2' }],
    ['approver', { approver: 'mallory@example.com' }],
    ['expiry', { exp: '1900000000' }],
  ])('refuses a link whose %s was changed', (_what, change) => {
    const input = {
      approvalId: 'a1',
      approver: 'alice@example.com',
      exp: '1800000000',
      sig: sign(KEY, claims),
      ...change,
    };
    expect(verify(KEY, input, 1_700_000_000)).toMatchObject({ ok: false, reason: 'bad-signature' });
  });
  it('refuses a signature made with another key', () => {
    expect(
      verify(
        KEY,
        {
          approvalId: 'a1',
          approver: 'alice@example.com',
          exp: '1800000000',
          sig: sign('x'.repeat(64), claims),
        },
        1,
      ),
    ).toMatchObject({ ok: false, reason: 'bad-signature' });
  });
  it('refuses an expired link', () => {
    expect(
      verify(
        KEY,
        {
          approvalId: 'a1',
          approver: 'alice@example.com',
          exp: '1800000000',
          sig: sign(KEY, claims),
        },
        1_800_000_000,
      ),
    ).toMatchObject({ ok: false, reason: 'expired' });
  });
  it('refuses a damaged link', () => {
    expect(
      verify(KEY, { approvalId: 'a1', approver: 'alice@example.com', exp: 'soon', sig: 'x' }, 1),
    ).toMatchObject({ ok: false, reason: 'malformed' });
  });
  it('never puts a task token in the link', () => {
    expect(approvalLink('https://x', KEY, claims)).toMatch(
      /^https:\/\/x\/approvals\/a1\?approver=alice%40example\.com&exp=1800000000&sig=[A-Za-z0-9_-]{43}$/,
    );
  });
});

describe('requestApproval', () => {
  it('stores the pending approval with the task token server-side and sends each approver a personal link', async () => {
    // Act
    const out = await pending();
    // Assess
    const record = await getApproval(store(), out.approvalId);
    expect(record).toMatchObject({
      status: 'PENDING',
      approvers: ['alice@example.com', 'bob@example.com'],
      modelPackageVersion: 7,
    });
    expect(record?.taskToken).toMatch(/^token-/);
    expect(Object.keys(out.links)).toEqual(['alice@example.com', 'bob@example.com']);
    for (const m of sent) {
      expect(m.text).not.toContain('token-');
      expect(m.link).not.toContain('token');
      expect(m.text).toContain('Opening the link changes nothing');
    }
  });

  it('notifies nobody twice when retried, and keeps the newest task token', async () => {
    // Prepare
    const first = await pending(1, 'retry-1');
    sent = [];
    // Act
    const again = await requestApproval(
      {
        plan,
        components: registeredComponents(plan),
        twin: {},
        twinTests: { passed: true, summary: 's', reportUri: 'u', probes: [] },
        taskToken: 'token-newer',
        enteredTime: 'retry-1',
      },
      requestDeps(),
    );
    // Assess
    expect(again.approvalId).toBe(first.approvalId);
    expect(again.created).toBe(false);
    expect(sent).toEqual([]);
    expect((await getApproval(store(), first.approvalId))?.taskToken).toBe('token-newer');
  });
});

describe('approval page and decision', () => {
  it('opens a link signed before the signing key was rotated, and refuses it once that key is gone', async () => {
    // Prepare: the links were signed with KEY; then the secret rotated to a new key.
    const { links } = await pending();
    const rotated = 'n'.repeat(64);
    const link = get(links['alice@example.com']!);
    // Act
    const withPrevious = await viewApproval(link, {
      ...apiDeps(),
      signingKeys: async () => [rotated, KEY],
    });
    const afterTwoRotations = await viewApproval(link, {
      ...apiDeps(),
      signingKeys: async () => [rotated, 'p'.repeat(64)],
    });
    // Assess
    expect(withPrevious.statusCode).toBe(200);
    expect(afterTwoRotations.statusCode).toBe(403);
  });

  it('GET shows the evidence and never decides; the view is audited', async () => {
    // Prepare
    const { approvalId, links } = await pending();
    // Act
    const response = await viewApproval(get(links['alice@example.com']!), apiDeps());
    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('defect-detector version 7');
    expect(response.body).toContain('all 3 twin tests passed');
    expect(response.body).toContain('factory-jetson-canary');
    expect(response.body).not.toContain('token-');
    expect(response.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(response.headers['cache-control']).toBe('no-store');
    expectNoDecisionSent();
    const record = await getApproval(store(), approvalId);
    expect(record?.status).toBe('PENDING');
    expect(record).not.toHaveProperty('audit');
    expect(await listAudit(store(), approvalId)).toEqual([
      expect.objectContaining({
        action: 'viewed',
        approver: 'alice@example.com',
        sourceIp: '203.0.113.9',
        userAgent: 'jest',
      }),
    ]);
  });

  it('POST approve with the typed version resumes the execution through its token, once', async () => {
    // Prepare
    const { approvalId, links } = await pending();
    sfn.on(SendTaskSuccessCommand).resolves({});
    // Act
    const first = await decideApproval(
      post(links['alice@example.com']!, {
        decision: 'approve',
        confirmVersion: '7',
        comment: 'ship it',
      }),
      apiDeps(),
    );
    const second = await decideApproval(
      post(links['bob@example.com']!, { decision: 'reject', confirmVersion: '7', reason: 'late' }),
      apiDeps(),
    );
    // Assess
    expect(first.statusCode).toBe(200);
    expect(first.body).toContain('Approved ✔');
    const call = sfn.commandCalls(SendTaskSuccessCommand)[0]!.args[0].input;
    expect(call.taskToken).toMatch(/^token-/);
    expect(JSON.parse(call.output!)).toMatchObject({
      approved: true,
      decidedBy: 'alice@example.com',
      comment: 'ship it',
      approvalId,
    });
    expect(second.statusCode).toBe(409);
    expect(second.body).toContain('approved</strong> by alice@example.com');
    expect(sfn).not.toHaveReceivedCommand(SendTaskFailureCommand);
  });

  it('a resent link (it carries its signed issue time) opens the page, whose form keeps it, and decides', async () => {
    // Prepare: the link `approvals resend` sends alice, beside the one she got first.
    const { approvalId } = await pending();
    const record = (await getApproval(store(), approvalId))!;
    const resent = new URL(
      approvalLink('https://approvals.example.com', KEY, {
        approvalId,
        approver: 'alice@example.com',
        expiresAt: record.deadline,
        issuedAt: NOW.getTime() / 1000 - 60,
      }),
    );
    sfn.on(SendTaskSuccessCommand).resolves({});
    // Act
    const page = await viewApproval(get(resent), apiDeps());
    const withoutIssueTime = new URL(resent);
    withoutIssueTime.searchParams.delete('iat');
    const refused = await decideApproval(
      post(withoutIssueTime, { decision: 'approve', confirmVersion: '7' }),
      apiDeps(),
    );
    const decided = await decideApproval(
      post(resent, { decision: 'approve', confirmVersion: '7' }),
      apiDeps(),
    );
    // Assess
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(
      `<input type="hidden" name="iat" value="${resent.searchParams.get('iat')}">`,
    );
    expect(refused.statusCode).toBe(403);
    expect(decided.statusCode).toBe(200);
    expect(decided.body).toContain('Approved ✔');
  });

  it('refuses a decision without the typed version (what a form-submitting scanner would send)', async () => {
    // Prepare
    const { approvalId, links } = await pending();
    // Act
    const response = await decideApproval(
      post(links['alice@example.com']!, { decision: 'approve', confirmVersion: '' }),
      apiDeps(),
    );
    // Assess
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('type the version number 7 exactly');
    expectNoDecisionSent();
    expect((await getApproval(store(), approvalId))?.status).toBe('PENDING');
  });

  it('POST reject needs a reason and fails the task with ApprovalRejected', async () => {
    // Prepare
    const { links } = await pending();
    sfn.on(SendTaskFailureCommand).resolves({});
    // Act
    const noReason = await decideApproval(
      post(links['bob@example.com']!, { decision: 'reject', confirmVersion: '7' }),
      apiDeps(),
    );
    const rejected = await decideApproval(
      post(links['bob@example.com']!, {
        decision: 'reject',
        confirmVersion: '7',
        reason: 'false positives on line 3',
      }),
      apiDeps(),
    );
    // Assess
    expect(noReason.statusCode).toBe(400);
    expect(rejected.statusCode).toBe(200);
    expect(sfn).toHaveReceivedCommandWith(SendTaskFailureCommand, {
      error: 'ApprovalRejected',
      cause: expect.stringMatching(
        /^rejected by bob@example\.com at .*: false positives on line 3$/,
      ),
    });
  });

  it('completes only when the quorum is reached', async () => {
    // Prepare
    const { links } = await pending(2);
    sfn.on(SendTaskSuccessCommand).resolves({});
    // Act
    const one = await decideApproval(
      post(links['alice@example.com']!, { decision: 'approve', confirmVersion: '7' }),
      apiDeps(),
    );
    const again = await decideApproval(
      post(links['alice@example.com']!, { decision: 'approve', confirmVersion: '7' }),
      apiDeps(),
    );
    const two = await decideApproval(
      post(links['bob@example.com']!, { decision: 'approve', confirmVersion: '7' }),
      apiDeps(),
    );
    // Assess
    expect(one.body).toContain('Your approval is recorded (1 of 2)');
    expect(again.statusCode).toBe(409);
    expect(two.body).toContain('Approved ✔');
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(1);
  });

  it.each([
    [
      'forged (tampered approver)',
      (u: URL) => u.searchParams.set('approver', 'mallory@example.com'),
      403,
    ],
    ['tampered expiry', (u: URL) => u.searchParams.set('exp', '9999999999'), 403],
    ['damaged', (u: URL) => u.searchParams.delete('sig'), 400],
  ])('refuses a %s link with a clear page and changes nothing', async (_what, tamper, status) => {
    // Prepare
    const { approvalId, links } = await pending();
    const url = new URL(links['alice@example.com']!);
    tamper(url);
    // Act
    const view = await viewApproval(get(url), apiDeps());
    const decide = await decideApproval(
      post(url, { decision: 'approve', confirmVersion: '7' }),
      apiDeps(),
    );
    // Assess
    expect(view.statusCode).toBe(status);
    expect(decide.statusCode).toBe(status);
    expect(view.body).toContain('Link refused');
    expectNoDecisionSent();
    expect(await listAudit(store(), approvalId)).toEqual([]);
  });

  it('refuses an expired link with 410', async () => {
    // Prepare
    const { links } = await pending();
    // Act
    const response = await viewApproval(
      get(links['alice@example.com']!),
      apiDeps(new Date('2026-12-31T00:00:00Z')),
    );
    // Assess
    expect(response.statusCode).toBe(410);
    expect(response.body).toContain('This approval link has expired.');
  });

  it('shows "this approval has expired" and closes the record when the approval task timed out', async () => {
    // Prepare
    const { approvalId, links } = await pending();
    sfn
      .on(SendTaskSuccessCommand)
      .rejects(Object.assign(new Error('Task Timed Out'), { name: 'TaskTimedOut' }));
    afterApproval('Approval Timed Out');
    // Act
    const response = await decideApproval(
      post(links['alice@example.com']!, { decision: 'approve', confirmVersion: '7' }),
      apiDeps(),
    );
    // Assess
    expect(response.statusCode).toBe(410);
    expect(response.body).toContain('This approval has expired');
    expect((await getApproval(store(), approvalId))?.status).toBe('EXPIRED');
  });
});

/** The history (newest first) after the approval task: the state the execution went to. */
const afterApproval = (next: string, status = 'RUNNING') => {
  sfn.on(DescribeExecutionCommand).resolves({ status: status as never });
  sfn.on(GetExecutionHistoryCommand).resolves({
    events: [
      { id: 3, type: 'TaskStateEntered', timestamp: NOW, stateEnteredEventDetails: { name: next } },
      {
        id: 2,
        type: 'TaskStateEntered',
        timestamp: NOW,
        stateEnteredEventDetails: { name: 'Request Approval' },
      },
    ],
  });
};
const injected = (name: string) => Object.assign(new Error(`${name} (injected)`), { name });
const approve = (url: URL) => post(url, { decision: 'approve', confirmVersion: '7' });

describe('a decision is recorded only together with its effect', () => {
  it('says honestly that the execution did not resume when SendTaskSuccess fails, and the same link retries', async () => {
    // Prepare
    const { approvalId, links } = await pending();
    sfn.on(SendTaskSuccessCommand).rejects(injected('InternalFailure'));
    // Act
    const failed = await decideApproval(approve(links['alice@example.com']!), apiDeps());
    // Assess: not "Approved", a 503 with a Retry form; the decision waits in the outbox.
    expect(failed.statusCode).toBe(503);
    expect(failed.body).not.toContain('Approved ✔');
    expect(failed.body).toContain('has not resumed yet');
    expect(failed.body).toContain('id="retry"');
    const recorded = await getApproval(store(), approvalId);
    expect(recorded).toMatchObject({ status: 'APPROVED', delivery: { attempts: 1 } });
    expect(recorded?.resumedAt).toBeUndefined();
    expect(recorded?.outbox?.kind).toBe('success');
    // Act: Step Functions is back; the approver presses Retry on the same link.
    sfn.on(SendTaskSuccessCommand).resolves({});
    const retried = await decideApproval(
      post(links['alice@example.com']!, { decision: 'retry' }),
      apiDeps(),
    );
    // Assess
    expect(retried.statusCode).toBe(200);
    expect(retried.body).toContain('Approved ✔');
    expect((await getApproval(store(), approvalId))?.resumedAt).toBeDefined();
    const outputs = sfn.commandCalls(SendTaskSuccessCommand).map((c) => c.args[0].input.output);
    expect(outputs).toHaveLength(2);
    expect(outputs[1]).toBe(outputs[0]);
  });

  it('shows Approved, never a 500, when the send took effect but its answer was lost', async () => {
    // Prepare: the send fails with a 5xx, yet the execution has moved past its approval task.
    const { approvalId, links } = await pending();
    sfn.on(SendTaskSuccessCommand).rejects(injected('InternalFailure'));
    executionWaits();
    sfn
      .on(GetExecutionHistoryCommand)
      .resolvesOnce({
        events: [
          {
            id: 2,
            type: 'TaskStateEntered',
            timestamp: NOW,
            stateEnteredEventDetails: { name: 'Request Approval' },
          },
        ],
      })
      .resolves({
        events: [
          {
            id: 3,
            type: 'TaskStateEntered',
            timestamp: NOW,
            stateEnteredEventDetails: { name: 'Check Still Current' },
          },
          {
            id: 2,
            type: 'TaskStateEntered',
            timestamp: NOW,
            stateEnteredEventDetails: { name: 'Request Approval' },
          },
        ],
      });
    // Act
    const response = await decideApproval(approve(links['alice@example.com']!), apiDeps());
    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('Approved ✔');
    expect((await getApproval(store(), approvalId))?.resumedAt).toBeDefined();
  });

  it('treats TaskTimedOut after an earlier send that took effect as resumed', async () => {
    // Prepare
    const { links } = await pending();
    sfn.on(SendTaskSuccessCommand).rejects(injected('TaskTimedOut'));
    afterApproval('Check Still Current');
    // Act
    const response = await decideApproval(approve(links['alice@example.com']!), apiDeps());
    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('Approved ✔');
  });

  it('shows Approved, never a 500, when the store update after a successful send fails', async () => {
    // Prepare
    const { links } = await pending();
    sfn.on(SendTaskSuccessCommand).resolves({});
    const flaky = {
      send: (command: { input: { UpdateExpression?: string } }) =>
        command.input.UpdateExpression?.includes('resumedAt')
          ? Promise.reject(injected('InternalServerError'))
          : db.doc.send(command as never),
    };
    // Act
    const response = await decideApproval(approve(links['alice@example.com']!), {
      ...apiDeps(),
      store: { dynamo: flaky as never, table: db.table },
    });
    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.body).toContain('Approved ✔');
  });
  it('closes a quorum whose close failed when the last approver retries, instead of stranding it', async () => {
    // Prepare: the write that closes the approval fails once (after the approval was added).
    const { approvalId, links } = await pending();
    sfn.on(SendTaskSuccessCommand).resolves({});
    let failures = 1;
    const flaky = {
      send: (command: { input: { UpdateExpression?: string } }) =>
        command.input.UpdateExpression?.startsWith('SET #s = :status, decision') && failures-- > 0
          ? Promise.reject(injected('InternalServerError'))
          : db.doc.send(command as never),
    };
    const deps = { ...apiDeps(), store: { dynamo: flaky as never, table: db.table } };
    // Act
    await expect(decideApproval(approve(links['alice@example.com']!), deps)).rejects.toThrow();
    const retried = await decideApproval(approve(links['alice@example.com']!), deps);
    // Assess
    expect(retried.statusCode).toBe(200);
    expect(retried.body).toContain('Approved ✔');
    expect((await getApproval(store(), approvalId))?.status).toBe('APPROVED');
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(1);
  });
});

describe('stopped and superseded executions', () => {
  it('a stopped execution: the page says so, offers no decision, and a POST decides nothing', async () => {
    // Prepare
    const { approvalId, links } = await pending();
    sfn.on(DescribeExecutionCommand).resolves({
      status: 'ABORTED',
      error: 'ModelRejected',
      cause: 'rejected in the registry',
    });
    sfn.on(GetExecutionHistoryCommand).resolves({ events: [] });
    // Act
    const view = await viewApproval(get(links['alice@example.com']!), apiDeps());
    const decide = await decideApproval(approve(links['alice@example.com']!), apiDeps());
    // Assess
    expect(view.body).toContain(
      'the execution was stopped (ModelRejected: rejected in the registry)',
    );
    expect(view.body).not.toContain('id="approve"');
    expect(decide.statusCode).toBe(410);
    expect(decide.body).toContain('This execution was stopped');
    expect(decide.body).not.toContain('Approved');
    expectNoDecisionSent();
    expect((await getApproval(store(), approvalId))?.status).toBe('STOPPED');
  });

  it('a superseded release: the page says so, and approving ends it as Superseded, not approved', async () => {
    // Prepare: version 8 of the group was approved after this one.
    const { approvalId, links } = await pending();
    await db.doc.send(
      new PutCommand({
        TableName: db.table,
        Item: { pk: 'group#defect-detector', sk: 'latest', latestVersion: 8 },
      }),
    );
    sfn.on(SendTaskFailureCommand).resolves({});
    try {
      // Act
      const view = await viewApproval(get(links['alice@example.com']!), apiDeps());
      const decide = await decideApproval(approve(links['alice@example.com']!), apiDeps());
      // Assess
      expect(view.body).toContain('Superseded: version 8 of defect-detector was approved after');
      expect(decide.statusCode).toBe(409);
      expect(decide.body).toContain('This version will not be released');
      expect(decide.body).not.toContain('Approved ✔');
      expect(sfn).toHaveReceivedCommandWith(SendTaskFailureCommand, { error: 'Superseded' });
      expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(0);
      expect((await getApproval(store(), approvalId))?.status).toBe('SUPERSEDED');
    } finally {
      await db.doc.send(
        new DeleteCommand({
          TableName: db.table,
          Key: { pk: 'group#defect-detector', sk: 'latest' },
        }),
      );
    }
  });
});

describe('cross-site requests cannot decide', () => {
  it.each([
    ['another Origin', { origin: 'https://evil.example' }, 'another origin'],
    ['Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site' }, 'another site'],
  ])('refuses a POST with %s', async (_what, headers, message) => {
    // Prepare
    const { approvalId, links } = await pending();
    const request = approve(links['alice@example.com']!);
    // Act
    const response = await decideApproval(
      { ...request, headers: { ...request.headers, ...headers } },
      apiDeps(),
    );
    // Assess
    expect(response.statusCode).toBe(403);
    expect(response.body).toContain(message);
    expectNoDecisionSent();
    expect((await getApproval(store(), approvalId))?.status).toBe('PENDING');
  });

  it.each([
    ['without a form token', ''],
    ['with a forged form token', `${NOW.getTime() / 1000}.bm9uY2U.${'A'.repeat(43)}`],
  ])('refuses a POST %s', async (_what, token) => {
    // Prepare
    const { approvalId, links } = await pending();
    // Act
    const response = await decideApproval(
      post(links['alice@example.com']!, {
        decision: 'approve',
        confirmVersion: '7',
        formToken: token,
      }),
      apiDeps(),
    );
    // Assess
    expect(response.statusCode).toBe(403);
    expectNoDecisionSent();
    expect((await getApproval(store(), approvalId))?.status).toBe('PENDING');
  });

  it('refuses a form token of another approver', async () => {
    // Prepare
    const { links } = await pending();
    const bobs = formToken(
      KEY,
      new URL(links['bob@example.com']!).pathname.split('/')[2]!,
      'bob@example.com',
      NOW.getTime() / 1000,
    );
    // Act
    const response = await decideApproval(
      post(links['alice@example.com']!, {
        decision: 'approve',
        confirmVersion: '7',
        formToken: bobs,
      }),
      apiDeps(),
    );
    // Assess
    expect(response.statusCode).toBe(403);
    expectNoDecisionSent();
  });

  it('sends a chat webhook no personal signed link', async () => {
    // Prepare
    const posted: { url: string; body: { text: string } }[] = [];
    const p = { ...plan, approval: { ...plan.approval, webhookUrl: 'https://chat.example.com/h' } };
    // Act
    await requestApproval(
      {
        plan: p,
        components: registeredComponents(p),
        twin: {},
        twinTests: { passed: true, summary: 's', reportUri: 'u', probes: [] },
        taskToken: 'token-webhook',
        enteredTime: `${Math.random()}`,
      },
      {
        ...requestDeps(),
        postWebhook: async (url: string, body: unknown) => {
          posted.push({ url, body: body as { text: string } });
        },
      },
    );
    // Assess
    expect(posted).toHaveLength(1);
    expect(posted[0]!.body.text).not.toContain('sig=');
    expect(posted[0]!.body.text).not.toContain('/approvals/');
    expect(posted[0]!.body.text).toContain('personal link in their e-mail');
  });
});

describe('the audit trail is bounded, beside the approval, and kept past the deadline', () => {
  it('stores views as separate items up to the bound, and never puts the trail in the decision output', async () => {
    // Prepare
    const { approvalId, links } = await pending();
    const view = { ...get(links['alice@example.com']!), userAgent: 'u'.repeat(8000) };
    for (let i = 0; i < MAX_AUDIT_ENTRIES + 20; i++) await viewApproval(view, apiDeps());
    sfn.on(SendTaskSuccessCommand).resolves({});
    // Act
    const decided = await decideApproval(approve(links['alice@example.com']!), apiDeps());
    // Assess
    expect(decided.statusCode).toBe(200);
    const audit = await listAudit(store(), approvalId);
    expect(audit).toHaveLength(MAX_AUDIT_ENTRIES + 1);
    expect(audit.at(-1)).toMatchObject({ action: 'approved', outcome: 'APPROVED' });
    expect(Math.max(...audit.map((a) => (a.userAgent ?? '').length))).toBeLessThanOrEqual(256);
    const record = await getApproval(store(), approvalId);
    expect(record?.auditDropped).toBe(20);
    const output = sfn.commandCalls(SendTaskSuccessCommand)[0]!.args[0].input.output!;
    expect(Buffer.byteLength(output)).toBeLessThan(2000);
    expect(output).not.toContain('uuuu');
  }, 60_000);

  it('keeps the record and its audit for retentionDays after the deadline (the TTL attribute)', async () => {
    // Prepare
    const { approvalId, links } = await pending();
    await viewApproval(get(links['alice@example.com']!), apiDeps());
    // Act
    const record = await getApproval(store(), approvalId);
    const audit = await listAudit(store(), approvalId);
    // Assess (plan.approval.retentionDays defaults to 400)
    expect(record!.deadline).toBe(NOW.getTime() / 1000 + plan.approvalTimeoutSeconds);
    expect(record!.expiresAt).toBe(record!.deadline + 400 * 24 * 3600);
    expect(audit[0]!.expiresAt).toBe(record!.expiresAt);
  });
});

describe('fateOf', () => {
  const entered = (name: string) => ({
    type: 'TaskStateEntered',
    timestamp: NOW,
    stateEnteredEventDetails: { name },
  });
  it.each([
    ['RUNNING', [entered('Request Approval')], 'waiting'],
    ['RUNNING', [entered('Check Still Current'), entered('Request Approval')], 'resumed'],
    ['FAILED', [entered('Record Failure'), entered('Request Approval')], 'resumed'],
    ['RUNNING', [entered('Approval Timed Out'), entered('Request Approval')], 'timed-out'],
    ['ABORTED', [entered('Request Approval')], 'stopped'],
    ['TIMED_OUT', [entered('Request Approval')], 'timed-out'],
    ['FAILED', [entered('Deploy To Twin')], 'ended'],
  ])('%s, states after the approval %#: %s', (status, events, fate) => {
    expect(fateOf(status, events as never).fate).toBe(fate);
  });
});

describe('approval configuration', () => {
  const local = readFileSync(join(__dirname, '../../../config/local.yml'), 'utf8');
  const withApproval = (extra: string) =>
    local.replace('      reminderHours: 24\n', `      reminderHours: 24\n${extra}`);

  it('defaults the audit retention to 400 days', () => {
    expect(
      parseStageConfig(local, 'local.yml').modelGroups['defect-detector']!.approval.retentionDays,
    ).toBe(400);
  });
  it('refuses a chat webhook that is not HTTPS', () => {
    expect(() =>
      parseStageConfig(withApproval('      webhookUrl: http://chat.example.com/h\n'), 'local.yml'),
    ).toThrow(/approval\.webhookUrl: must be an https:\/\/ URL/);
  });
  it('refuses approval.oidc, which was removed', () => {
    expect(() =>
      parseStageConfig(
        withApproval('      oidc: { issuer: https://login.example.com, audience: [a] }\n'),
        'local.yml',
      ),
    ).toThrow(/oidc/);
  });
});
