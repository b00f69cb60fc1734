import { allows } from './evaluate';
import type { FunctionRole } from './roles';

/**
 * What Lambda refuses at deploy time, refused by the emulator when it provisions the
 * template: a function with active tracing whose execution role cannot write to X-Ray.
 * Lambda's CreateFunction answers InvalidParameterValueException "The provided execution
 * role does not have permissions to call PutTraceSegments on XRAY" (Lambda developer guide,
 * "Visualize Lambda function invocations using AWS X-Ray": the execution role needs
 * xray:PutTraceSegments and xray:PutTelemetryRecords; serverless-iam-roles-per-function
 * issue #39).
 */
const X_RAY_ACTIONS = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'];

export const tracingRefusals = async (
  roles: Record<string, FunctionRole>,
  functionName: (key: string) => string,
): Promise<string[]> => {
  const refusals: string[] = [];
  for (const role of Object.values(roles)) {
    if (!role.traced) continue;
    for (const action of X_RAY_ACTIONS) {
      if (await allows(role.statements, role.arn, role.account, action)) continue;
      refusals.push(
        `CreateFunction ${functionName(role.functionKey)}: InvalidParameterValueException: The provided execution role does not have permissions to call ${action.slice('xray:'.length)} on XRAY (role ${role.name})`,
      );
      break;
    }
  }
  return refusals;
};
