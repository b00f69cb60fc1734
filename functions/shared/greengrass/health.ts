import {
  type GreengrassV2Client,
  ListCoreDevicesCommand,
  ListInstalledComponentsCommand,
} from '@aws-sdk/client-greengrassv2';
import { classifyAwsError } from '../errors';

/**
 * Core device health of a thing group, read with bounded calls. ListCoreDevices filtered by
 * `thingGroupArn` and `status=UNHEALTHY` lists the devices that deployed to the group and
 * report a failed component or nucleus (API reference, ListCoreDevices: "UNHEALTHY – The IoT
 * Greengrass Core software or a component is in a failed state on the core device"); pages of
 * 100 are read until `enough` devices were counted (the count that decides the verdict) or
 * `maxPages` were read, so a healthy fleet costs one call whatever its size. The first
 * `describe` of them are asked which components are BROKEN or ERRORED
 * (ListInstalledComponents, one call each), so people see names.
 */
export type UnhealthyDevices = {
  count: number;
  /** True when there were more pages than were read: `count` is a lower bound. */
  truncated: boolean;
  /** e.g. `jet-03 (com.example.inference BROKEN)`. */
  devices: string[];
};

const FAILED_STATES = new Set(['BROKEN', 'ERRORED']);

export const unhealthyDevices = async (
  greengrass: GreengrassV2Client,
  thingGroupArn: string,
  { enough = Number.POSITIVE_INFINITY, maxPages = 10, describe = 10 } = {},
): Promise<UnhealthyDevices> => {
  const names: string[] = [];
  let nextToken: string | undefined;
  let pages = 0;
  try {
    do {
      const page = await greengrass.send(
        new ListCoreDevicesCommand({
          thingGroupArn,
          status: 'UNHEALTHY',
          maxResults: 100,
          nextToken,
        }),
      );
      for (const d of page.coreDevices ?? []) {
        if (d.status === 'UNHEALTHY' && d.coreDeviceThingName) names.push(d.coreDeviceThingName);
      }
      nextToken = page.nextToken;
      pages++;
    } while (nextToken && pages < maxPages && names.length < enough);
  } catch (error) {
    throw classifyAwsError(error, `ListCoreDevices UNHEALTHY in ${thingGroupArn}`);
  }
  const devices: string[] = [];
  for (const thing of names.slice(0, describe)) {
    try {
      const { installedComponents } = await greengrass.send(
        new ListInstalledComponentsCommand({ coreDeviceThingName: thing, maxResults: 100 }),
      );
      const failed = (installedComponents ?? [])
        .filter((c) => FAILED_STATES.has(c.lifecycleState ?? ''))
        .map((c) => `${c.componentName} ${c.lifecycleState}`);
      devices.push(failed.length ? `${thing} (${failed.join(', ')})` : thing);
    } catch (error) {
      throw classifyAwsError(error, `ListInstalledComponents of ${thing}`);
    }
  }
  if (names.length > describe) devices.push(`… ${names.length - describe} more`);
  return { count: names.length, truncated: Boolean(nextToken), devices };
};
