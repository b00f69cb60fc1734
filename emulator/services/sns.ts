import { AwsError, escapeXml } from '../http';
import type { World } from '../world';
import { type FilterPolicy, matchesFilterPolicy } from './sns-filter';

/** A subscription serverless.yml (or the stage config) declares; provisioned, never confirmed by hand. */
export type SnsSubscription = {
  topicArn: string;
  protocol: string;
  endpoint: string;
  filterPolicy?: FilterPolicy;
  /** For `lambda` subscriptions: the function (serverless.yml key) SNS invokes. */
  function?: string;
};

/**
 * Amazon SNS (AWS query protocol): Publish, captured for inspection by simulate and tests,
 * with the endpoints whose subscription (and filter policy) the message reached.
 */
export const sns = (
  world: World,
  topics: () => Set<string>,
  subscriptions: () => readonly SnsSubscription[] = () => [],
  invokeAsync: (functionKey: string, event: unknown) => void = () => undefined,
) => ({
  Publish: async (form: URLSearchParams) => {
    const topicArn = form.get('TopicArn') ?? '';
    if (!topics().has(topicArn))
      throw new AwsError('NotFound', `Topic does not exist: ${topicArn}`, 404);
    const message = form.get('Message');
    if (!message) throw new AwsError('InvalidParameter', 'Invalid parameter: Message');
    const subject = form.get('Subject') ?? undefined;
    if (subject && subject.length > 100)
      throw new AwsError('InvalidParameter', 'Invalid parameter: Subject');
    const attributes: Record<string, string> = {};
    const types: Record<string, string> = {};
    for (let i = 1; form.has(`MessageAttributes.entry.${i}.Name`); i++) {
      const name = form.get(`MessageAttributes.entry.${i}.Name`)!;
      attributes[name] = form.get(`MessageAttributes.entry.${i}.Value.StringValue`) ?? '';
      types[name] = form.get(`MessageAttributes.entry.${i}.Value.DataType`) ?? 'String';
    }
    const reached = subscriptions().filter(
      (s) => s.topicArn === topicArn && matchesFilterPolicy(s.filterPolicy, attributes),
    );
    // People and webhooks are what the summary counts; function subscriptions are plumbing.
    const deliveredTo = reached.filter((s) => s.protocol !== 'lambda').map((s) => s.endpoint);
    const at = world.clock.now();
    world.sns.push({ topicArn, subject, message, attributes, at, deliveredTo });
    const id = crypto.randomUUID();
    for (const s of reached) {
      if (s.protocol !== 'lambda' || !s.function) continue;
      invokeAsync(s.function, {
        Records: [
          {
            EventSource: 'aws:sns',
            EventVersion: '1.0',
            EventSubscriptionArn: `${topicArn}:${crypto.randomUUID()}`,
            Sns: {
              Type: 'Notification',
              MessageId: id,
              TopicArn: topicArn,
              Subject: subject ?? null,
              Message: message,
              Timestamp: new Date(at).toISOString(),
              MessageAttributes: Object.fromEntries(
                Object.entries(attributes).map(([name, value]) => [
                  name,
                  { Type: types[name] ?? 'String', Value: value },
                ]),
              ),
            },
          },
        ],
      });
    }
    return `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>${escapeXml(id)}</MessageId></PublishResult><ResponseMetadata><RequestId>${crypto.randomUUID()}</RequestId></ResponseMetadata></PublishResponse>`;
  },
});
