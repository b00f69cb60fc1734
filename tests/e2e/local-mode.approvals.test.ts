import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SFNClient,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { parse } from 'yaml';
import type { Emulator } from '../../emulator/emulator';
import { controlOf, startLocalEmulator } from '../helpers/local-mode';
import { until } from '../helpers/until';

/**
 * The approval guarantees end to end: the real ASL, the real approval handlers, the local
 * emulator with injected Step Functions faults, stopped and superseded executions, and
 * cross-site requests. One emulator; each test approves its own model version.
 */
const ROOT = join(__dirname, '../..');
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
let emulator: Emulator;
let sfn: SFNClient;
let doc: DynamoDBDocumentClient;
let table: string;

beforeAll(async () => {
  emulator = await startLocalEmulator();
  sfn = new SFNClient({ endpoint: emulator.url, region: 'us-east-1', credentials });
  doc = DynamoDBDocumentClient.from(
    new DynamoDBClient({ endpoint: emulator.url, region: 'us-east-1', credentials }),
  );
  table = emulator.resources.StateTable!.ref;
}, 90_000);
afterAll(async () => {
  sfn?.destroy();
  doc?.destroy();
  await emulator?.close();
});

const control = (path: string, body?: unknown) => controlOf(emulator.url)(path, body);

/** Approves `version` in the registry; returns Alice's link once its execution waits at approval. */
const waitingApproval = async (version: number) => {
  const event = JSON.parse(readFileSync(join(ROOT, 'events/model-package-approved.json'), 'utf8'));
  event.id = `approvals-e2e-${version}`;
  event.detail.ModelPackageVersion = version;
  event.detail.ModelPackageArn = event.detail.ModelPackageArn.replace(/\/7$/, `/${version}`);
  event.detail.LastModifiedTime = new Date(Date.UTC(2026, 10, 1, version)).toISOString();
  await control('seed', { event });
  const { deliveries } = await control('deliver', { event });
  const executionArn = deliveries[0].result.executionArn as string;
  const message = await until(
    'the approval e-mail',
    () =>
      emulator.world.sns.find(
        (m) =>
          m.subject?.startsWith(`Approve defect-detector v${version} `) &&
          m.attributes.approver === 'alice@example.com',
      ),
    120_000,
  );
  const link = new URL(/(http:\/\/\S+\/approvals\/\S+)/.exec(message.message)![1]!);
  return { executionArn, link, approvalId: link.pathname.split('/')[2]!, version };
};

/** A browser on the page: GET it, then POST its form from the same origin. */
const open = async (link: URL, headers: Record<string, string> = {}) => {
  const response = await fetch(link, { headers });
  const body = await response.text();
  return {
    status: response.status,
    body,
    formToken: /name="formToken" value="([^"]+)"/.exec(body)?.[1] ?? '',
  };
};
const submit = async (
  link: URL,
  form: Record<string, string>,
  headers: Record<string, string> = { origin: link.origin, 'sec-fetch-site': 'same-origin' },
) => {
  const response = await fetch(new URL(`${link.pathname}/decision`, link), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams({
      approver: link.searchParams.get('approver')!,
      exp: link.searchParams.get('exp')!,
      sig: link.searchParams.get('sig')!,
      ...form,
    }),
  });
  return { status: response.status, body: await response.text() };
};
const approveOnPage = async (link: URL, extra: Record<string, string> = {}) => {
  const page = await open(link);
  return submit(link, {
    formToken: page.formToken,
    decision: 'approve',
    confirmVersion: link.searchParams.get('v') ?? '',
    ...extra,
  });
};
const status = async (executionArn: string) =>
  (await sfn.send(new DescribeExecutionCommand({ executionArn }))).status;
const finished = (executionArn: string) =>
  until(
    'the execution to end',
    async () => {
      const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
      return d.status === 'RUNNING' ? undefined : d;
    },
    120_000,
  );
/** Still waiting at its approval task: no state entered after Request Approval. */
const stillWaiting = async (executionArn: string) => {
  const { events = [] } = await sfn.send(
    new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 5 }),
  );
  const entered = events.find((e) => e.type?.endsWith('StateEntered'));
  return (
    (await status(executionArn)) === 'RUNNING' &&
    entered?.stateEnteredEventDetails?.name === 'Request Approval'
  );
};
const record = async (approvalId: string) =>
  (
    await doc.send(
      new GetCommand({ TableName: table, Key: { pk: `approval#${approvalId}`, sk: 'approval' } }),
    )
  ).Item;
const outage = (operations: string[]) => control('options', { failingOperations: operations });
const withVersion = (link: URL, version: number) => {
  const url = new URL(link);
  url.searchParams.set('v', String(version));
  return url;
};
const LONG = 180_000;

describe('approvals end to end', () => {
  afterEach(() => outage([]));

  it(
    'DecisionWithEffect: a failed SendTaskSuccess is reported honestly, and the same link resumes the execution',
    async () => {
      // Prepare
      const w = await waitingApproval(20);
      const link = withVersion(w.link, w.version);
      await outage(['states.SendTaskSuccess']);
      // Act
      const failed = await approveOnPage(link);
      // Assess: no "Approved" while the execution still waits, and no 500.
      expect(failed.status).toBe(503);
      expect(failed.body).not.toContain('Approved ✔');
      expect(failed.body).toContain('has not resumed yet');
      expect(await stillWaiting(w.executionArn)).toBe(true);
      // Act: the outage ends; the approver opens the same link again and presses Retry.
      await outage([]);
      const page = await open(link);
      const retried = await submit(link, { formToken: page.formToken, decision: 'retry' });
      // Assess
      expect(page.body).toContain('id="retry"');
      expect(retried.status).toBe(200);
      expect(retried.body).toContain('Approved ✔');
      expect((await finished(w.executionArn)).status).toBe('SUCCEEDED');
    },
    LONG,
  );

  it(
    'WatchdogSeesUndelivered: a decision whose execution did not resume is found and resent by the watchdog',
    async () => {
      // Prepare: the approval is decided during an outage of SendTaskSuccess.
      const w = await waitingApproval(21);
      const link = withVersion(w.link, w.version);
      await outage(['states.SendTaskSuccess']);
      expect((await approveOnPage(link)).status).toBe(503);
      // Act: the watchdog runs during the outage, then after it.
      const during = (await emulator.functions.invoke('approvalWatchdog', {})) as any;
      await outage([]);
      const after = (await emulator.functions.invoke('approvalWatchdog', {})) as any;
      // Assess
      expect(during.stranded).toEqual([
        expect.objectContaining({ approvalId: w.approvalId, status: 'APPROVED' }),
      ]);
      expect(after.redelivered).toEqual([w.approvalId]);
      expect((await finished(w.executionArn)).status).toBe('SUCCEEDED');
      expect((await record(w.approvalId))?.resumedAt).toBeDefined();
    },
    LONG,
  );

  it(
    'AuditBounded: page views with huge headers can never push the decision over the payload limit',
    async () => {
      // Prepare: 40 views, each with an 8 KB User-Agent (~320 KB if it all went into the output).
      const w = await waitingApproval(22);
      const link = withVersion(w.link, w.version);
      for (let i = 0; i < 40; i++)
        await open(link, { 'user-agent': `scanner-${i}-${'x'.repeat(8000)}` });
      // Act
      const decided = await approveOnPage(link);
      // Assess
      expect(decided.status).toBe(200);
      const done = await finished(w.executionArn);
      expect(done.status).toBe('SUCCEEDED');
      const { Items = [] } = await doc.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :a)',
          ExpressionAttributeValues: { ':pk': `approval#${w.approvalId}`, ':a': 'audit#' },
        }),
      );
      expect(Items.filter((i) => i.action === 'viewed').length).toBeGreaterThanOrEqual(40);
      expect(Items.every((i) => String(i.userAgent ?? '').length <= 256)).toBe(true);
      const approval = JSON.parse(done.output!).approval;
      expect(Buffer.byteLength(JSON.stringify(approval))).toBeLessThan(4096);
    },
    LONG,
  );

  it(
    'AuditRetention: the approval and its audit outlive the deadline by the configured retention',
    async () => {
      // Prepare
      const w = await waitingApproval(23);
      await open(withVersion(w.link, w.version));
      // Act: the TTL attribute the state table declares in serverless.yml.
      const ttlAttribute = (
        parse(readFileSync(join(ROOT, 'serverless.yml'), 'utf8'), { logLevel: 'silent' } as never)
          .resources.Resources.StateTable.Properties.TimeToLiveSpecification as {
          AttributeName: string;
        }
      ).AttributeName;
      const item = await record(w.approvalId);
      const { Items = [] } = await doc.send(
        new QueryCommand({
          TableName: table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :a)',
          ExpressionAttributeValues: { ':pk': `approval#${w.approvalId}`, ':a': 'audit#' },
        }),
      );
      // Assess: DynamoDB deletes an item once its TTL attribute passes; the decision deadline
      // is the link's `exp`, and the default retention is 400 days.
      const deadline = Number(w.link.searchParams.get('exp'));
      expect(item?.[ttlAttribute]).toBe(deadline + 400 * 86_400);
      expect(Items.length).toBeGreaterThan(0);
      for (const entry of Items) expect(entry[ttlAttribute]).toBe(deadline + 400 * 86_400);
      await sfn.send(new StopExecutionCommand({ executionArn: w.executionArn }));
    },
    LONG,
  );

  it(
    'StoppedExecution: its page says it was stopped and a POST approves nothing',
    async () => {
      // Prepare
      const w = await waitingApproval(24);
      const link = withVersion(w.link, w.version);
      const before = await open(link);
      await sfn.send(
        new StopExecutionCommand({
          executionArn: w.executionArn,
          error: 'Operator',
          cause: 'stopped by hand',
        }),
      );
      // Act
      const page = await open(link);
      const decided = await submit(link, {
        formToken: before.formToken,
        decision: 'approve',
        confirmVersion: String(w.version),
      });
      // Assess
      expect(page.body).toContain('the execution was stopped (Operator: stopped by hand)');
      expect(page.body).not.toContain('id="approve"');
      expect(decided.status).toBe(410);
      expect(decided.body).toContain('This execution was stopped');
      expect(decided.body).not.toContain('Approved');
      expect((await record(w.approvalId))?.status).toBe('STOPPED');
    },
    LONG,
  );

  it(
    'SupersededExecution: approving an older version after a newer one was approved says superseded and releases nothing',
    async () => {
      // Prepare: v25 waits at approval, then v26 is approved in the registry.
      const older = await waitingApproval(25);
      const newer = await waitingApproval(26);
      const link = withVersion(older.link, older.version);
      // Act
      const page = await open(link);
      const decided = await approveOnPage(link);
      // Assess
      expect(page.body).toContain(
        'Superseded: version 26 of defect-detector was approved after version 25',
      );
      expect(decided.body).not.toContain('Approved ✔');
      expect(decided.body).toContain('This version will not be released');
      const done = await finished(older.executionArn);
      expect(done.status).not.toBe('RUNNING');
      const { events = [] } = await sfn.send(
        new GetExecutionHistoryCommand({ executionArn: older.executionArn }),
      );
      const visited = events.map((e) => e.stateEnteredEventDetails?.name).filter(Boolean);
      expect(visited).not.toContain('Roll Out Fleets');
      expect(visited).not.toContain('Check Still Current');
      await sfn.send(new StopExecutionCommand({ executionArn: newer.executionArn }));
    },
    LONG,
  );

  it(
    'CrossSite: a POST from another site, or without the page token, decides nothing',
    async () => {
      // Prepare
      const w = await waitingApproval(27);
      const link = withVersion(w.link, w.version);
      const page = await open(link);
      const form = { decision: 'approve', confirmVersion: String(w.version) };
      // Act
      const fromEvil = await submit(
        link,
        { ...form, formToken: page.formToken },
        { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
      );
      const withoutToken = await submit(link, form);
      // Assess
      expect(fromEvil.status).toBe(403);
      expect(withoutToken.status).toBe(403);
      expect(await stillWaiting(w.executionArn)).toBe(true);
      expect((await record(w.approvalId))?.status).toBe('PENDING');
      // The page's own form still works.
      const decided = await submit(link, { ...form, formToken: page.formToken });
      expect(decided.status).toBe(200);
      expect((await finished(w.executionArn)).status).toBe('SUCCEEDED');
    },
    LONG,
  );
});
