import { decide } from '../../cli/simulate';
import { controlOf, runSimulation } from '../helpers/local-mode';
import { until } from '../helpers/until';

/**
 * `simulate` in a terminal with no decision flag: it waits at the approval for a person, with
 * the simulated clock slowed (real time by default; `approvalClockFactor` shortens the wait
 * here), and resumes when the decision is made on the page.
 */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const startWaiting = () => {
  const lines: string[] = [];
  return { lines, log: (line: string) => void lines.push(line) };
};

describe('simulate waits for a person at the approval', () => {
  it('keeps the clock at real time while waiting, and resumes on a decision made on the page', async () => {
    const { lines, log } = startWaiting();
    const run = runSimulation(
      { interactive: true, approvalClockFactor: 1, timeoutSeconds: 60 },
      log,
    );
    const link = await until(
      'the approval link',
      async () =>
        /^Approval link: (\S+)$/.exec(lines.find((l) => l.startsWith('Approval link:')) ?? '')?.[1],
      60_000,
    );
    expect(lines).toContainEqual(expect.stringMatching(/^Decide before: \S+Z \(.+\)$/));
    await until(
      'the wait message',
      async () => lines.find((l) => l.startsWith('waiting for your decision')),
      10_000,
    );
    const endpoint = new URL(link).origin;
    const now = async () => Date.parse((await controlOf(endpoint)('state')).now);
    const before = await now();
    // Longer than a minute: the interpreter's own 60-second default task timeout once ended
    // every wait for a person here, whatever the approval's timeout.
    await sleep(65_000);
    // At the tests' usual 300×, 65 real seconds would be 5.4 virtual hours.
    expect((await now()) - before).toBeLessThan(70_000);
    expect(lines.some((l) => l.startsWith('→ Approval Timed Out'))).toBe(false);
    expect(await decide(link, 'approve', '7')).toBe(200);
    const summary = await run;
    expect(summary.status).toBe('SUCCEEDED');
    expect(summary.approval).toMatchObject({ decision: 'decided on the approval page' });
    expect(summary.approval!.waitedForPersonMs).toBeGreaterThan(65_000);
    expect(summary.approval!.links).toHaveLength(2);
    expect(lines.filter((l) => l.startsWith('Approval link: '))).toHaveLength(2);
  }, 180_000);

  it('lets the approval time out on the slowed clock, not at the run rate', async () => {
    const { lines, log } = startWaiting();
    // 72 hours at 20,000×: about 13 real seconds. The run's own 300× would take 14 minutes,
    // and real time 72 hours: the approval's timeout follows the clock it waits on.
    const started = Date.now();
    const summary = await runSimulation(
      { interactive: true, approvalClockFactor: 20_000, timeoutSeconds: 60 },
      log,
    );
    expect(summary.status).toBe('FAILED');
    expect(summary.statesVisited).toContain('Approval Timed Out');
    expect(summary.approval!.waitedForPersonMs).toBeGreaterThan(10_000);
    expect(Date.now() - started).toBeLessThan(120_000);
    expect(lines).toContainEqual(expect.stringMatching(/simulated clock runs at 20000× real time/));
  }, 180_000);
});

describe('a failure-path run in a terminal does not wait for a person nobody asked for', () => {
  it('approves on the page when given --json or --duplicate-deliveries, and says so', async () => {
    // Act: in a terminal, no decision flag, but flags that exist to show something else.
    const { lines, log } = startWaiting();
    const summary = await runSimulation(
      { interactive: true, json: true, duplicateDeliveries: 2, timeoutSeconds: 120 },
      log,
    );
    // Assess: the run shows what it exists for, and its summary is not a wait.
    expect(summary.status).toBe('SUCCEEDED');
    expect(summary.deliveries).toHaveLength(3);
    expect(summary.approval).toMatchObject({ decision: 'approve', httpStatus: 200 });
    expect(lines).toContain(
      'approval: approving on the page, since this run is about --duplicate-deliveries, --json, not the decision (leave them out, or give --approval-clock, to decide yourself)',
    );
    expect(lines.some((l) => l.startsWith('waiting for your decision'))).toBe(false);
  }, 180_000);

  it('still waits for a person when --approval-clock asks for it', async () => {
    // Act
    const { lines, log } = startWaiting();
    const summary = await runSimulation(
      { interactive: true, json: true, approvalClockFactor: 20_000, timeoutSeconds: 60 },
      log,
    );
    // Assess: nobody decided; the approval timed out on the clock it waited on.
    expect(summary.status).toBe('FAILED');
    expect(summary.error).toBe('ApprovalTimedOut');
    expect(lines.some((l) => l.startsWith('waiting for your decision'))).toBe(true);
  }, 180_000);
});
