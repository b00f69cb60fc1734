import { createHash } from 'node:crypto';
import type { VirtualClock } from './clock';
import type { Fleet, Job } from './fleet';
import type { World } from './world';

/**
 * IoT Jobs events, as far as the pipeline relies on them: when a job is canceled (its abort
 * criteria, or CancelDeployment), IoT publishes `$aws/events/job/<jobId>/canceled` once the
 * cancellation is complete — but only in an account whose JOB events are enabled
 * (UpdateEventConfigurations; AWS IoT developer guide, "Jobs events" and "Enable events for
 * AWS IoT"). Rules whose `FROM` topic filter matches receive it; a Lambda action invokes its
 * function asynchronously, and only if the function's resource policy allows
 * iot.amazonaws.com from that rule (AWS IoT developer guide, "Lambda" rule action).
 *
 * Rules come from serverless.yml (`AWS::IoT::TopicRule` with `SELECT *` and a Lambda action);
 * they live in the stack's account. Greengrass thing-group deployments are continuous jobs,
 * which never complete, so `completed` is never published for them.
 */
type Declared = Record<string, { Type: string; Properties?: Record<string, any> }>;

export type JobEventRule = { ruleId: string; topicFilter: string; functionKey: string };

/** How long after the cancellation IoT publishes the event (virtual). */
const PUBLISH_LATENCY_MS = 1_000;

/** MQTT topic filter match: `+` one level, `#` the rest (AWS IoT developer guide, "Topics"). */
export const topicMatches = (filter: string, topic: string): boolean => {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length || (f[i] !== '+' && f[i] !== t[i])) return false;
  }
  return f.length === t.length;
};

const functionKeyOf = (logicalId: string, keys: string[]) =>
  keys.find((k) => `${k[0]!.toUpperCase()}${k.slice(1)}LambdaFunction` === logicalId);

const getAttId = (value: unknown): string | undefined => {
  const target = (value as { 'Fn::GetAtt'?: unknown })?.['Fn::GetAtt'];
  if (Array.isArray(target)) return String(target[0]);
  if (typeof target === 'string') return target.split('.')[0];
  return undefined;
};

/**
 * The topic rules of serverless.yml that invoke a function on job events. A rule that selects
 * anything but `*` is refused at start: local mode passes the event on unchanged.
 */
export const jobEventRules = (declared: Declared, functionKeys: string[]): JobEventRule[] => {
  const rules: JobEventRule[] = [];
  for (const [ruleId, resource] of Object.entries(declared)) {
    if (resource.Type !== 'AWS::IoT::TopicRule') continue;
    const payload = resource.Properties?.TopicRulePayload ?? {};
    const sql = String(payload.Sql ?? '');
    const from = /\bFROM\s+'([^']+)'/i.exec(sql)?.[1];
    if (!from?.startsWith('$aws/events/job/')) continue;
    if (!/^\s*SELECT\s+\*\s+FROM\b/i.test(sql))
      throw new Error(`${ruleId}: local mode runs job-event rules that SELECT * only (${sql})`);
    for (const action of payload.Actions ?? []) {
      const logicalId = getAttId(action.Lambda?.FunctionArn);
      const functionKey = logicalId && functionKeyOf(logicalId, functionKeys);
      if (!functionKey)
        throw new Error(`${ruleId}: local mode runs job-event rules with a Lambda action only`);
      rules.push({ ruleId, topicFilter: from, functionKey });
    }
  }
  return rules;
};

/** Whether a Lambda::Permission lets iot.amazonaws.com invoke the function from the rule. */
const allowedByPolicy = (declared: Declared, rule: JobEventRule) =>
  Object.values(declared).some(
    (r) =>
      r.Type === 'AWS::Lambda::Permission' &&
      r.Properties?.Principal === 'iot.amazonaws.com' &&
      functionKeyOf(getAttId(r.Properties?.FunctionName) ?? '', [rule.functionKey]) &&
      getAttId(r.Properties?.SourceArn) === rule.ruleId,
  );

export class IotJobEvents {
  /** Accounts whose JOB events are enabled (UpdateEventConfigurations). */
  private readonly jobEventsOn = new Set<string>();
  private readonly published = new Set<string>();
  /** What was published, for tests and the run summary: topic and when. */
  readonly log: { topic: string; at: number; account: string }[] = [];

  constructor(
    private readonly deps: {
      world: World;
      clock: VirtualClock;
      fleet: Fleet;
      declared: Declared;
      rules: JobEventRule[];
      stackAccount: string;
      invokeAsync: (key: string, event: unknown) => void;
    },
  ) {}

  enableJobEvents(account: string) {
    this.jobEventsOn.add(account);
  }

  /** A new job: if its abort criteria will cancel it, IoT publishes the event then. */
  created(job: Job) {
    this.armAbort(job);
  }

  /** CancelDeployment (or anything else) canceled the job at `at`. */
  canceled(job: Job, at: number) {
    this.deps.clock.timer(Math.max(0, at - this.deps.clock.now()) + PUBLISH_LATENCY_MS, () =>
      this.publishCanceled(job),
    );
  }

  private armAbort(job: Job) {
    const at = this.deps.fleet.abortAt(job);
    if (at === undefined) return;
    this.deps.clock.timer(Math.max(0, at - this.deps.clock.now()) + PUBLISH_LATENCY_MS, () => {
      // Devices going offline or leaving the group since may have moved the abort.
      if (this.deps.fleet.stoppedAt(job, this.deps.clock.now()) !== undefined)
        this.publishCanceled(job);
      else this.armAbort(job);
    });
  }

  private publishCanceled(job: Job) {
    if (this.published.has(job.jobId)) return;
    this.published.add(job.jobId);
    if (!this.jobEventsOn.has(job.account)) return;
    const { world, clock, rules, declared, stackAccount } = this.deps;
    const topic = `$aws/events/job/${job.jobId}/canceled`;
    const now = clock.now();
    this.log.push({ topic, at: now, account: job.account });
    const event = {
      eventType: 'JOB',
      eventId: createHash('sha256').update(`${job.jobId}|canceled`).digest('hex').slice(0, 32),
      timestamp: Math.floor(now / 1000),
      operation: 'canceled',
      jobId: job.jobId,
      status: 'CANCELED',
      targetSelection: /:thinggroup\//.test(job.targetArn) ? 'CONTINUOUS' : 'SNAPSHOT',
      targets: [job.targetArn],
      createdAt: Math.floor(job.createdAt / 1000),
      lastUpdatedAt: Math.floor(now / 1000),
      completedAt: Math.floor(now / 1000),
    };
    // The stack's rules live in the stack's account: another account's jobs reach them
    // only through a rule of that account (not modelled: such events are lost, as without one).
    if (job.account !== stackAccount) return;
    for (const rule of rules) {
      if (!topicMatches(rule.topicFilter, topic)) continue;
      if (!allowedByPolicy(declared, rule)) {
        world.refusals.push({
          service: 'lambda',
          operation: 'Invoke',
          at: now,
          message: `iot.amazonaws.com (rule ${rule.ruleId}) is not allowed to invoke ${rule.functionKey}: no resource policy statement for it`,
        });
        continue;
      }
      this.deps.invokeAsync(rule.functionKey, event);
    }
  }
}
