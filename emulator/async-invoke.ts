import type { Alarms } from './alarms';
import type { VirtualClock } from './clock';
import { type LocalResource, resolveLocal } from './local-stage';
import { type FunctionRuntime, functionArn } from './runtime/functions';
import type { ServiceDeclaration } from './serverless-service';
import { MAX_MESSAGE_BYTES, queueNameOf } from './services/sqs';
import type { World } from './world';

/** How an asynchronous invocation ended: its result, or its error and where the failure went. */
export type AsyncOutcome =
  | { result: unknown; attempts: number }
  | {
      error: { name?: string; message?: string };
      attempts: number;
      deadLettered: boolean;
      destinationDeliveryFailure?: true;
    };

type FunctionFailure = Error & { errorType?: string; errorMessage?: string };

/** A function's asynchronous settings in serverless.yml. */
type AsyncSettings = {
  maximumRetryAttempts?: number;
  /** A queue's ARN, `{ arn: … }` or an intrinsic that resolves to it. */
  destinations?: { onFailure?: unknown };
};

/**
 * Lambda's asynchronous invocation (EventBridge rules, SNS subscriptions, Invoke with
 * InvocationType Event): the function's `maximumRetryAttempts` retries (default 2) with
 * growing delays on the virtual clock, then a record of the failure sent to its `onFailure`
 * destination queue, which raises that queue's alarm. Invocations still running are kept in
 * `pending` so tests can wait for them.
 */
export class AsyncInvoker {
  readonly pending = new Set<Promise<unknown>>();

  constructor(
    private readonly service: ServiceDeclaration,
    private readonly functions: FunctionRuntime,
    private readonly resources: Record<string, LocalResource>,
    private readonly world: World,
    private readonly clock: VirtualClock,
    private readonly alarms: Alarms,
  ) {}

  invoke(key: string, event: unknown): Promise<AsyncOutcome> {
    const running = this.run(key, event);
    this.pending.add(running);
    void running.finally(() => this.pending.delete(running)).catch(() => undefined);
    return running;
  }

  private async run(key: string, event: unknown): Promise<AsyncOutcome> {
    const settings = (this.service.raw.functions as Record<string, AsyncSettings>)[key]!;
    const attempts = 1 + (settings.maximumRetryAttempts ?? 2);
    let lastError: FunctionFailure | undefined;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        return { result: await this.functions.invoke(key, event), attempts: attempt };
      } catch (error) {
        lastError = error as FunctionFailure;
        if (attempt < attempts) await this.clock.sleep(attempt * 60_000);
      }
    }
    const error = {
      name: lastError?.errorType ?? lastError?.name,
      message: lastError?.errorMessage ?? lastError?.message,
    };
    const delivery = this.sendToFailureDestination(settings, {
      key,
      event,
      attempts,
      error,
    });
    return {
      error,
      attempts,
      deadLettered: delivery === 'delivered',
      ...(delivery === 'too large' ? { destinationDeliveryFailure: true as const } : {}),
    };
  }

  /** The invocation record Lambda sends to an `onFailure` destination after the last retry. */
  private failureRecord(failure: {
    key: string;
    event: unknown;
    attempts: number;
    error: { name?: string; message?: string };
  }) {
    return JSON.stringify({
      version: '1.0',
      timestamp: new Date(this.clock.now()).toISOString(),
      requestContext: {
        requestId: crypto.randomUUID(),
        functionArn: `${functionArn(failure.key)}:$LATEST`,
        condition: 'RetriesExhausted',
        approximateInvokeCount: failure.attempts,
      },
      requestPayload: failure.event,
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: { errorType: failure.error.name, errorMessage: failure.error.message },
    });
  }

  private sendToFailureDestination(
    settings: AsyncSettings,
    failure: Parameters<AsyncInvoker['failureRecord']>[0],
  ): 'delivered' | 'no destination' | 'too large' {
    const destination = settings.destinations?.onFailure;
    const arn = destination
      ? String(resolveLocal((destination as { arn?: unknown }).arn ?? destination, this.resources))
      : undefined;
    const queue = arn ? this.world.queues.get(queueNameOf(arn)) : undefined;
    const record = this.failureRecord(failure);
    // A record over the queue's limit is not delivered (Lambda developer guide,
    // "Capturing records of Lambda asynchronous invocations": delivery errors from size
    // limits, counted as DestinationDeliveryFailures): the failure is lost.
    if (Buffer.byteLength(record, 'utf8') > MAX_MESSAGE_BYTES) return 'too large';
    if (!queue || !arn) return 'no destination';
    queue.push({
      id: crypto.randomUUID(),
      body: record,
      visibleAt: 0,
      sentAt: this.clock.now(),
      receiveCount: 0,
    });
    this.alarms.breach('AWS/SQS', 'ApproximateNumberOfMessagesVisible', {
      QueueName: queueNameOf(arn),
    });
    return 'delivered';
  }
}
