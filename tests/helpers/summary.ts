import type { SimulationSummary } from '../../cli/simulate';

/** A simulate summary of a run that did nothing, for tests of how summaries are printed. */
export const emptySummary = (overrides: Partial<SimulationSummary> = {}): SimulationSummary => ({
  status: 'SUCCEEDED',
  deliveries: [],
  statesVisited: [],
  stateTransitions: 0,
  resourcesCreated: { compilationJobs: [], componentVersions: [], deployments: [] },
  notifications: [],
  deadLetters: 0,
  awsCalls: {},
  awsCallsTotal: 0,
  injectedFaults: 0,
  accessDenied: [],
  undeliverableAlarms: [],
  alarmNotificationsDropped: 0,
  fleets: [],
  offlineDevices: [],
  crashedComponents: [],
  functionInvocations: { total: 0, coldStarts: 0 },
  wallTimeMs: 1000,
  endpoint: 'http://127.0.0.1:1',
  ...overrides,
});
