import { endpointOptions } from '../../../cli/endpoint-options';
import { fleetEvents, formatSummary } from '../../../cli/simulate';
import { emptySummary } from '../../helpers/summary';

describe('simulate --endpoint: options reach the running emulator or are refused', () => {
  it('sends the rates that were given, and only those', () => {
    const { update, refused } = endpointOptions(
      { deviceFailureRate: 0.1, apiFaultRate: 0, offlineRate: 0.3, crashAfterStartRate: 0.2 },
      new Set(['deviceFailureRate', 'offlineRate', 'crashAfterStartRate']),
    );
    expect(update).toEqual({
      badModel: false,
      approvalTimeout: false,
      deviceFailureRate: 0.1,
      offlineRate: 0.3,
      crashAfterStartRate: 0.2,
    });
    expect(refused).toEqual([]);
  });

  it('sends the timing ranges that were given', () => {
    const { update } = endpointOptions(
      { applyMs: [1000, 2000], notifyLatencyMs: [0, 500], offlineMs: [60_000, 120_000] },
      new Set(['applyMs', 'offlineMs']),
    );
    expect(update).toMatchObject({ applyMs: [1000, 2000], offlineMs: [60_000, 120_000] });
    expect(update).not.toHaveProperty('notifyLatencyMs');
  });

  it('refuses every option that shapes an emulator at start, by flag name', () => {
    const { refused } = endpointOptions(
      { fleetSize: 9, seed: 'x', stateDir: '/tmp/x', keepState: true, offlineRate: 0.5 },
      new Set(['fleetSize', 'seed', 'stateDir', 'keepState', 'offlineRate']),
    );
    expect(refused).toEqual(['--fleet-size', '--seed', '--state-dir', '--keep-state']);
  });

  it('turns the time warp off on the running emulator when --no-warp is given', () => {
    const { update, refused } = endpointOptions({ warp: false }, new Set(['warp']));
    expect(update).toMatchObject({ warp: false });
    expect(refused).toEqual([]);
  });

  it('leaves the emulator alone for options left at their defaults', () => {
    const { update } = endpointOptions(
      { deviceFailureRate: 0, apiFaultRate: 0, offlineRate: 0, fleetSize: 5 },
      new Set(),
    );
    expect(update).toEqual({ badModel: false, approvalTimeout: false });
  });
});

describe('simulate summary: offline devices and crashed components', () => {
  const before = {
    now: '2026-11-25T10:00:00.000Z',
    devices: [
      {
        thing: 'old-crash',
        offline: [{ from: '2026-11-25T08:00:00.000Z', until: '2026-11-25T09:00:00.000Z' }],
        broken: [{ component: 'c', version: '1.0.0', since: '2026-11-25T09:30:00.000Z' }],
      },
    ],
  };
  const after = {
    now: '2026-11-25T12:00:00.000Z',
    devices: [
      {
        thing: 'old-crash',
        offline: [{ from: '2026-11-25T08:00:00.000Z', until: '2026-11-25T09:00:00.000Z' }],
        broken: [{ component: 'c', version: '1.0.0', since: '2026-11-25T09:30:00.000Z' }],
      },
      {
        thing: 'back',
        offline: [{ from: '2026-11-25T10:30:00.000Z', until: '2026-11-25T11:00:00.000Z' }],
        broken: [],
      },
      {
        thing: 'gone',
        offline: [{ from: '2026-11-25T09:50:00.000Z', until: null }],
        broken: [],
      },
      {
        thing: 'later',
        offline: [{ from: '2026-11-25T13:00:00.000Z', until: null }],
        broken: [],
      },
      {
        thing: 'crashed',
        offline: [],
        broken: [{ component: 'inference', version: '1.4.0', since: '2026-11-25T11:30:00.000Z' }],
      },
    ],
  };

  it('lists devices offline during the run (back or not) and components broken during it', () => {
    expect(fleetEvents(before, after)).toEqual({
      offlineDevices: [
        { device: 'back', since: '2026-11-25T10:30:00.000Z', backAt: '2026-11-25T11:00:00.000Z' },
        { device: 'gone', since: '2026-11-25T09:50:00.000Z', backAt: null },
      ],
      crashedComponents: [
        {
          device: 'crashed',
          component: 'inference',
          version: '1.4.0',
          since: '2026-11-25T11:30:00.000Z',
        },
      ],
    });
  });

  it('prints them by name', () => {
    const summary = emptySummary(fleetEvents(before, after));
    const text = formatSummary(summary);
    expect(text).toContain(
      'Offline devices: 2 — back (back at 2026-11-25T11:00:00.000Z), gone (still offline)',
    );
    expect(text).toContain(
      'Crashed components: 1 — inference@1.4.0 BROKEN on crashed since 2026-11-25T11:30:00.000Z',
    );
  });
});
