import { PublishCommand } from '@aws-sdk/client-iot-data-plane';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { classifyAwsError } from '../../shared/errors';
import {
  type SmokeRequest,
  type SmokeResponse,
  smokePartitionKey,
  smokeRequestTopic,
} from '../../shared/smoke-contract';
import type { Probe } from '../../shared/stage-config/schema';
import type { ProbeDeps, ProbeResult, TwinContext } from './types';

type SmokeProbe = Extract<Probe, { type: 'inference-smoke' }>;

const POLL_MS = 1000;

/** The p-th percentile (nearest rank) of `values`; undefined for none. */
export const percentile = (values: number[], p: number): number | undefined => {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
};

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Sends the profile's test inputs to the inference component on the twin (see
 * smoke-contract.ts) and checks accuracy and p95 latency against the profile's thresholds.
 * A missing answer counts as wrong. Request ids are deterministic, so a retry overwrites.
 */
export const inferenceSmoke = async (
  ctx: TwinContext,
  probe: SmokeProbe,
  deps: Pick<ProbeDeps, 'iotData' | 'dynamo' | 'now' | 'sleep' | 'config'>,
): Promise<ProbeResult> => {
  const { iotData, dynamo, now, sleep, config } = deps;
  const expectedAnswers = probe.inputs.length * Math.max(1, ctx.devices.length);
  try {
    for (const device of ctx.devices) {
      for (const input of probe.inputs) {
        const request: SmokeRequest = {
          runId: ctx.runId,
          requestId: input.id,
          payload: input.payload,
          sentAt: now().toISOString(),
        };
        await iotData.send(
          new PublishCommand({
            topic: smokeRequestTopic(device, ctx.runId),
            qos: 1,
            payload: new TextEncoder().encode(JSON.stringify(request)),
          }),
        );
      }
    }
  } catch (error) {
    throw classifyAwsError(error, 'publishing smoke-test requests');
  }

  const deadline = now().getTime() + probe.timeoutSeconds * 1000;
  let responses: SmokeResponse[] = [];
  for (;;) {
    try {
      const { Items } = await dynamo.send(
        new QueryCommand({
          TableName: config.stateTable,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': smokePartitionKey(ctx.runId) },
          ConsistentRead: true,
        }),
      );
      responses = (Items ?? []) as SmokeResponse[];
    } catch (error) {
      throw classifyAwsError(error, 'reading smoke-test responses');
    }
    if (responses.length >= expectedAnswers || now().getTime() >= deadline) break;
    await sleep(POLL_MS);
  }

  const expectedById = new Map(probe.inputs.map((i) => [i.id, i.expected]));
  const correct = responses.filter(
    (r) => expectedById.has(r.requestId) && same(r.output, expectedById.get(r.requestId)),
  ).length;
  const accuracy = Math.round((correct / expectedAnswers) * 1000) / 1000;
  const p95 = percentile(responses.map((r) => Number(r.latencyMs)).filter(Number.isFinite), 95);
  const wrong = responses
    .filter((r) => !same(r.output, expectedById.get(r.requestId)))
    .slice(0, 10)
    .map((r) => ({
      requestId: r.requestId,
      thingName: r.thingName,
      output: r.output,
      expected: expectedById.get(r.requestId),
    }));
  const accuracyOk = accuracy >= probe.minAccuracy;
  const latencyOk = p95 !== undefined && p95 <= probe.maxP95LatencyMs;
  const passed = accuracyOk && latencyOk;
  const problems = [
    accuracyOk ? undefined : `accuracy ${accuracy} < ${probe.minAccuracy}`,
    latencyOk
      ? undefined
      : p95 === undefined
        ? 'no answers'
        : `p95 ${p95} ms > ${probe.maxP95LatencyMs} ms`,
  ].filter(Boolean);
  return {
    name: 'inference-smoke',
    type: 'inference-smoke',
    passed,
    evidence: {
      answers: responses.length,
      expectedAnswers,
      accuracy,
      minAccuracy: probe.minAccuracy,
      p95LatencyMs: p95 ?? null,
      maxP95LatencyMs: probe.maxP95LatencyMs,
      wrong,
    },
    summary: passed
      ? `accuracy ${accuracy}, p95 ${p95} ms over ${responses.length} answer(s)`
      : problems.join('; '),
  };
};
