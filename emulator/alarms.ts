import type { LocalResource } from './local-stage';
import type { World } from './world';

/**
 * CloudWatch alarms as the template declares them, for the metrics the emulator observes
 * itself (Step Functions executions failed/timed out, messages in a queue). An alarm that
 * breaches notifies its SNS actions — except a topic encrypted with the AWS-managed key
 * `alias/aws/sns`: its key policy cannot be edited to let CloudWatch call kms:GenerateDataKey
 * and kms:Decrypt, so the alarm action fails and nothing is delivered (AWS re:Post knowledge
 * center "cloudwatch-configure-alarm-sns"; SNS developer guide, "Key management"). Such an
 * alarm is reported when provisioned, and each of its notifications is recorded as dropped.
 */
export type AlarmDeclaration = {
  name: string;
  namespace: string;
  metric: string;
  dimensions: Record<string, string>;
  actions: string[];
};

export type UndeliverableAlarm = { alarm: string; topicArn: string; reason: string };
export type DroppedNotification = { alarm: string; topicArn: string; at: number };

const AWS_MANAGED_SNS_KEY = /^(alias\/aws\/sns|arn:aws[^:]*:kms:[^:]*:[^:]*:alias\/aws\/sns)$/;

export class Alarms {
  readonly undeliverable: UndeliverableAlarm[] = [];
  readonly dropped: DroppedNotification[] = [];
  private readonly inAlarm = new Set<string>();

  constructor(
    private readonly world: World,
    private readonly alarms: AlarmDeclaration[],
    /** Topic ARN → its KmsMasterKeyId, as declared. */
    private readonly topicKeys: Map<string, string | undefined>,
  ) {
    for (const alarm of alarms)
      for (const topicArn of alarm.actions)
        if (AWS_MANAGED_SNS_KEY.test(topicKeys.get(topicArn) ?? ''))
          this.undeliverable.push({
            alarm: alarm.name,
            topicArn,
            reason:
              'the topic is encrypted with the AWS-managed key alias/aws/sns, whose key policy does not let CloudWatch use it: the alarm notifications are never delivered',
          });
  }

  /** A datapoint above the threshold (every alarm here alarms on > 0): notify once. */
  breach(namespace: string, metric: string, dimensions: Record<string, string>) {
    for (const alarm of this.alarms) {
      if (alarm.namespace !== namespace || alarm.metric !== metric) continue;
      const matches = Object.entries(alarm.dimensions).every(([k, v]) => dimensions[k] === v);
      if (!matches || this.inAlarm.has(alarm.name)) continue;
      this.inAlarm.add(alarm.name);
      for (const topicArn of alarm.actions) {
        const at = this.world.clock.now();
        if (AWS_MANAGED_SNS_KEY.test(this.topicKeys.get(topicArn) ?? '')) {
          this.dropped.push({ alarm: alarm.name, topicArn, at });
          continue;
        }
        this.world.sns.push({
          topicArn,
          subject: `ALARM: "${alarm.name}" in US East (N. Virginia)`,
          message: JSON.stringify({ AlarmName: alarm.name, NewStateValue: 'ALARM' }),
          attributes: {},
          at,
        });
      }
    }
  }
}

/** The template's alarms, resolved to local names and ARNs. */
export const declaredAlarms = (
  declared: Record<string, { Type: string; Properties?: any }>,
  resolve: (value: unknown) => unknown,
): AlarmDeclaration[] =>
  Object.entries(declared)
    .filter(([, r]) => r.Type === 'AWS::CloudWatch::Alarm')
    .flatMap(([id, r]): AlarmDeclaration[] => {
      let p: any;
      try {
        p = resolve(r.Properties ?? {});
      } catch {
        return []; // refers to something local mode does not provision: not modelled
      }
      return [
        {
          name: String(p.AlarmName ?? id),
          namespace: String(p.Namespace),
          metric: String(p.MetricName),
          dimensions: Object.fromEntries(
            ((p.Dimensions ?? []) as { Name: string; Value: string }[]).map((d) => [
              d.Name,
              String(d.Value),
            ]),
          ),
          actions: ((p.AlarmActions ?? []) as unknown[]).map(String),
        },
      ];
    });

/** Topic ARN → KmsMasterKeyId of each declared topic. */
export const topicKeys = (
  resources: Record<string, LocalResource>,
  declared: Record<string, { Type: string; Properties?: any }>,
  resolve: (value: unknown) => unknown,
) =>
  new Map(
    Object.values(resources)
      .filter((r) => r.type === 'AWS::SNS::Topic')
      .map((r) => {
        const key = declared[r.logicalId]?.Properties?.KmsMasterKeyId;
        let resolved: string | undefined;
        try {
          resolved = key === undefined ? undefined : String(resolve(key));
        } catch {
          resolved = 'a key local mode does not provision (customer-managed)';
        }
        return [r.ref, resolved] as const;
      }),
  );
