import { AwsError, escapeXml } from '../http';
import type { World } from '../world';

/** Amazon SNS (AWS query protocol): Publish, captured for inspection by simulate and tests. */
export const sns = (world: World, topics: () => Set<string>) => ({
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
    world.sns.push({ topicArn, subject, message, attributes, at: world.clock.now() });
    const id = crypto.randomUUID();
    return `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>${escapeXml(id)}</MessageId></PublishResult><ResponseMetadata><RequestId>${crypto.randomUUID()}</RequestId></ResponseMetadata></PublishResponse>`;
  },
});
