import { type LocalResource, resolveLocal } from '../local-stage';
import { functionArn } from '../runtime/functions';
import type { ServiceDeclaration } from '../serverless-service';
import type { Rule } from '../services/events';
import type { SnsSubscription } from '../services/sns';
import { checkFilterPolicy } from '../services/sns-filter';
import type { DeclaredResources } from './resources';

type FunctionEvents = Record<string, { events?: any[] }>;

const functionEvents = (service: ServiceDeclaration) =>
  Object.entries(service.raw.functions as FunctionEvents);

/**
 * SNS subscriptions: those serverless.yml declares and those the stage config generates
 * (scripts/serverless/notifications.cjs), with their filter policies; then the functions
 * subscribed to a topic (serverless.yml `events: - sns:`), which SNS invokes asynchronously,
 * with Lambda's retries (Lambda developer guide, "Using Lambda with Amazon SNS").
 */
export const snsSubscriptions = (
  service: ServiceDeclaration,
  declared: DeclaredResources,
  generated: DeclaredResources | undefined,
  resources: Record<string, LocalResource>,
  topics: Set<string>,
): SnsSubscription[] => {
  const subscriptions: SnsSubscription[] = [];
  for (const [id, r] of Object.entries({ ...declared, ...generated })) {
    if (r.Type !== 'AWS::SNS::Subscription') continue;
    const p = resolveLocal(r.Properties ?? {}, resources) as Record<string, unknown>;
    const topicArn = String(p.TopicArn);
    if (!topics.has(topicArn))
      throw new Error(`${id}: subscription to ${topicArn}, which local mode does not provision`);
    subscriptions.push({
      topicArn,
      protocol: String(p.Protocol),
      endpoint: String(p.Endpoint),
      ...(p.FilterPolicy ? { filterPolicy: checkFilterPolicy(p.FilterPolicy) } : {}),
    });
  }
  for (const [key, fn] of functionEvents(service)) {
    for (const ev of fn.events ?? []) {
      if (!ev.sns) continue;
      const topicArn = String(resolveLocal(ev.sns.arn ?? ev.sns, resources));
      if (!topics.has(topicArn))
        throw new Error(`${key}: subscribed to ${topicArn}, which local mode does not provision`);
      subscriptions.push({
        topicArn,
        protocol: 'lambda',
        endpoint: functionArn(key),
        function: key,
        ...(ev.sns.filterPolicy ? { filterPolicy: checkFilterPolicy(ev.sns.filterPolicy) } : {}),
      });
    }
  }
  return subscriptions;
};

/** An EventBridge rule of serverless.yml and the function it targets. */
export type FunctionRule = Rule & { key: string };

/** The EventBridge rules of serverless.yml's `eventBridge` events; each invokes its function asynchronously. */
export const eventRules = (
  service: ServiceDeclaration,
  resolveVariables: (value: unknown) => unknown,
  invokeAsync: (key: string, event: unknown) => void,
): FunctionRule[] => {
  const rules: FunctionRule[] = [];
  for (const [key, fn] of functionEvents(service)) {
    for (const [i, ev] of (fn.events ?? []).entries()) {
      if (!ev.eventBridge) continue;
      rules.push({
        key,
        name: `${key}-rule-${i + 1}`,
        pattern: resolveVariables(ev.eventBridge.pattern) as Record<string, unknown>,
        deliver: (event) => invokeAsync(key, event),
      });
    }
  }
  return rules;
};
