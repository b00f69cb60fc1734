import { runSimulation } from '../helpers/local-mode';

/**
 * The time warp on a whole release (emulator/warp.ts): the clock jumps over the pipeline's
 * waits, yet the approval — answered from outside the emulator, by simulate on the page — is
 * never jumped over: it is approved, not timed out, and the release succeeds.
 */
describe('time warp in a local run', () => {
  it('skips the waits of a release but not the approval window', async () => {
    const summary = await runSimulation({ warp: true, approve: true, clockFactor: 1000 });
    expect(summary.status).toBe('SUCCEEDED');
    expect(summary.approval?.decision).toBe('approve');
    expect(summary.approval?.httpStatus).toBe(200);
    expect(summary.timeWarp?.jumps).toBeGreaterThan(0);
    expect(summary.timeWarp?.skippedMs).toBeGreaterThan(0);
  }, 180_000);

  it('does not jump when it is off', async () => {
    const summary = await runSimulation({ warp: false, approve: true });
    expect(summary.status).toBe('SUCCEEDED');
    expect(summary.timeWarp).toEqual({ jumps: 0, skippedMs: 0 });
  }, 180_000);
});
