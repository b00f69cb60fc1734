import { execFileSync } from 'node:child_process';
import { cpus, freemem, totalmem } from 'node:os';
import { join } from 'node:path';
import { type Burst, burstSection } from './burst';
import { type ColdStart, coldStartSection } from './cold-starts';
import { type EndToEnd, endToEndSection } from './end-to-end';
import { type FleetScaling, fleetScalingSection } from './fleet-scaling';
import { type LocalRun, localRunSection } from './local-run';
import { type PollCost, pollCostSection } from './poll-cost';
import { round } from './stats';

const ROOT = join(__dirname, '../..');

/** Where and when the figures were taken: they are only comparable within one run. */
export const machineFacts = (runs: number, startedAt: number) => ({
  date: new Date().toISOString(),
  node: process.version,
  cpu: `${cpus().length} × ${cpus()[0]?.model ?? 'unknown'}`,
  memoryGb: round(totalmem() / 2 ** 30),
  freeMemoryGb: round(freemem() / 2 ** 30),
  commit: (() => {
    try {
      return execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
        cwd: ROOT,
        encoding: 'utf8',
      }).trim();
    } catch {
      return 'unknown';
    }
  })(),
  runs,
  benchSeconds: Math.round((Date.now() - startedAt) / 1000),
});

export type Report = {
  machine: ReturnType<typeof machineFacts>;
  functions: ColdStart[];
  polls: PollCost;
  burst: Burst;
  endToEnd: EndToEnd;
  localRun: LocalRun;
  fleetScaling: FleetScaling;
  /** Set when the fleet rows were measured again alone (`npm run bench -- --only fleet`). */
  fleetScalingRemeasured?: { date: string; commit: string };
};

/** docs/benchmarks.md: one section per measure, in the order a reader asks about them. */
export const renderReport = ({ machine, ...r }: Report) => `# Benchmarks

Written by \`npm run bench\` on ${machine.date} (commit ${machine.commit}), Node ${machine.node},
${machine.cpu}, ${machine.memoryGb} GiB; the whole run took ${machine.benchSeconds} s. Every figure
stands beside a baseline measured in the same run; timings are medians of ${machine.runs} runs. Raw
numbers: [benchmarks.json](benchmarks.json). Nothing here is asserted by tests.

${coldStartSection(r.functions)}${pollCostSection(r.polls)}${endToEndSection(r.endToEnd)}\
${localRunSection(r.localRun)}
${fleetScalingSection(r.fleetScaling, r.fleetScalingRemeasured)}
${burstSection(r.burst)}`;
