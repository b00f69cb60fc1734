import { SendTaskFailureCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import {
  decideApproval,
  type HttpRequest,
  viewApproval,
} from '../../../functions/approval-api/approval-api';
import { requestApproval } from '../../../functions/request-approval/request-approval';
import { approvalLink, sign, verify } from '../../../functions/shared/approval/signing';
import { getApproval } from '../../../functions/shared/approval/store';
import type { Plan } from '../../../functions/shared/plan';
import { type LocalTable, startLocalTable } from '../../helpers/dynalite';
import { registeredComponents, samplePlan, silentLogger } from '../../helpers/fixtures';

const KEY = 'k'.repeat(64);
const NOW = new Date('2026-11-25T12:00:00Z');
const sfn = mockClient(SFNClient);

let db: LocalTable;
let plan: Plan;
let sent: { key: string; approver: string; link: string; text: string }[] = [];
beforeAll(async () => {
  db = await startLocalTable();
  plan = await samplePlan();
});
afterAll(() => db.close());
beforeEach(() => {
  sfn.reset();
  sent = [];
});

const store = () => ({ dynamo: db.doc, table: db.table });
const notified = new Set<string>();
const requestDeps = (now = NOW) => ({
  store: store(),
  signingKey: async () => KEY,
  notifyApprover: async (m: { key: string; approver: string; link: string; text: string }) => {
    if (notified.has(m.key)) return;
    notified.add(m.key);
    sent.push(m);
  },
  logger: silentLogger(),
  now: () => now,
  config: { baseUrl: 'https://approvals.example.com' },
});
const apiDeps = (now = NOW, requireLogin = false) => ({
  store: store(),
  sfn: new SFNClient({}),
  signingKey: async () => KEY,
  logger: silentLogger(),
  now: () => now,
  requireLogin,
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
const post = (url: URL, form: Record<string, string>): HttpRequest => ({
  ...get(url),
  method: 'POST',
  query: {},
  form: { ...Object.fromEntries(url.searchParams), ...form },
});

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
    expect(sfn.calls()).toHaveLength(0);
    const record = await getApproval(store(), approvalId);
    expect(record?.status).toBe('PENDING');
    expect(record?.audit).toEqual([
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
    expect(sfn.calls()).toHaveLength(0);
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
    expect(sfn.calls()).toHaveLength(0);
    expect((await getApproval(store(), approvalId))?.audit ?? []).toEqual([]);
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

  it('shows "this approval has expired" and closes the record when Step Functions no longer waits', async () => {
    // Prepare
    const { approvalId, links } = await pending();
    sfn
      .on(SendTaskSuccessCommand)
      .rejects(Object.assign(new Error('Task Timed Out'), { name: 'TaskTimedOut' }));
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

  it('with login required, refuses a decision from another identity', async () => {
    // Prepare
    const { links } = await pending();
    const request = {
      ...post(links['alice@example.com']!, { decision: 'approve', confirmVersion: '7' }),
      claims: { email: 'bob@example.com' },
    };
    // Act
    const response = await decideApproval(request, apiDeps(NOW, true));
    // Assess
    expect(response.statusCode).toBe(403);
    expect(sfn.calls()).toHaveLength(0);
  });
});
