import type { VirtualClock } from './clock';
import type { Fleet, Job } from './fleet';
import { TimeWarp } from './warp';

/**
 * Everything the emulator knows, shared by its services. In memory only: a local run is
 * a fresh world (DynamoDB and S3 are real local servers with their own storage).
 */
export type EmulatorOptions = {
  seed: string;
  /** Share of devices that fail a deployment (0–1). */
  deviceFailureRate: number;
  /** Share of API requests answered with throttling or a 5xx (0–1). */
  apiFaultRate: number;
  /** The inference component answers wrong: twin smoke tests fail. */
  badModel: boolean;
  /** Virtual seconds a Neo compilation takes. */
  compileSeconds: number;
  /** When set, every compilation job FAILS with this reason. */
  compileFailure?: string;
  /** Nobody answers approvals: task-token waits time out at once. */
  approvalTimeout: boolean;
  /** Operations ("service.Operation") that answer 500 every time, until cleared (outages). */
  failingOperations: string[];
  /**
   * Operations ("service.Operation") whose every call is carried out and then answered 500,
   * as when the answer is lost after the service acted, until cleared.
   */
  lostAnswerOperations: string[];
};

export type ModelPackage = {
  ModelPackageArn: string;
  ModelPackageGroupName: string;
  ModelPackageVersion: number;
  ModelApprovalStatus: string;
  ModelPackageStatus: string;
  [key: string]: unknown;
};

export type CompilationJob = {
  request: Record<string, unknown>;
  arn: string;
  createdAt: number;
  artifactUri: string;
};

export type EdgePackagingJob = { request: Record<string, unknown>; arn: string; createdAt: number };

export type Component = {
  arn: string;
  name: string;
  version: string;
  recipe: Record<string, unknown>;
  recipeText: string;
  tags: Record<string, string>;
  createdAt: number;
  /** When the version turns DEPLOYABLE (registration takes a moment, as on AWS). */
  deployableAt: number;
};

export type Deployment = {
  deploymentId: string;
  deploymentName?: string;
  targetArn: string;
  revisionId: string;
  components: Record<string, unknown>;
  deploymentPolicies?: unknown;
  iotJobConfiguration?: unknown;
  tags?: Record<string, string>;
  createdAt: number;
  jobId: string;
  canceled: boolean;
};

export type SnsMessage = {
  topicArn: string;
  subject?: string;
  message: string;
  attributes: Record<string, string>;
  at: number;
  /** Endpoints of the topic's subscriptions whose filter policy let the message through. */
  deliveredTo?: string[];
};
export type SqsMessage = {
  id: string;
  body: string;
  receipt?: string;
  visibleAt: number;
  sentAt: number;
  receiveCount: number;
};

export type ApiCall = {
  service: string;
  operation: string;
  at: number;
  status: number;
  /** Answered with a fault the emulator injected (an outage, --api-fault-rate, a lost answer). */
  injected?: boolean;
};

export class World {
  readonly modelPackages = new Map<string, ModelPackage>();
  readonly compilationJobs = new Map<string, CompilationJob>();
  readonly edgePackagingJobs = new Map<string, EdgePackagingJob>();
  readonly components = new Map<string, Component>();
  readonly deployments = new Map<string, Deployment>();
  /** Greengrass clientToken → the response it produced (cached 8 hours). */
  readonly clientTokens = new Map<string, { at: number; fingerprint: string; response: unknown }>();
  readonly sns: SnsMessage[] = [];
  readonly queues = new Map<string, SqsMessage[]>();
  readonly secrets = new Map<string, string>();
  readonly calls: ApiCall[] = [];
  /** Calls refused by IAM (emulator/iam/), with AWS's message. */
  readonly refusals: { service: string; operation: string; at: number; message: string }[] = [];
  /** Job state changes IoT publishes as job events (iot-events.ts), once wired. */
  jobEvents?: { created(job: Job): void; canceled(job: Job, at: number): void };
  private counter = 0;

  constructor(
    readonly options: EmulatorOptions,
    readonly clock: VirtualClock,
    readonly fleet: Fleet,
    readonly account: string,
    readonly region: string,
    /** Jumps the clock to the next timer when the world is idle (emulator/warp.ts); off unless asked. */
    readonly warp = new TimeWarp(clock, { enabled: false }),
  ) {}

  nextId(prefix: string): string {
    this.counter++;
    return `${prefix}${this.counter.toString(16).padStart(8, '0')}`;
  }

  /** API calls by "service.Operation", for the run summary and the benchmarks. */
  callCounts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const c of this.calls) {
      const key = `${c.service}.${c.operation}`;
      counts[key] = (counts[key] ?? 0) + 1;
    }
    return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
  }
}
