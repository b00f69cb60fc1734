import type { ProbeResult } from './probes/types';

/**
 * What run-twin-tests hands back to the state machine: the verdict and a short account of
 * each probe, never the evidence in full. Step Functions refuses a state input or output
 * over 256 KiB (States.DataLimitExceeded; Step Functions developer guide, "Quotas related to
 * state machine executions"), and the twin result travels on through approval and the
 * rollout beside the plan. Probe count, smoke inputs and device answers are all unbounded
 * (answers come from devices), so the full report stays in S3 and the state carries its URI.
 */
export const MAX_STATE_OUTPUT_BYTES = 16_384;
const MAX_EVIDENCE_BYTES = 1_024;
const MAX_SUMMARY_CHARS = 512;
const MAX_DEVICES = 20;

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
const clip = (text: string, max: number) =>
  text.length > max ? `${text.slice(0, max - 1)}…` : text;

export type TwinTestsOutput = {
  passed: boolean;
  summary: string;
  probes: ProbeResult[];
  reportUri: string;
  devices: string[];
  deviceCount: number;
  /** Set when evidence was left out here: it is in the report. */
  truncated?: true;
};

export const stateOutput = (report: {
  passed: boolean;
  summary: string;
  probes: ProbeResult[];
  reportUri: string;
  devices: string[];
}): TwinTestsOutput => {
  let truncated = false;
  const evidenceOf = (p: ProbeResult): Record<string, unknown> => {
    if (bytes(p.evidence) <= MAX_EVIDENCE_BYTES) return p.evidence;
    truncated = true;
    return { truncated: true, bytes: bytes(p.evidence), in: report.reportUri };
  };
  const output: TwinTestsOutput = {
    passed: report.passed,
    summary: clip(report.summary, MAX_SUMMARY_CHARS),
    probes: report.probes.map((p) => ({
      ...p,
      name: clip(p.name, 64),
      summary: clip(p.summary, MAX_SUMMARY_CHARS),
      evidence: evidenceOf(p),
    })),
    reportUri: report.reportUri,
    devices: report.devices.slice(0, MAX_DEVICES),
    deviceCount: report.devices.length,
  };
  if (report.devices.length > MAX_DEVICES || report.summary.length > MAX_SUMMARY_CHARS)
    truncated = true;
  // Many probes: keep the verdicts and the failures first, drop evidence, then probes.
  if (bytes(output) > MAX_STATE_OUTPUT_BYTES) {
    truncated = true;
    output.probes = output.probes
      .map((p) => ({ ...p, summary: clip(p.summary, 160), evidence: { in: report.reportUri } }))
      .sort((a, b) => Number(a.passed) - Number(b.passed));
    while (output.probes.length > 1 && bytes(output) > MAX_STATE_OUTPUT_BYTES) output.probes.pop();
  }
  return truncated ? { ...output, truncated: true } : output;
};
