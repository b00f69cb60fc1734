import type { Logger } from '@aws-lambda-powertools/logger';
import type { GreengrassV2Client } from '@aws-sdk/client-greengrassv2';
import type { IoTDataPlaneClient } from '@aws-sdk/client-iot-data-plane';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CheckDeploymentOutput } from '../../check-deployment/check-deployment';
import type { Plan } from '../../shared/plan';

export type ProbeResult = {
  name: string;
  type: string;
  passed: boolean;
  /** What the verdict rests on, short enough for the execution state and the approval page. */
  evidence: Record<string, unknown>;
  summary: string;
};

export type TwinContext = {
  plan: Plan;
  deployment: CheckDeploymentOutput;
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
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  config: { stateTable: string };
};
