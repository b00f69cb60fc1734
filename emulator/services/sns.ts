import { AwsError, escapeXml } from '../http';
import type { World } from '../world';
import { type FilterPolicy, matchesFilterPolicy } from './sns-filter';

/** A subscription serverless.yml (or the stage config) declares; provisioned, never confirmed by hand. */
export type SnsSubscription = {
  topicArn: string;
  protocol: string;
  endpoint: string;
  filterPolicy?: FilterPolicy;
};

/**
 * Amazon SNS (AWS query protocol): Publish, captured for inspection by simulate and tests,
 * with the endpoints whose subscription (and filter policy) the message reached.
 */
export const sns = (
  world: World,
  topics: () => Set<string>,
  subscriptions: () => readonly SnsSubscription[] = () => [],
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
    for (let i = 1; form.has(`MessageAttributes.entry.${i}.Name`); i++) {
      attributes[form.get(`MessageAttributes.entry.${i}.Name`)!] =
        form.get(`MessageAttributes.entry.${i}.Value.StringValue`) ?? '';
    }
    const deliveredTo = subscriptions()
      .filter((s) => s.topicArn === topicArn && matchesFilterPolicy(s.filterPolicy, attributes))
      .map((s) => s.endpoint);
    world.sns.push({ topicArn, subject, message, attributes, at: world.clock.now(), deliveredTo });
    const id = crypto.randomUUID();
    return `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>${escapeXml(id)}</MessageId></PublishResult><ResponseMetadata><RequestId>${crypto.randomUUID()}</RequestId></ResponseMetadata></PublishResponse>`;
  },
});
