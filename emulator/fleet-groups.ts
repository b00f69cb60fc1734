import type { Thing } from './fleet-types';

/**
 * A thing group of the simulated fleet. Its `size` provisioned devices are not held one by
 * one: device i is named `<prefix>-<i+1, zero-padded>` and its record is computed when asked
 * for, so a group of 100,000 costs what a group of 10 does. Devices removed since, and
 * devices that joined later (device controls, fleet provisioning), are the only ones held.
 */
export class FleetGroup {
  /** Provisioned devices (by index) no longer in the group. */
  readonly removed = new Set<number>();
  /** Devices that joined after provisioning, in the order they joined. */
  readonly joined: string[] = [];
  /** Provisioned devices (by index) held one by one (see Fleet.materialise). */
  readonly individual = new Set<number>();
  private readonly width: number;

  constructor(
    readonly name: string,
    readonly arn: string,
    readonly account: string,
    /** How many devices were provisioned into the group. */
    readonly size: number,
    readonly prefix: string,
    readonly twin: boolean,
    /** Cohorts the provisioned devices fall into: device i is in cohort i mod cohorts. */
    readonly cohorts: number,
  ) {
    this.width = Math.max(2, String(size).length);
  }

  /** The name of provisioned device `i` (0-based). */
  nameOf(i: number): string {
    return `${this.prefix}-${String(i + 1).padStart(this.width, '0')}`;
  }

  /** The index of a provisioned device of this group by name (undefined: not one). */
  indexOf(name: string): number | undefined {
    if (name.length !== this.prefix.length + 1 + this.width) return undefined;
    if (!name.startsWith(`${this.prefix}-`)) return undefined;
    const digits = name.slice(this.prefix.length + 1);
    if (!/^\d+$/.test(digits)) return undefined;
    const i = Number(digits) - 1;
    return i >= 0 && i < this.size ? i : undefined;
  }

  has(name: string): boolean {
    const i = this.indexOf(name);
    if (i !== undefined && !this.removed.has(i)) return true;
    return this.joined.includes(name);
  }

  get memberCount(): number {
    return this.size - this.removed.size + this.joined.length;
  }

  /** The members in rollout order: provisioned devices by index, then those that joined. */
  *members(): Generator<string> {
    for (let i = 0; i < this.size; i++) if (!this.removed.has(i)) yield this.nameOf(i);
    yield* this.joined;
  }

  /** Every member by name. Allocates one string per device: for small groups and tests. */
  get things(): string[] {
    return [...this.members()];
  }

  /** Members from `start` (an offset into members()), at most `max`: a page, computed alone. */
  page(start: number, max: number): string[] {
    const out: string[] = [];
    let seen = 0;
    if (this.removed.size === 0 && start < this.size) {
      for (let i = start; i < this.size && out.length < max; i++) out.push(this.nameOf(i));
      for (let j = 0; j < this.joined.length && out.length < max; j++) out.push(this.joined[j]!);
      return out;
    }
    for (const name of this.members()) {
      if (seen++ < start) continue;
      out.push(name);
      if (out.length >= max) break;
    }
    return out;
  }
}

/** An entry of the thing registry's order: a provisioned group's devices, or one thing. */
type Entry = { group: FleetGroup } | { thing: string };

/**
 * Every thing of the fleet, by name: provisioned group devices computed from their group,
 * other things (thing targets, devices that joined or changed group) held as records.
 * Iteration keeps registration order.
 */
export class ThingRegistry {
  private readonly held = new Map<string, Thing>();
  private readonly order: Entry[] = [];

  constructor(private readonly groups: Map<string, FleetGroup>) {}

  /** Registers a provisioned group's devices (in registration order). */
  addGroup(group: FleetGroup) {
    this.order.push({ group });
  }

  /** The provisioned group and index of a device, if it is one. */
  provisioned(name: string): { group: FleetGroup; index: number } | undefined {
    for (const group of this.groups.values()) {
      const index = group.indexOf(name);
      if (index !== undefined) return { group, index };
    }
    return undefined;
  }

  get(name: string): Thing | undefined {
    const held = this.held.get(name);
    if (held) return held;
    const p = this.provisioned(name);
    if (!p) return undefined;
    return {
      name,
      arn: p.group.arn.replace(/:thinggroup\/.*$/, `:thing/${name}`),
      account: p.group.account,
      group: p.group.removed.has(p.index) ? undefined : p.group.name,
      twin: p.group.twin,
    };
  }

  has(name: string): boolean {
    return this.held.has(name) || this.provisioned(name) !== undefined;
  }

  /** Holds a thing's record (a provisioned device's replaces the computed one). */
  set(name: string, thing: Thing) {
    if (!this.held.has(name) && !this.provisioned(name)) this.order.push({ thing: name });
    this.held.set(name, thing);
    return this;
  }

  get size(): number {
    let n = 0;
    for (const e of this.order) n += 'group' in e ? e.group.size : 1;
    return n;
  }

  /** Every thing, in registration order. One record per device: for small fleets and reports. */
  *values(): Generator<Thing> {
    for (const name of this.names()) yield this.get(name)!;
  }

  *names(): Generator<string> {
    for (const e of this.order) {
      if ('thing' in e) yield e.thing;
      else for (let i = 0; i < e.group.size; i++) yield e.group.nameOf(i);
    }
  }

  /** The things held as records, in the order they were first held. */
  heldNames(): IterableIterator<string> {
    return this.held.keys();
  }

  /** The registry's order as entries: what pages of things walk without naming every device. */
  entries(): readonly Entry[] {
    return this.order;
  }

  /** The accounts things are registered in. */
  accounts(): string[] {
    const out = new Set<string>();
    for (const e of this.order)
      out.add('group' in e ? e.group.account : this.held.get(e.thing)!.account);
    for (const t of this.held.values()) out.add(t.account);
    return [...out];
  }
}
