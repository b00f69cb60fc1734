/**
 * The inference smoke-test contract between run-twin-tests and the inference component.
 *
 * 1. run-twin-tests publishes one request per test input and twin device to
 *    `edge-mlops/smoke/request/<thingName>/<runId>`: `{ runId, requestId, payload, sentAt }`.
 *    Requests are addressed per device, so production devices never receive them.
 * 2. The inference component subscribes to `edge-mlops/smoke/request/{iot:thingName}/+` and
 *    answers on `edge-mlops/smoke/response/<runId>`:
 *    `{ runId, requestId, thingName, output, latencyMs }` — `output` is compared with the
 *    input's `expected`, `latencyMs` is the device's own inference time.
 * 3. An IoT rule in the twin's account stores every response in the state table as
 *    `pk = smoke#<runId>`, `sk = <thingName>#<requestId>`; run-twin-tests reads them. In the
 *    pipeline's account that is serverless.yml's `SmokeResponsesRule` (DynamoDBv2 action); in
 *    a twin account, the rule of docs/cross-account-role.yml invokes record-smoke-response
 *    (AWS IoT rules reach another account only through resource-based permissions: SQS, SNS,
 *    S3, Lambda — IoT developer guide, "Accessing cross-account resources using AWS IoT rules").
 */
/** As the component's IPC policy sees it: Greengrass fills in its own thing name. */
export const SMOKE_REQUEST_TOPIC_FILTER = 'edge-mlops/smoke/request/{iot:thingName}/+';
export const SMOKE_RESPONSE_TOPIC_FILTER = 'edge-mlops/smoke/response/+';
export const smokeRequestTopic = (thingName: string, runId: string) =>
  `edge-mlops/smoke/request/${thingName}/${runId}`;
export const smokeResponseTopic = (runId: string) => `edge-mlops/smoke/response/${runId}`;
export const smokePartitionKey = (runId: string) => `smoke#${runId}`;
export const smokeSortKey = (thingName: string, requestId: string) => `${thingName}#${requestId}`;
/** The twin account's rule (IoT rule names allow letters, digits and underscores only). */
export const smokeResponsesRuleName = (stage: string) =>
  `edge_mlops_${stage.replace(/[^A-Za-z0-9_]/g, '_')}_smoke_responses`;

export type SmokeRequest = { runId: string; requestId: string; payload: unknown; sentAt: string };
export type SmokeResponse = {
  runId: string;
  requestId: string;
  thingName: string;
  output: unknown;
  latencyMs: number;
};

/** The IPC permissions the inference component needs to take part (merged into its recipe). */
export const smokeAccessControl = (componentName: string) => ({
  'aws.greengrass.ipc.mqttproxy': {
    [`${componentName}:smoke-test:1`]: {
      policyDescription: 'edge-mlops inference smoke test: receive requests, publish responses',
      operations: ['aws.greengrass#SubscribeToIoTCore', 'aws.greengrass#PublishToIoTCore'],
      resources: [SMOKE_REQUEST_TOPIC_FILTER, SMOKE_RESPONSE_TOPIC_FILTER],
    },
  },
});
