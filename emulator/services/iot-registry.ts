import { AwsError } from '../http';
import type { World } from '../world';

/**
 * The IoT registry as edge-mlops uses it (REST JSON), in the caller's account:
 * - ListThingsInThingGroup (IoT API reference: at most 250 per page, `nextToken` for the
 *   rest); a group of another account does not exist for the caller;
 * - DescribeEndpoint (`iot:Data-ATS`, `iot:CredentialProvider`) for the device bootstrap;
 * - RegisterThing with a provisioning template body (what fleet provisioning does for a
 *   device): the template's thing is created in its thing groups, which must exist, and
 *   receives their current deployments (Fleet.addToGroup).
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
    // A page is named from the group's members alone, never the whole group.
    const things = group.page(start, max);
    const next = start + max < group.memberCount ? String(start + max) : undefined;
    return { things, ...(next ? { nextToken: next } : {}) };
  },
  'GET /endpoint': async (
    _body: unknown,
    _params: Record<string, string>,
    query: URLSearchParams,
  ) => {
    const type = query.get('endpointType') ?? 'iot:Data';
    const prefix = world.account.slice(-6);
    const hosts: Record<string, string> = {
      'iot:Data-ATS': `a${prefix}-ats.iot.${world.region}.amazonaws.com`,
      'iot:CredentialProvider': `c${prefix}.credentials.iot.${world.region}.amazonaws.com`,
      'iot:Jobs': `j${prefix}.jobs.iot.${world.region}.amazonaws.com`,
    };
    if (!hosts[type])
      throw new AwsError('InvalidRequestException', `Invalid endpoint type ${type}`);
    return { endpointAddress: hosts[type] };
  },
  'POST /things': async (body: { templateBody?: string; parameters?: Record<string, string> }) => {
    let template: { Resources?: Record<string, { Type?: string; Properties?: any }> };
    try {
      template = JSON.parse(String(body.templateBody ?? ''));
    } catch {
      throw new AwsError('InvalidRequestException', 'The template body is not valid JSON');
    }
    const parameters = body.parameters ?? {};
    const value = (v: unknown) =>
      typeof v === 'object' && v !== null && 'Ref' in v
        ? parameters[String((v as { Ref: string }).Ref)]
        : v;
    const thing = Object.values(template.Resources ?? {}).find((r) => r.Type === 'AWS::IoT::Thing');
    const name = String(value(thing?.Properties?.ThingName) ?? '');
    if (!thing || !/^[a-zA-Z0-9:_-]{1,128}$/.test(name))
      throw new AwsError(
        'ResourceRegistrationFailureException',
        `The template creates no valid thing (ThingName "${name}")`,
      );
    const groups = ((thing.Properties?.ThingGroups ?? []) as unknown[]).map((g) =>
      String(value(g)),
    );
    for (const g of groups) {
      const group = world.fleet.groups.get(g);
      if (!group || group.account !== world.account)
        throw new AwsError(
          'ResourceRegistrationFailureException',
          `Thing group ${g} does not exist`,
        );
    }
    for (const g of groups) world.fleet.addToGroup(name, g, world.clock.now());
    return {
      certificatePem: '-----BEGIN CERTIFICATE-----\n(local mode)\n-----END CERTIFICATE-----',
      resourceArns: { thingArn: world.fleet.thingArn(name, world.account) },
    };
  },
});
