import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  type SFNClient,
} from '@aws-sdk/client-sfn';
import { APPROVAL_STATE } from '../../functions/shared/approval/delivery';
import { readableCause } from '../../functions/shared/errors';
import { type FleetOutcome, fleetOutcomesOf } from '../sre/fleet-outcomes';
import { fullHistory } from '../sre/state-machine';
import { decide } from './approval-page';
import {
  aheadOfWallClock,
  approvalNotice,
  formatDeadline,
  slowClockWhileWaiting,
} from './approval-wait';
import { control, sleep } from './control';
import type { EventFile } from './event-file';
import type { Log, SimulateOptions, SimulationSummary } from './types';

export type Watched = {
  visited: string[];
  /** What the execution did to each fleet (its fleet tasks' results). */
  fleets: FleetOutcome[];
  approval?: SimulationSummary['approval'];
  final: { status?: string; error?: string; cause?: string };
};

/**
 * The flags of a run that exists to show something other than the decision (a failing
 * rollout, injected faults, duplicate deliveries) or to print a summary for a script: without a decision flag
 * such a run approves on the page, in a terminal too, instead of waiting for a person who was
 * not asked to come. `--approval-clock` says a person will decide, and keeps the wait.
 */
const failurePathFlags = (o: SimulateOptions): string[] =>
  o.approvalClockFactor !== undefined
    ? []
    : [
        o.deviceFailureRate > 0 && '--device-failure-rate',
        o.apiFaultRate > 0 && '--api-fault-rate',
        o.duplicateDeliveries > 0 && '--duplicate-deliveries',
        o.json && '--json',
      ].filter((flag): flag is string => Boolean(flag));

/** Whether the execution has left its approval task (resumed, failed or ended) in these events. */
const leftApproval = (events: HistoryEvent[]) =>
  events.some(
    (e) =>
      e.stateExitedEventDetails?.name === APPROVAL_STATE ||
      e.type === 'ExecutionFailed' ||
      e.type === 'ExecutionAborted' ||
      e.type === 'ExecutionTimedOut',
  );

/**
 * Follows one execution until it ends (or the run times out): logs each state it enters,
 * prints the approval link(s) and deadline, and at the approval decides as asked, or waits
 * for a person deciding on the page — then with the simulated clock at real time (see
 * approval-wait.ts), and that wait does not count against --timeout.
 */
export const watchExecution = async (
  arn: string,
  context: {
    endpoint: string;
    sfn: SFNClient;
    event: EventFile;
    options: SimulateOptions;
    /** How many approvers get a link (the stage configuration's approvers of the group). */
    approvers: number;
  },
  log: Log,
): Promise<Watched> => {
  const { endpoint, sfn, event, options } = context;
  const visited: string[] = [];
  let approval: Watched['approval'];
  /** The id of the newest history event read (ids count up from 1). */
  let seen = 0;
  let deadline = Date.now() + options.timeoutSeconds * 1000;
  const interactive = options.interactive ?? Boolean(process.stdin.isTTY);
  const showsWhatFollows = failurePathFlags(options);
  const decision =
    options.approve ||
    (options.autoApproveWithoutTty && !interactive) ||
    (!options.reject && !options.approvalTimeout && showsWhatFollows.length > 0)
      ? 'approve'
      : options.reject
        ? 'reject'
        : undefined;
  const personDecides = !decision && !options.approvalTimeout && interactive;
  /** Why a run in a terminal approves by itself, said when it does. */
  const approvesBecause =
    decision === 'approve' && !options.approve && interactive && showsWhatFollows.length
      ? `approval: approving on the page, since this run is about ${showsWhatFollows.join(', ')}, not the decision (leave ${showsWhatFollows.length === 1 ? 'it' : 'them'} out, or give --approval-clock, to decide yourself)`
      : undefined;
  let person: { since: number; restore: () => Promise<void> } | undefined;
  let firstLinkSeenAt: number | undefined;

  /**
   * Logs the states entered since the last read of the history; returns the new events. Reads
   * only those (newest first, back to the last event seen) and without their input and output
   * (`includeExecutionData: false`): the whole history at every poll cost more CPU than the run.
   * Event ids count up from 1 (API reference, GetExecutionHistory and HistoryEvent:
   * docs.aws.amazon.com/step-functions/latest/apireference/API_GetExecutionHistory.html).
   */
  const readNewEvents = async () => {
    const fresh: HistoryEvent[] = [];
    let nextToken: string | undefined;
    do {
      const page = await sfn.send(
        new GetExecutionHistoryCommand({
          executionArn: arn,
          nextToken,
          maxResults: 100,
          reverseOrder: true,
          includeExecutionData: false,
        }),
      );
      const events = page.events ?? [];
      const unseen = events.filter((e) => (e.id ?? 0) > seen);
      fresh.push(...unseen);
      nextToken = unseen.length === events.length ? page.nextToken : undefined;
    } while (nextToken);
    fresh.reverse();
    for (const e of fresh) {
      if (e.type?.endsWith('StateEntered')) {
        const name = e.stateEnteredEventDetails?.name ?? '?';
        visited.push(name);
        log(`→ ${name}`);
      }
    }
    seen = Math.max(seen, ...fresh.map((e) => e.id ?? 0));
    return fresh;
  };

  /** The whole history with its data, read once at the end: what happened to each fleet. */
  const fleetsAtEnd = async () => fleetOutcomesOf(await fullHistory(sfn, arn)).fleets;

  /** Decides on the page as asked; measures how long until the execution left the approval. */
  const decideNow = async (link: string, d: 'approve' | 'reject') => {
    const decidedAt = Date.now();
    approval!.httpStatus = await decide(link, d, String(event.detail.ModelPackageVersion));
    log(`approval: ${d} (page answered ${approval!.httpStatus})`);
    for (let i = 0; i < 1000; i++) {
      const recent = await sfn.send(
        new GetExecutionHistoryCommand({ executionArn: arn, reverseOrder: true, maxResults: 20 }),
      );
      if (leftApproval(recent.events ?? [])) {
        approval!.resumedAfterMs = Date.now() - decidedAt;
        return;
      }
      await sleep(5);
    }
  };

  /** The person decided (or the execution moved on): the clock runs at its own rate again. */
  const personDone = async () => {
    if (!person) return;
    const waited = Date.now() - person.since;
    deadline += waited;
    approval!.waitedForPersonMs = waited;
    approval!.decision = 'decided on the approval page';
    await person.restore();
    person = undefined;
    log(`approval: the execution moved on after ${(waited / 1000).toFixed(0)} s`);
  };

  try {
    for (;;) {
      options.signal?.throwIfAborted();
      const fresh = await readNewEvents();
      if (person && leftApproval(fresh)) await personDone();
      if (!approval && visited.includes(APPROVAL_STATE)) {
        const state = await control(endpoint, 'state');
        const found = approvalNotice(state.sns, event);
        firstLinkSeenAt ??= found ? Date.now() : undefined;
        // request-approval sends one message per approver, one after the other: wait for all
        // of them (or a few seconds, if fewer approvers than configured are notified).
        const notice =
          found &&
          (found.links.length >= context.approvers || Date.now() - firstLinkSeenAt! > 3_000)
            ? found
            : undefined;
        if (notice) {
          for (const link of notice.links) log(`Approval link: ${link}`);
          if (notice.deadline) log(`Decide before: ${formatDeadline(notice.deadline)}`);
          approval = {
            link: notice.links[0]!,
            links: notice.links,
            ...(notice.deadline ? { deadline: notice.deadline } : {}),
            decision: decision ?? 'waiting for a decision on the page',
          };
          if (approvesBecause) log(approvesBecause);
          if (decision) await decideNow(notice.links[0]!, decision);
          else if (personDecides) {
            const clock = await slowClockWhileWaiting(endpoint, options.approvalClockFactor ?? 1);
            person = { since: Date.now(), restore: clock.restore };
            log(
              `waiting for your decision on the approval page (open a link above); until then the simulated clock runs ${
                (options.approvalClockFactor ?? 1) === 1
                  ? 'in real time'
                  : `at ${options.approvalClockFactor}× real time`
              } (${aheadOfWallClock(state.now)})`,
            );
          } else if (!options.approvalTimeout) {
            log('waiting for a decision on the approval page (open the link above)');
          }
        }
      }
      const described = await sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
      if (described.status !== 'RUNNING') {
        // The states it entered after the last read and before it ended.
        await readNewEvents();
        await personDone();
        return {
          visited,
          fleets: await fleetsAtEnd(),
          approval,
          final: {
            status: described.status,
            error: described.error,
            cause: readableCause(described.cause),
          },
        };
      }
      if (!person && Date.now() > deadline) {
        return {
          visited,
          fleets: await fleetsAtEnd(),
          approval,
          final: {
            status: 'RUNNING',
            error: 'SimulationTimedOut',
            cause: `still running after ${options.timeoutSeconds} s`,
          },
        };
      }
      await sleep(100);
    }
  } finally {
    // Interrupted or failed while waiting: a running emulator (--endpoint) gets its rate back.
    await person?.restore().catch(() => undefined);
  }
};
