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
 * 3. An IoT rule (serverless.yml, `SmokeResponsesRule`) stores every response in the state
 *    table as `pk = smoke#<runId>`, `sk = <thingName>#<requestId>`; run-twin-tests reads them.
 */
/** As the component's IPC policy sees it: Greengrass fills in its own thing name. */
export const SMOKE_REQUEST_TOPIC_FILTER = 'edge-mlops/smoke/request/{iot:thingName}/+';
export const SMOKE_RESPONSE_TOPIC_FILTER = 'edge-mlops/smoke/response/+';
export const smokeRequestTopic = (thingName: string, runId: string) =>
  `edge-mlops/smoke/request/${thingName}/${runId}`;
export const smokeResponseTopic = (runId: string) => `edge-mlops/smoke/response/${runId}`;
export const smokePartitionKey = (runId: string) => `smoke#${runId}`;

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
