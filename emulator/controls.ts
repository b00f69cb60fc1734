import { z } from 'zod';
import type { World } from './world';

/**
 * The emulator's controls under /_emulator/ that change the simulated world: options
 * (failure, offline and crash rates, latency ranges; effective for deployments created
 * afterwards), the clock's rate, and devices (offline windows, coming back, leaving a thing group). Every
 * request is validated whole before anything changes, and a key the emulator does not know
 * is refused by name, never ignored.
 */
const rate = z.number().min(0).max(1);
const range = z
  .tuple([z.number().min(0), z.number().min(0)])
  .refine(([min, max]) => min <= max, 'the first value (min) must not exceed the second (max)');

const WORLD_KEYS = [
  'badModel',
  'approvalTimeout',
  'apiFaultRate',
  'deviceFailureRate',
  'compileFailure',
  'failingOperations',
  'lostAnswerOperations',
] as const;
const FLEET_KEYS = [
  'deviceFailureRate',
  'offlineRate',
  'crashAfterStartRate',
  'applyMs',
  'notifyLatencyMs',
  'offlineMs',
  'crashAfterMs',
] as const;

export const EmulatorOptionsSchema = z
  .object({
    badModel: z.boolean(),
    approvalTimeout: z.boolean(),
    apiFaultRate: rate,
    deviceFailureRate: rate,
    /** null clears it. */
    compileFailure: z.string().min(1).nullable(),
    failingOperations: z.array(z.string().regex(/^[a-z0-9-]+\.[A-Za-z]+$/)),
    lostAnswerOperations: z.array(z.string().regex(/^[a-z0-9-]+\.[A-Za-z]+$/)),
    offlineRate: rate,
    crashAfterStartRate: rate,
    applyMs: range,
    notifyLatencyMs: range,
    offlineMs: range,
    crashAfterMs: range,
    /**
     * Virtual milliseconds per real one from now on (1 = real time): simulate slows the
     * clock while a person decides an approval (emulator/clock.ts, setFactor).
     */
    clockFactor: z.number().positive().max(1_000_000),
    /**
     * Time warp on or off (emulator/warp.ts): simulate turns it off while a person decides
     * an approval, so their window passes in real time.
     */
    warp: z.boolean(),
  })
  .partial()
  .strict();
export type EmulatorOptionsUpdate = z.infer<typeof EmulatorOptionsSchema>;

export const DeviceControlSchema = z
  .object({
    /** Take devices offline `fromMs` from now (default 0) for `forMs` (null or absent: until brought back). */
    offline: z
      .array(
        z
          .object({
            thing: z.string().min(1),
            fromMs: z.number().min(0).optional(),
            forMs: z.number().positive().nullable().optional(),
          })
          .strict(),
      )
      .optional(),
    /** Crash, now, the components each device runs (they go BROKEN, the device UNHEALTHY). */
    crash: z.array(z.string().min(1)).optional(),
    /** Bring devices back now. */
    online: z.array(z.string().min(1)).optional(),
    /** Add devices (created if new) to a thing group now: they receive its current deployment. */
    addToGroup: z
      .array(z.object({ thing: z.string().min(1), group: z.string().min(1) }).strict())
      .optional(),
    /** Remove devices from a thing group now. */
    removeFromGroup: z
      .array(z.object({ thing: z.string().min(1), group: z.string().min(1) }).strict())
      .optional(),
  })
  .strict();
export type DeviceControl = z.infer<typeof DeviceControlSchema>;

const parse = <T>(schema: z.ZodType<T>, body: unknown, what: string): T => {
  const result = schema.safeParse(body ?? {});
  if (result.success) return result.data;
  throw new Error(
    `${what}: ${result.error.issues
      .map((i) => `${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}`)
      .join('; ')}`,
  );
};

/** POST /_emulator/options: changes take effect at once (rates: for deployments created from now). */
export const applyEmulatorOptions = (world: World, body: unknown) => {
  const update = parse(EmulatorOptionsSchema, body, 'emulator options');
  const worldOptions = world.options as Record<string, unknown>;
  const fleetOptions = world.fleet.options as Record<string, unknown>;
  for (const key of WORLD_KEYS) {
    if (!(key in update)) continue;
    const value = update[key];
    worldOptions[key] = key === 'compileFailure' && value === null ? undefined : value;
  }
  for (const key of FLEET_KEYS) if (key in update) fleetOptions[key] = update[key];
  if (update.clockFactor !== undefined) world.clock.setFactor(update.clockFactor);
  if (update.warp !== undefined) world.warp.setEnabled(update.warp);
  return emulatorOptionsOf(world);
};

/** The options in force, as POST and GET /_emulator/options answer them. */
export const emulatorOptionsOf = (world: World) => ({
  ...world.options,
  ...world.fleet.options,
  clockFactor: world.clock.factor,
  warp: world.warp.enabled,
});

/** POST /_emulator/devices (and the start-up device schedule, relative to the start). */
export const deviceControl = (world: World, body: unknown, now: number) => {
  const request = parse(DeviceControlSchema, body, 'device control');
  const fleet = world.fleet;
  const unknown = [
    ...(request.offline ?? []).map((o) => o.thing),
    ...(request.online ?? []),
    ...(request.crash ?? []),
    ...(request.removeFromGroup ?? []).map((r) => r.thing),
  ].filter((thing) => !fleet.things.has(thing));
  if (unknown.length) throw new Error(`device control: unknown device(s) ${unknown.join(', ')}`);
  for (const { thing, group } of request.removeFromGroup ?? []) {
    if (!fleet.groups.get(group)?.has(thing))
      throw new Error(`device control: ${thing} is not in thing group ${group}`);
  }
  for (const { thing, group } of request.addToGroup ?? []) {
    if (!fleet.groups.has(group)) throw new Error(`device control: unknown thing group ${group}`);
    if (fleet.groups.get(group)!.has(thing))
      throw new Error(`device control: ${thing} is already in thing group ${group}`);
    if (fleet.things.get(thing)?.group)
      throw new Error(
        `device control: ${thing} is in thing group ${fleet.things.get(thing)!.group}`,
      );
  }
  for (const { thing, group } of request.addToGroup ?? []) fleet.addToGroup(thing, group, now);
  for (const { thing, fromMs, forMs } of request.offline ?? []) {
    const from = now + (fromMs ?? 0);
    fleet.setOffline(thing, from, forMs == null ? null : from + forMs);
  }
  for (const thing of request.online ?? []) fleet.bringOnline(thing, now);
  for (const thing of request.crash ?? []) fleet.crash(thing, now);
  for (const { thing, group } of request.removeFromGroup ?? [])
    fleet.removeFromGroup(thing, group, now);
  return { applied: true };
};

const iso = (t: number) => new Date(t).toISOString();

/**
 * GET /_emulator/devices: every device, whether it is online, its offline windows, its core
 * device status and the components it reports. What simulate's summary reads. In a group of
 * more devices than cohorts, only devices of cohorts that went offline or crashed in some
 * deployment are listed (and every device held one by one); `devicesTotal` counts them all.
 */
export const fleetReport = (
  world: World,
  componentsOf: (thing: string) => {
    componentName: string;
    componentVersion?: string;
    lifecycleState: string;
    lastStatusChangeTimestamp: number;
  }[],
  /** Every crash of our components during the run, even those a rollback replaced since. */
  crashesOf: (thing: string) => { component: string; version?: string; since: number }[],
) => {
  const now = world.clock.now();
  const fleet = world.fleet;
  return {
    now: iso(now),
    options: { ...fleet.options },
    devicesTotal: fleet.things.size,
    devices: [...fleet.listing(undefined, { eventful: true })].map(({ thing }) => {
      const t = fleet.things.get(thing)!;
      const components = componentsOf(t.name);
      return {
        thing: t.name,
        account: t.account,
        group: t.group ?? null,
        twin: Boolean(t.twin),
        online: fleet.isOnline(t.name, now),
        offline: fleet
          .offlineWindows(t.name)
          .filter((w) => w.from !== w.until)
          .map((w) => ({ from: iso(w.from), until: w.until === null ? null : iso(w.until) })),
        broken: crashesOf(t.name).map((c) => ({ ...c, since: iso(c.since) })),
        components: components.map((c) => ({
          name: c.componentName,
          version: c.componentVersion,
          state: c.lifecycleState,
        })),
      };
    }),
  };
};
