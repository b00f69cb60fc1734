import { matchesPattern } from '../event-pattern';
import { AwsError } from '../http';
import type { World } from '../world';

/**
 * Amazon EventBridge (AWS JSON 1.1): PutEvents on the default bus, routed to the targets
 * of the rules serverless.yml declares (function `eventBridge` events).
 */
export type Rule = {
  name: string;
  pattern: Record<string, unknown>;
  deliver: (event: Record<string, unknown>) => void;
};

export type BusEvent = {
  Source?: string;
  DetailType?: string;
  Detail?: string;
  Resources?: string[];
  Time?: number;
  EventBusName?: string;
};

export const toEvent = (world: World, entry: BusEvent) => ({
  version: '0',
  id: crypto.randomUUID(),
  'detail-type': entry.DetailType,
  source: entry.Source,
  account: world.account,
  time: new Date(entry.Time ? entry.Time * 1000 : world.clock.now())
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z'),
  region: world.region,
  resources: entry.Resources ?? [],
  detail: JSON.parse(entry.Detail ?? '{}'),
});

export const eventBridge = (world: World, rules: () => Rule[]) => ({
  PutEvents: async (body: { Entries?: BusEvent[] }) => {
    const entries = body.Entries ?? [];
    if (entries.length === 0 || entries.length > 10)
      throw new AwsError('ValidationException', 'Entries must hold 1 to 10 events');
    const results = entries.map((entry) => {
      if (!entry.Source || !entry.DetailType || !entry.Detail) {
        return {
          ErrorCode: 'InvalidArgument',
          ErrorMessage: 'Source, DetailType and Detail are required',
        };
      }
      let event: Record<string, unknown>;
      try {
        event = toEvent(world, entry);
      } catch {
        return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
      }
      for (const rule of rules()) if (matchesPattern(event, rule.pattern)) rule.deliver(event);
      return { EventId: String(event.id) };
    });
    return { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results };
  },
});
