import { AwsError } from '../http';
import type { World } from '../world';

/**
 * The IoT registry views edge-mlops reads (REST JSON): the members of a thing group in the
 * caller's account (ListThingsInThingGroup, IoT API reference: at most 250 per page,
 * `nextToken` for the rest). A group of another account does not exist for the caller.
 */
export const iotRegistry = (world: World) => ({
  'GET /thing-groups/{thingGroupName}/things': async (
    _body: unknown,
    params: Record<string, string>,
    query: URLSearchParams,
  ) => {
    const group = world.fleet.groups.get(params.thingGroupName!);
    if (!group || group.account !== world.account)
      throw new AwsError(
        'ResourceNotFoundException',
        `Thing group ${params.thingGroupName} does not exist`,
        404,
      );
    const max = Number(query.get('maxResults') ?? 250);
    if (!Number.isInteger(max) || max < 1 || max > 250)
      throw new AwsError('InvalidRequestException', 'maxResults must be between 1 and 250');
    const start = Number(query.get('nextToken') ?? 0);
    const things = group.things.slice(start, start + max);
    const next = start + max < group.things.length ? String(start + max) : undefined;
    return { things, ...(next ? { nextToken: next } : {}) };
  },
});
