import type { ServerResponse } from 'node:http';
import { AwsError, sendJson } from '../http';
import type { FunctionError, FunctionRuntime } from '../runtime/functions';

/**
 * AWS Lambda's Invoke (REST JSON): `Event` invocations go the asynchronous path (202, no
 * body); a synchronous invocation answers 200 with the result, or with the function's error
 * and `X-Amz-Function-Error: Unhandled`, as Lambda reports an error the function threw.
 */
export const lambdaInvoke =
  (functions: FunctionRuntime, invokeAsync: (key: string, event: unknown) => void) =>
  async (res: ServerResponse, name: string, body: Buffer, invocationType: string) => {
    const key = functions.keyOfArn(decodeURIComponent(name));
    if (!key) throw new AwsError('ResourceNotFoundException', `Function not found: ${name}`, 404);
    const event = body.length ? JSON.parse(body.toString('utf8')) : {};
    if (invocationType === 'Event') {
      invokeAsync(key, event);
      res.writeHead(202).end();
      return;
    }
    try {
      const result = await functions.invoke(key, event);
      sendJson(res, 200, result, 'rest-json');
    } catch (error) {
      const e = error as Partial<FunctionError>;
      const text = JSON.stringify({
        errorType: e.errorType ?? e.name,
        errorMessage: e.errorMessage ?? e.message,
      });
      res.writeHead(200, {
        'content-type': 'application/json',
        'x-amz-function-error': 'Unhandled',
      });
      res.end(text);
    }
  };
