import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { ResendApprovalLinkOutput } from '../../functions/resend-approval-link/resend-approval-link';
import { CliError } from './cli-error';

/**
 * `approvals resend`: asks the stage's resendApprovalLink function to send an approver a
 * fresh link. The function holds the signing key and the topic; the operator needs only
 * lambda:InvokeFunction, and never sees the link (it is the approver's identity).
 */
export const resendLink = async (
  lambda: LambdaClient,
  functionName: string,
  request: { approvalId: string; approver: string },
): Promise<ResendApprovalLinkOutput> => {
  const answer = await lambda.send(
    new InvokeCommand({
      FunctionName: functionName,
      InvocationType: 'RequestResponse',
      Payload: new TextEncoder().encode(
        JSON.stringify({
          ...request,
          // One per command: a retried Invoke (the SDK's own retries) sends nothing twice.
          requestId: randomUUID(),
          requestedBy: userInfo().username,
        }),
      ),
    }),
  );
  const text = answer.Payload ? new TextDecoder().decode(answer.Payload) : '';
  // A function error still answers 200, with FunctionError set and the error as the payload
  // (Lambda API reference, Invoke: "FunctionError … If present, indicates that an error
  // occurred during function execution").
  if (answer.FunctionError) {
    let message = text;
    try {
      const parsed = JSON.parse(text) as { errorType?: string; errorMessage?: string };
      message = `${parsed.errorType}: ${parsed.errorMessage}`;
    } catch {
      // keep the raw answer
    }
    throw new CliError(`${functionName} failed: ${message.slice(0, 500)}`);
  }
  return JSON.parse(text) as ResendApprovalLinkOutput;
};
