import type { Logger } from '@aws-lambda-powertools/logger';
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import type { Clock } from '../clock';
import {
  type ApprovalRecord,
  type ApprovalStore,
  endApproval,
  markResumed,
  recordDeliveryFailure,
} from './store';

/** The approval task and the state its timeout leads to (statemachines/edge-deployment.asl.json). */
export const APPROVAL_STATE = 'Request Approval';
export const APPROVAL_TIMEOUT_STATE = 'Approval Timed Out';

export type Fate =
  | { fate: 'waiting' }
  | { fate: 'resumed' }
  | { fate: 'timed-out'; detail: string }
  | { fate: 'stopped'; detail: string }
  | { fate: 'ended'; detail: string };

/**
 * Where an execution went after its approval task, from its status and its history
 * (newest event first): the state entered right after the last `Request Approval` tells
 * whether a decision resumed it or the task timed out; without one, the status tells.
 */
export const fateOf = (
  status: string | undefined,
  newestFirst: HistoryEvent[],
  stop?: { error?: string; cause?: string },
): Fate => {
  let after: string | undefined;
  let sawApproval = false;
  for (const event of newestFirst) {
    const name = event.type?.endsWith('StateEntered') ? event.stateEnteredEventDetails?.name : '';
    if (!name) continue;
    if (name === APPROVAL_STATE) {
      sawApproval = true;
      break;
    }
    after = name;
  }
  if (sawApproval && after === APPROVAL_TIMEOUT_STATE)
    return { fate: 'timed-out', detail: 'the approval task timed out' };
  if (sawApproval && after) return { fate: 'resumed' };
  const why = [stop?.error, stop?.cause].filter(Boolean).join(': ');
  if (status === 'RUNNING') return { fate: 'waiting' };
  if (status === 'ABORTED')
    return { fate: 'stopped', detail: `the execution was stopped${why ? ` (${why})` : ''}` };
  if (status === 'TIMED_OUT') return { fate: 'timed-out', detail: 'the execution timed out' };
  return { fate: 'ended', detail: `the execution ended ${status}${why ? ` (${why})` : ''}` };
};

/**
 * Reads the execution (DescribeExecution, then its history newest first, up to 5,000 events)
 * and classifies it with `fateOf`. Needs states:DescribeExecution and states:GetExecutionHistory.
 */
export const executionFate = async (sfn: SFNClient, executionArn: string): Promise<Fate> => {
  const described = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  for (let page = 0; page < 5; page++) {
    const out = await sfn.send(
      new GetExecutionHistoryCommand({
        executionArn,
        reverseOrder: true,
        maxResults: 1000,
        includeExecutionData: false,
        nextToken,
      }),
    );
    events.push(...(out.events ?? []));
    if (events.some((e) => e.stateEnteredEventDetails?.name === APPROVAL_STATE)) break;
    nextToken = out.nextToken;
    if (!nextToken) break;
  }
  return fateOf(described.status, events, described);
};

export type Delivery =
  | { state: 'resumed' }
  | { state: 'not-resumed'; error: string }
  | { state: 'timed-out' | 'stopped' | 'ended'; detail: string };

export type DeliveryDeps = {
  store: ApprovalStore;
  sfn: SFNClient;
  logger: Logger;
  now: Clock;
};

const describeError = (error: unknown) =>
  `${(error as Error).name ?? 'Error'}: ${(error as Error).message ?? String(error)}`;

/**
 * Sends the decision recorded in the approval's outbox (SendTaskSuccess / SendTaskFailure)
 * and finds out whether it took effect. Any error — including TaskTimedOut, which AWS also
 * answers when the task was already closed by an earlier send whose answer was lost (see
 * docs/approvals.md, "Step Functions facts") — is settled by reading the execution itself:
 * resumed after its approval task, timed out, stopped, or still waiting. Bookkeeping that
 * fails after a confirmed effect is logged, never reported as a failure of the decision.
 */
export const deliverDecision = async (
  record: ApprovalRecord,
  deps: DeliveryDeps,
): Promise<Delivery> => {
  if (record.resumedAt) return { state: 'resumed' };
  const at = deps.now().toISOString();
  const bookkeeping = (what: string) => (error: unknown) =>
    deps.logger.warn(`approval bookkeeping failed: ${what}`, {
      approvalId: record.approvalId,
      error: describeError(error),
    });
  const resumed = async (): Promise<Delivery> => {
    await markResumed(deps.store, record.approvalId, at).catch(bookkeeping('marking resumed'));
    return { state: 'resumed' };
  };
  const message = record.outbox;
  if (!message) return { state: 'not-resumed', error: 'no decision to send' };
  let sendError: unknown;
  try {
    if (message.kind === 'success')
      await deps.sfn.send(
        new SendTaskSuccessCommand({ taskToken: record.taskToken, output: message.output }),
      );
    else
      await deps.sfn.send(
        new SendTaskFailureCommand({
          taskToken: record.taskToken,
          error: message.error,
          cause: message.cause,
        }),
      );
    return await resumed();
  } catch (error) {
    sendError = error;
  }
  let fate: Fate;
  try {
    fate = await executionFate(deps.sfn, record.executionArn);
  } catch (error) {
    const why = `${describeError(sendError)}; the execution could not be read (${describeError(error)})`;
    await recordDeliveryFailure(deps.store, record, why, at).catch(bookkeeping('recording'));
    return { state: 'not-resumed', error: why };
  }
  if (fate.fate === 'resumed') return resumed();
  if (fate.fate === 'waiting') {
    const why = describeError(sendError);
    await recordDeliveryFailure(deps.store, record, why, at).catch(bookkeeping('recording'));
    return { state: 'not-resumed', error: why };
  }
  await endApproval(
    deps.store,
    record.approvalId,
    fate.fate === 'stopped' ? 'STOPPED' : 'EXPIRED',
    at,
    fate.detail,
  ).catch(bookkeeping('ending'));
  return { state: fate.fate, detail: fate.detail };
};
