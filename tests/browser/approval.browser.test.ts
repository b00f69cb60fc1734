import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { type Browser, chromium } from 'playwright-core';
import { decide } from '../../cli/simulate';
import { seedEvaluationReports } from '../../cli/simulate/registry-reports';
import { Emulator } from '../../emulator/emulator';
import { loadStageConfig } from '../../functions/shared/stage-config/load';
import { until } from '../helpers/until';

/**
 * The approval page in a real browser (Debian's chromium driven by playwright-core), served by
 * the real approval handler in local mode, resuming a real waiting execution.
 * Needs /usr/bin/chromium: .ci/run installs it and sets EDGE_MLOPS_REQUIRE_BROWSER=1.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const hasBrowser = existsSync(CHROMIUM);
if (!hasBrowser && process.env.EDGE_MLOPS_REQUIRE_BROWSER === '1')
  throw new Error(`${CHROMIUM} is missing: install Debian's chromium`);
if (!hasBrowser)
  console.warn(`browser tests skipped: ${CHROMIUM} not found (apt-get install chromium)`);

const ROOT = join(__dirname, '../..');
const IMG = join(ROOT, 'docs/img');
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const V6_REPORT =
  's3://edge-mlops-local-models/defect-detector/training-2026-10-15/evaluation.json';
let emulator: Emulator;
let browser: Browser;
let sfn: SFNClient;

/** Approves version `version` in the registry and returns Alice's link once the execution waits. */
const waitingApproval = async (version: number) => {
  const event = JSON.parse(readFileSync(join(ROOT, 'events/model-package-approved.json'), 'utf8'));
  event.id = `browser-${version}`;
  event.detail.ModelPackageVersion = version;
  event.detail.ModelPackageArn = event.detail.ModelPackageArn.replace(/\/7$/, `/${version}`);
  event.detail.LastModifiedTime = `2026-11-2${version - 6}T09:00:00Z`;
  // Version 6, the one live before, was trained and evaluated a month earlier.
  if (version === 6) event.detail.ModelMetrics.ModelQuality.Statistics.S3Uri = V6_REPORT;
  const control = (path: string, body: unknown) =>
    fetch(`${emulator.url}/_emulator/${path}`, { method: 'POST', body: JSON.stringify(body) }).then(
      (r) => r.json() as Promise<any>,
    );
  await control('seed', { event });
  await seedEvaluationReports(emulator.url, event);
  const { deliveries } = await control('deliver', { event });
  const executionArn = deliveries[0].result.executionArn as string;
  const message = await until('the approval e-mail', () =>
    emulator.world.sns.find(
      (m) =>
        m.subject?.startsWith(`Approve defect-detector v${version} `) &&
        m.attributes.approver === 'alice@example.com',
    ),
  );
  const link = /(http:\/\/\S+\/approvals\/\S+)/.exec(message.message)![1]!;
  return { executionArn, link };
};
const finished = (executionArn: string) =>
  until('the execution to end', async () => {
    const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    return d.status === 'RUNNING' ? undefined : d;
  });

(hasBrowser ? describe : describe.skip)('approval page in a real browser', () => {
  beforeAll(async () => {
    mkdirSync(IMG, { recursive: true });
    emulator = await Emulator.start({
      config: loadStageConfig(join(ROOT, 'config/local.yml')),
      configFile: join(ROOT, 'config/local.yml'),
      clockFactor: 300, // margin for loaded CI machines (see tests/helpers/local-mode.ts)
    });
    sfn = new SFNClient({ endpoint: emulator.url, region: 'us-east-1', credentials });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
    // Version 6 is released first: the page compares version 7 with what the fleets run.
    const v6 = await waitingApproval(6);
    expect(await decide(v6.link, 'approve', '6')).toBe(200);
    expect((await finished(v6.executionArn)).status).toBe('SUCCEEDED');
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await emulator?.close();
  });

  it('shows the evidence, and Approve (with the typed version) resumes the waiting execution', async () => {
    // Prepare
    const { executionArn, link } = await waitingApproval(7);
    const page = await browser.newPage({
      viewport: { width: 1000, height: 1400 },
      timezoneId: 'Europe/Berlin',
      locale: 'en-GB',
    });
    // Act: open the link as from the e-mail; a GET decides nothing.
    const response = await page.goto(link);
    // Assess the page
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
    await expect(page.locator('h1').textContent()).resolves.toBe('defect-detector version 7');
    await expect(page.locator('#twin-verdict').textContent()).resolves.toBe('passed');
    await expect(page.locator('#probes').textContent()).resolves.toContain('inference-smoke');
    await expect(page.locator('#rollout').textContent()).resolves.toContain(
      'factory-jetson-canary',
    );
    // The metrics as values, next to those of version 6, live on both fleets.
    const metrics = (await page.locator('#metrics').textContent())!;
    expect(metrics).toContain('v7 (this release)');
    expect(metrics).toContain('v6 — live on factory-jetson, field-rpi');
    expect(metrics).toMatch(/accuracy\s*0\.962\s*0\.948 \(\+0\.014\)/);
    // What each decision does, and the deadline in UTC and in the approver's time zone.
    const consequences = (await page.locator('#consequences').textContent())!;
    expect(consequences).toContain('Approve: the waiting execution resumes');
    expect(consequences).toContain('Reject: nothing goes to production');
    const deadline = (await page.locator('#deadline').textContent())!;
    expect(deadline).toMatch(/Decide before \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC — your time: .*CET/);
    // The full twin report opens: an HTTPS-style presigned link the browser can follow.
    const href = (await page.locator('#twin-report').getAttribute('href'))!;
    expect(href).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/.*twin-tests\/.*X-Amz-Signature=/);
    const report = await page.context().request.get(href);
    expect(report.status()).toBe(200);
    expect(await report.json()).toMatchObject({ passed: true, probes: expect.any(Array) });
    await page.screenshot({ path: join(IMG, 'approval-page.png'), fullPage: true });
    expect((await sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('RUNNING');
    // Act: clicking Approve without typing the version is blocked by the form.
    await page.click('#approve');
    expect(page.url()).toBe(link);
    // Act: type the version and approve.
    await page.fill('#confirm-approve', '7');
    await page.fill('#comment', 'twin numbers look good');
    await Promise.all([page.waitForLoadState('load'), page.click('#approve')]);
    // Assess
    await expect(page.locator('h1').textContent()).resolves.toBe('Approved ✔');
    await page.screenshot({ path: join(IMG, 'approval-approved.png') });
    const done = await finished(executionArn);
    expect(done.status).toBe('SUCCEEDED');
    // A second visit shows what was decided, by whom.
    await page.goto(link);
    await expect(page.locator('#decision').textContent()).resolves.toMatch(
      /approved by alice@example\.com at/,
    );
    await page.close();
  }, 120_000);

  it('Reject asks for a reason and ends the execution as rejected', async () => {
    // Prepare
    const { executionArn, link } = await waitingApproval(8);
    const page = await browser.newPage({ viewport: { width: 1000, height: 1400 } });
    await page.goto(link);
    // Act
    await page.fill('#confirm-reject', '8');
    await page.fill('#reason', 'false positives on line 3 in the twin images');
    await Promise.all([page.waitForLoadState('load'), page.click('#reject')]);
    // Assess
    await expect(page.locator('h1').textContent()).resolves.toBe('Rejected');
    await page.screenshot({ path: join(IMG, 'approval-rejected.png') });
    const done = await finished(executionArn);
    expect(done.status).toBe('FAILED');
    expect(done.error).toBe('ApprovalRejected');
    expect(done.cause).toContain('false positives on line 3 in the twin images');
    await page.close();
  }, 120_000);

  it('refuses a tampered link with a clear page', async () => {
    // Prepare
    const page = await browser.newPage();
    const { link } = await waitingApproval(9);
    const forged = link.replace('alice%40example.com', 'mallory%40example.com');
    // Act
    const response = await page.goto(forged);
    // Assess
    expect(response?.status()).toBe(403);
    await expect(page.locator('#message').textContent()).resolves.toContain(
      'signature does not match',
    );
    await page.close();
  }, 120_000);

  it('refuses a decision posted from another site, even with a valid page token', async () => {
    // Prepare: a real page's token, copied into a form on a page of another origin.
    const { executionArn, link } = await waitingApproval(10);
    const own = await browser.newPage();
    await own.goto(link);
    const token = await own.locator('input[name="formToken"]').first().getAttribute('value');
    const url = new URL(link);
    const fields = {
      approver: url.searchParams.get('approver')!,
      exp: url.searchParams.get('exp')!,
      sig: url.searchParams.get('sig')!,
      formToken: token!,
      decision: 'approve',
      confirmVersion: '10',
    };
    const evil = await browser.newPage();
    await evil.setContent(
      `<form id="f" method="post" action="${url.origin}${url.pathname}/decision">${Object.entries(
        fields,
      )
        .map(([k, v]) => `<input type="hidden" name="${k}" value="${v}">`)
        .join('')}</form>`,
    );
    // Act
    const [response] = await Promise.all([
      evil.waitForNavigation(),
      evil.locator('#f').evaluate((form) => (form as unknown as { submit(): void }).submit()),
    ]);
    // Assess
    expect(response?.status()).toBe(403);
    await expect(evil.locator('#message').textContent()).resolves.toContain('Nothing was decided');
    expect((await sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('RUNNING');
    await own.close();
    await evil.close();
  }, 120_000);
});
