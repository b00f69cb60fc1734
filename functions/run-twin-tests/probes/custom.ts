import { InvokeCommand } from '@aws-sdk/client-lambda';
import { classifyAwsError, TransientError } from '../../shared/errors';
import type { Probe } from '../../shared/stage-config/schema';
import type { ProbeDeps, ProbeResult, TwinContext } from './types';

type CustomProbe = Extract<Probe, { type: 'custom' }>;

/** The payload a custom test Lambda receives. */
export type CustomProbeEvent = {
  probe: string;
  modelPackageArn: string;
  modelPackageGroupName: string;
  modelPackageVersion: number;
  executionArn: string;
  twin: { targetArn: string; deploymentId: string; devices: string[] };
  components: Record<string, string>;
};

const MAX_EVIDENCE_CHARS = 2000;

/**
 * Invokes the user's test Lambda with the twin context and uses its verdict:
 * it must return `{ "passed": true|false, "evidence"?: … }`. An error in the function,
 * or any other answer, is a failed probe with the reason as evidence.
 */
export const customProbe = async (
  ctx: TwinContext,
  probe: CustomProbe,
  { lambda }: Pick<ProbeDeps, 'lambda'>,
): Promise<ProbeResult> => {
  const target = ctx.plan.targets.find((t) => t.name === ctx.plan.twin.platform)!;
  const event: CustomProbeEvent = {
    probe: probe.name,
    modelPackageArn: ctx.plan.modelPackageArn,
    modelPackageGroupName: ctx.plan.modelPackageGroupName,
    modelPackageVersion: ctx.plan.modelPackageVersion,
    executionArn: ctx.plan.executionArn,
    twin: {
      targetArn: ctx.plan.twin.targetArn,
      deploymentId: ctx.deployment.deploymentId,
      devices: ctx.devices,
    },
    components: {
      [target.modelComponent.name]: target.modelComponent.version,
      [ctx.plan.inferenceComponent.name]: ctx.plan.inferenceComponent.version,
    },
  };
  const fail = (summary: string, evidence: Record<string, unknown> = {}): ProbeResult => ({
    name: probe.name,
    type: 'custom',
    passed: false,
    evidence: { functionArn: probe.functionArn, ...evidence },
    summary,
  });
  let answer: { FunctionError?: string; Payload?: Uint8Array };
  try {
    answer = await lambda.send(
      new InvokeCommand({
        FunctionName: probe.functionArn,
        InvocationType: 'RequestResponse',
        Payload: new TextEncoder().encode(JSON.stringify(event)),
      }),
    );
  } catch (error) {
    const classified = classifyAwsError(error, `invoking ${probe.functionArn}`);
    if (classified instanceof TransientError) throw classified;
    return fail(`could not invoke ${probe.functionArn}: ${classified.message}`);
  }
  const text = answer.Payload ? new TextDecoder().decode(answer.Payload) : '';
  if (answer.FunctionError) {
    return fail(`test function failed: ${text.slice(0, 300)}`, {
      error: text.slice(0, MAX_EVIDENCE_CHARS),
    });
  }
  let verdict: { passed?: unknown; evidence?: unknown };
  try {
    verdict = JSON.parse(text);
  } catch {
    return fail('test function did not return JSON', { answer: text.slice(0, MAX_EVIDENCE_CHARS) });
  }
  if (typeof verdict?.passed !== 'boolean') {
    return fail('test function did not return { "passed": boolean }', {
      answer: text.slice(0, MAX_EVIDENCE_CHARS),
    });
  }
  const evidence = JSON.stringify(verdict.evidence ?? null);
  return {
    name: probe.name,
    type: 'custom',
    passed: verdict.passed,
    evidence: {
      functionArn: probe.functionArn,
      detail:
        evidence.length > MAX_EVIDENCE_CHARS
          ? `${evidence.slice(0, MAX_EVIDENCE_CHARS)}…`
          : (verdict.evidence ?? null),
    },
    summary: `${probe.name} says ${verdict.passed ? 'pass' : 'fail'}`,
  };
};
