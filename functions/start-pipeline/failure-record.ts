import { createHash } from 'node:crypto';

/**
 * The dead-letter record of an event start-pipeline could not process, bounded by the
 * queue's message limit whatever the event's size.
 *
 * SQS accepts messages of at most 262,144 bytes (256 KiB). EventBridge accepts events
 * of up to 256 KB, and the event delivered is larger than the entry (EventBridge API
 * reference, PutEvents; user guide, "Calculating PutEvents event entry size"), so Lambda's
 * own on-failure record (the event plus the error) can exceed it: Lambda then drops the
 * payload or fails the delivery (Lambda API reference, OnFailure; developer guide,
 * "Capturing records of Lambda asynchronous invocations": delivery errors from size limits).
 * For such events start-pipeline writes the record itself, in Lambda's shape, with the
 * event's identity instead of the whole event.
 */
export const SQS_MESSAGE_LIMIT = 262_144;
/** Room kept for the record's envelope and the error message. */
const ENVELOPE_BYTES = 8_192;
export const MAX_ERROR_MESSAGE = 4_096;
/** Events up to this size fit in Lambda's own record with any error we raise. */
export const MAX_INLINE_EVENT_BYTES = SQS_MESSAGE_LIMIT - ENVELOPE_BYTES - MAX_ERROR_MESSAGE;

export const byteLength = (text: string) => Buffer.byteLength(text, 'utf8');

export const clipMessage = (text: string, max = MAX_ERROR_MESSAGE) => {
  if (byteLength(text) <= max) return text;
  let cut = text.slice(0, max - 3);
  while (byteLength(`${cut}…`) > max) cut = cut.slice(0, -16);
  return `${cut}…`;
};

const CLIP = 2_048;
const field = (value: unknown) =>
  typeof value === 'string'
    ? clipMessage(value, CLIP)
    : typeof value === 'number' || typeof value === 'boolean'
      ? value
      : undefined;

/**
 * What identifies the event and lets `edge-mlops dlq replay` re-deliver it: the envelope
 * and the detail fields start-pipeline reads, each clipped; the rest is left out and
 * summarised by its size and digest.
 */
export const eventIdentity = (raw: unknown, text: string): Record<string, unknown> => {
  const event = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const detail = (event.detail && typeof event.detail === 'object' ? event.detail : {}) as Record<
    string,
    unknown
  >;
  const pick = (from: Record<string, unknown>, keys: string[]) =>
    Object.fromEntries(keys.map((k) => [k, field(from[k])]).filter(([, v]) => v !== undefined));
  return {
    ...pick(event, ['version', 'id', 'detail-type', 'source', 'account', 'time', 'region']),
    detail: pick(detail, [
      'ModelPackageGroupName',
      'ModelPackageVersion',
      'ModelPackageArn',
      'ModelApprovalStatus',
      'LastModifiedTime',
    ]),
    'edge-mlops:truncated': {
      bytes: byteLength(text),
      sha256: createHash('sha256').update(text).digest('hex'),
    },
  };
};

export type FailureRecordContext = { functionArn: string; requestId: string; at: number };

/** Lambda's on-failure record shape (so `edge-mlops dlq` reads both alike), within the limit. */
export const failureRecord = (
  raw: unknown,
  error: { name?: string; message?: string },
  context: FailureRecordContext,
): string => {
  const text = JSON.stringify(raw) ?? 'null';
  const record = (requestPayload: unknown) =>
    JSON.stringify({
      version: '1.0',
      timestamp: new Date(context.at).toISOString(),
      requestContext: {
        requestId: context.requestId,
        functionArn: context.functionArn,
        condition: 'RetriesExhausted',
        approximateInvokeCount: 1,
      },
      requestPayload,
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: {
        errorType: clipMessage(error.name ?? 'Error', 128),
        errorMessage: clipMessage(error.message ?? ''),
      },
    });
  const whole = record(raw);
  return byteLength(whole) <= SQS_MESSAGE_LIMIT ? whole : record(eventIdentity(raw, text));
};
