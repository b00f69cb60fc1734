import type { Logger } from '@aws-lambda-powertools/logger';
import type { GreengrassV2Client } from '@aws-sdk/client-greengrassv2';
import type { IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { JobCountsSchema } from '../../check-deployment/job-counts';
import { DEPLOYMENT_VERDICTS } from '../../check-deployment/settle';
import type { Clock } from '../../shared/clock';
import type { Plan } from '../../shared/plan';
import * as z from '../../shared/zod-mini';

export type ProbeResult = {
  name: string;
  type: string;
  passed: boolean;
  /** What the verdict rests on, short enough for the execution state and the approval page. */
  evidence: Record<string, unknown>;
  summary: string;
};

/** What the probes read of Check Deployment's verdict on the twin deployment. */
export const TwinDeploymentSchema = z.looseObject({
  deploymentId: z.string().check(z.minLength(1)),
  targetArn: z.string().check(z.minLength(1)),
  status: z.enum(DEPLOYMENT_VERDICTS),
  counts: JobCountsSchema,
  reason: z.optional(z.string()),
  /** The devices that failed, read once the outcome was known. */
  devices: z.optional(z.looseObject({ failed: z.array(z.string()) })),
});

export type TwinContext = {
  plan: Plan;
  deployment: z.infer<typeof TwinDeploymentSchema>;
  /** Core devices of the twin target (the thing itself, or the group's core devices). */
  devices: string[];
  /** Deterministic per execution, so a retry re-sends the same smoke requests. */
  runId: string;
};

export type ProbeDeps = {
  greengrass: GreengrassV2Client;
  iotData: IoTDataPlaneClient;
  dynamo: DynamoDBDocumentClient;
  lambda: LambdaClient;
  logger: Logger;
  now: Clock;
  sleep: (ms: number) => Promise<void>;
  config: { stateTable: string };
};
