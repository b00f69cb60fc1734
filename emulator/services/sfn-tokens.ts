import { randomBytes } from 'node:crypto';
import type { VirtualClock } from '../clock';
import { AwsError, required } from '../http';
import type { Execution } from './sfn-model';

type Outcome = { output?: unknown; error?: Error };
type Waiter = { resolve: (output: unknown) => void; reject: (error: Error) => void };
type TokenRecord = {
  executionArn: string;
  closed: boolean;
  outcome?: Outcome;
  waiter?: Waiter;
};

/**
 * The task tokens of `.waitForTaskToken` tasks: a task waits until SendTaskSuccess or
 * SendTaskFailure settles its token, or until its timeout (on the virtual clock). A token
 * whose task has closed answers TaskTimedOut; one never issued, InvalidToken (Step Functions
 * API reference, SendTaskSuccess).
 */
export class TaskTokens {
  private readonly tokens = new Map<string, TokenRecord>();

  constructor(
    private readonly clock: VirtualClock,
    /** Fail every wait at once with States.Timeout (simulate --approval-timeout). */
    private readonly approvalTimeout: () => boolean,
  ) {}

  /** A new token for one run of an execution (a redrive gets its own). */
  issue(e: Execution): string {
    const token = `${Buffer.from(e.arn).toString('base64url')}.${e.redriveCount}.${randomBytes(24).toString('base64url')}`;
    this.tokens.set(token, { executionArn: e.arn, closed: false });
    return token;
  }

  /** The token an API call names, if it is still open. */
  open(taskToken: unknown): TokenRecord {
    const text = required(taskToken as string, 'taskToken');
    if (text.length > 2048)
      throw new AwsError('InvalidToken', 'Invalid Token: longer than 2048 characters');
    const record = this.tokens.get(text);
    // An unknown token is invalid; a known one whose task already closed has timed out.
    if (!record) throw new AwsError('InvalidToken', 'Invalid Token: the task token is not valid');
    if (record.closed)
      throw new AwsError('TaskTimedOut', 'Task Timed Out: the task has already been closed');
    return record;
  }

  settle(record: TokenRecord, outcome: Outcome) {
    record.closed = true;
    record.outcome = outcome;
    if (record.waiter) {
      if (outcome.error) record.waiter.reject(outcome.error);
      else record.waiter.resolve(outcome.output);
    }
  }

  /**
   * A stopped execution's tasks are closed: their tokens time out, and a task still waiting
   * ends (so the interpreter's own timer for it is cleared, and nothing outlives the run).
   */
  closeAll(executionArn: string) {
    for (const token of this.tokens.values())
      if (token.executionArn === executionArn) {
        token.closed = true;
        const waiter = token.waiter;
        token.waiter = undefined;
        waiter?.reject(
          Object.assign(new Error('the execution stopped'), { name: 'States.Runtime' }),
        );
      }
  }

  /**
   * The task's output once its token is settled; States.Timeout when the timeout passes first.
   * `answeredFromOutside`: a person (or simulate, or a test) answers, not the emulator's own
   * events; only such a wait is cut short by --approval-timeout, and only its deadline is a
   * barrier to the time warp.
   */
  async wait(
    token: string,
    executionArn: string,
    timeoutSeconds: number,
    { answeredFromOutside = true }: { answeredFromOutside?: boolean } = {},
  ): Promise<unknown> {
    const record = this.tokens.get(token) ?? { executionArn, closed: false };
    this.tokens.set(token, record);
    if (record.outcome) {
      if (record.outcome.error) throw record.outcome.error;
      return record.outcome.output;
    }
    const timeout = Object.assign(
      new Error(`no SendTaskSuccess/Failure within ${timeoutSeconds} seconds`),
      { name: 'States.Timeout' },
    );
    if (answeredFromOutside && this.approvalTimeout()) {
      record.closed = true;
      throw timeout;
    }
    return new Promise((resolve, reject) => {
      // On the clock's timer: a slowed clock (a person deciding in real time) delays it too.
      // A barrier when the answer comes from outside the emulator (a person, simulate, a
      // test), which the time warp cannot foresee: it never jumps to such a deadline. An
      // answer from inside (a job event) is itself a timer on this clock, so it comes first.
      const timer = this.clock.timer(
        timeoutSeconds * 1000,
        () => {
          record.closed = true;
          reject(timeout);
        },
        { barrier: answeredFromOutside },
      );
      record.waiter = {
        resolve: (v) => {
          timer.cancel();
          resolve(v);
        },
        reject: (e) => {
          timer.cancel();
          reject(e);
        },
      };
    });
  }
}
