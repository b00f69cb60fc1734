import type { OfflineWindow } from './fleet-types';

export const NEVER = Number.POSITIVE_INFINITY;

/**
 * When each device is offline: windows of virtual time, set by the fleet's offline rate and
 * by the emulator's device controls. A device found offline stays offline for its window,
 * so every deployment that reaches it then sees it offline.
 */
export class DeviceAvailability {
  private readonly offline = new Map<string, OfflineWindow[]>();
  /** Bumped whenever a device's availability (or, through the fleet, its group membership) changes: invalidates cached abort times. */
  version = 0;

  /** Takes a device offline from `from` until `until` (null: until brought back). */
  setOffline(thing: string, from: number, until: number | null) {
    const windows = this.offline.get(thing) ?? [];
    windows.push({ from, until });
    windows.sort((a, b) => a.from - b.from);
    this.offline.set(thing, windows);
    this.version++;
  }

  /** Brings a device back at `at`: every offline window still open then ends at `at`. */
  bringOnline(thing: string, at: number) {
    for (const w of this.offline.get(thing) ?? []) {
      if (w.from <= at && (w.until === null || w.until > at)) w.until = at;
      else if (w.from > at) w.until = w.from; // a future window is dropped
    }
    this.version++;
  }

  offlineWindows(thing: string): OfflineWindow[] {
    return this.offline.get(thing) ?? [];
  }

  /** The offline window covering `t`, if any. */
  private windowAt(thing: string, t: number): OfflineWindow | undefined {
    return this.offline
      .get(thing)
      ?.find((w) => w.from <= t && (w.until === null || t < w.until) && w.from !== w.until);
  }

  isOnline(thing: string, t: number): boolean {
    return !this.windowAt(thing, t);
  }

  /** The first moment at or after `t` the device is online (Infinity if it never comes back). */
  onlineFrom(thing: string, t: number): number {
    let at = t;
    for (let w = this.windowAt(thing, at); w; w = this.windowAt(thing, at)) {
      if (w.until === null) return NEVER;
      at = w.until;
    }
    return at;
  }

  /** The last moment at or before `t` the device was online (what the cloud last heard). */
  lastOnline(thing: string, t: number): number {
    return this.windowAt(thing, t)?.from ?? t;
  }
}
