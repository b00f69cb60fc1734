import type { DeviceControl } from '../../emulator/controls';
import type { DriftSummary } from '../drift-loop';

export type SimulateOptions = {
  event: string;
  config: string;
  approve?: boolean;
  reject?: boolean;
  approvalTimeout?: boolean;
  autoApproveWithoutTty?: boolean;
  /**
   * Whether a person can decide at the approval page (default: stdin is a terminal). Then,
   * without --approve/--reject/--approval-timeout, the run waits for their decision with the
   * simulated clock slowed to `approvalClockFactor`.
   */
  interactive?: boolean;
  /** Virtual ms per real one while an approval waits for a person (default 1: real time). */
  approvalClockFactor?: number;
  fleetSize: number;
  deviceFailureRate: number;
  apiFaultRate: number;
  /** Share of fleet devices found offline when a deployment reaches them (0–1). */
  offlineRate?: number;
  /** Share of fleet devices whose new components crash after a successful deployment (0–1). */
  crashAfterStartRate?: number;
  /** Fleet timing ranges, virtual ms [min, max] (defaults: emulator/fleet.ts). */
  applyMs?: [number, number];
  notifyLatencyMs?: [number, number];
  offlineMs?: [number, number];
  crashAfterMs?: [number, number];
  /**
   * Devices offline, back, crashed, added or removed (the body of POST /_emulator/devices),
   * at the start of the run: relative to the embedded emulator's start, or applied to a
   * running one before the event is delivered. Programmatic only (tests).
   */
  deviceSchedule?: DeviceControl;
  duplicateDeliveries: number;
  endpoint?: string;
  seed: string;
  json?: boolean;
  badModel?: boolean;
  compileFailure?: string;
  /** Virtual seconds a Neo compilation takes (embedded emulator only). */
  compileSeconds?: number;
  /** Virtual milliseconds per real one (embedded emulator only; default 1000). */
  clockFactor?: number;
  /**
   * Time warp: when nothing runs, the simulated clock jumps to the next thing due
   * (emulator/warp.ts). Default on for the embedded emulator; with --endpoint, set only when given.
   */
  warp?: boolean;
  stateDir?: string;
  /** Keep the embedded emulator's state (S3 objects, functions.log) in a new temp directory. */
  keepState?: boolean;
  timeoutSeconds: number;
  /** Ends the run early (Ctrl-C): the embedded emulator is closed and its temp files removed. */
  signal?: AbortSignal;
  /**
   * The options set explicitly (on the command line): with --endpoint, these take effect on
   * the running emulator or are refused. Options not listed keep the emulator's settings.
   */
  given?: string[];
  /** After a successful release: capture shifted by this much, drift detection, retraining (cli/drift-loop.ts). */
  drift?: number;
};

/** A device offline at some point of the run; backAt null: still offline at the end. */
export type OfflineDevice = { device: string; since: string; backAt: string | null };
/** A component that went BROKEN during the run (it had started and then crashed). */
export type CrashedComponent = {
  device: string;
  component: string;
  version?: string;
  since: string;
};

export type SimulationSummary = {
  status: string;
  executionArn?: string;
  executionName?: string;
  error?: string;
  cause?: string;
  deliveries: unknown[];
  statesVisited: string[];
  stateTransitions: number;
  approval?: {
    /** The first approver's link; `links` holds every approver's. */
    link: string;
    links: string[];
    /** ISO time: decide before (the approval task's timeout, in simulated time). */
    deadline?: string;
    decision: string;
    httpStatus?: number;
    resumedAfterMs?: number;
    /** Real ms the run waited for a person (the clock slowed meanwhile). */
    waitedForPersonMs?: number;
  };
  resourcesCreated: {
    compilationJobs: string[];
    componentVersions: string[];
    deployments: { target: string; deploymentId: string }[];
  };
  notifications: string[];
  deadLetters: number;
  /** What the execution did to each fleet: DEPLOYED (with offline devices) or ROLLED BACK. */
  fleets: { fleet: string; status: string; offline?: string[] }[];
  offlineDevices: OfflineDevice[];
  crashedComponents: CrashedComponent[];
  awsCalls: Record<string, number>;
  awsCallsTotal: number;
  injectedFaults: number;
  /** Calls the emulator refused because the caller's IAM role does not allow them. */
  accessDenied: { service: string; operation: string; message: string }[];
  /** Alarms whose notifications cannot be delivered (e.g. topic on the AWS-managed SNS key). */
  undeliverableAlarms: { alarm: string; topicArn: string; reason: string }[];
  /** Alarm notifications dropped during the run for that reason. */
  alarmNotificationsDropped: number;
  /** Time warp during the run (emulator/warp.ts): clock jumps and virtual ms they skipped. */
  timeWarp?: { jumps: number; skippedMs: number };
  /** Function invocations during the run, and how many of them loaded their function first. */
  functionInvocations: { total: number; coldStarts: number };
  wallTimeMs: number;
  /** What `--drift` did: capture, scores per window and fleet, retraining and its release. */
  drift?: DriftSummary;
  endpoint: string;
  logFile?: string;
};

export type Log = (line: string) => void;
