import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import type { VirtualClock } from '../clock';
import { LOCAL_ACCOUNT, LOCAL_REGION, type LocalResource, resolveLocal } from '../local-stage';
import { PROJECT_ROOT } from '../project-root';
import type { FunctionDeclaration, ServiceDeclaration } from '../serverless-service';
import { type Activity, NO_ACTIVITY } from '../warp';
import { cachedBuild, projectBuildFiles } from './bundle-cache';
import { cacheDirOf } from './cache-dir';
import { localEsbuildOptions } from './esbuild-options';

/**
 * The project's Lambda functions, run locally as AWS would run them: each bundled by
 * esbuild from its handler in serverless.yml with the options serverless-esbuild deploys it
 * with (custom.esbuild),
 * each in its own worker thread with the environment serverless.yml gives it (resolved to
 * local resources), and every SDK client pointed at the emulator by AWS_ENDPOINT_URL.
 */
export type FunctionError = Error & { errorType: string; errorMessage: string };

export type Invocation = { key: string; ms: number; coldStart: boolean; error?: string };

export const functionName = (key: string, stage = 'local') => `edge-mlops-${stage}-${key}`;
export const functionArn = (key: string, stage = 'local') =>
  `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${functionName(key, stage)}`;

export type Bundles = { files: Record<string, string>; dir: string; cached: boolean };

/**
 * Bundles every function of the service in one esbuild run, with the options serverless.yml
 * packages them with, or reuses the bundles of an earlier run whose inputs are unchanged.
 */
export const bundleFunctions = async (
  service: ServiceDeclaration,
  cacheDir = cacheDirOf('bundles'),
  onBuild?: (functions: number) => void,
): Promise<Bundles> => {
  const entryPoints = Object.fromEntries(
    Object.values(service.functions).map((fn) => [fn.key, join(service.root, `${fn.module}.ts`)]),
  );
  const { dir, cached } = await cachedBuild({
    cacheDir,
    entryPoints,
    options: localEsbuildOptions(service),
    dependsOn: projectBuildFiles(service.root),
    onBuild: () => onBuild?.(Object.keys(entryPoints).length),
  });
  const files = Object.fromEntries(
    Object.keys(entryPoints).map((key) => [key, join(dir, `${key}.cjs`)]),
  );
  return { files, dir, cached };
};

/**
 * Execution environments kept warm at once. Lambda keeps an idle environment "for some time in
 * anticipation of another function invocation" and tells us not to "assume that the execution
 * environment will persist indefinitely" (developer guide, "Understanding the Lambda execution
 * environment lifecycle", docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html),
 * so a handler must survive a cold start on any invocation. Locally each warm worker holds its
 * bundle and SDK clients (50–130 MB): the least recently used idle one is shut down when a new
 * one would exceed this. The CLI (`npm start`, `edge-mlops emulator`) keeps this many; an
 * Emulator.start without `warmFunctions` (tests sharing one emulator across many executions)
 * keeps every function warm.
 */
export const CLI_WARM_FUNCTIONS = Number(process.env.EDGE_MLOPS_WARM_FUNCTIONS ?? 4);

/**
 * Whether the CLI loads functions ahead of their first invocation (`prefetch`):
 * EDGE_MLOPS_PREFETCH=0 turns it off. With four warm and the state machine's hints, `npm start`
 * took a median 6.0 s with it against 7.1 s without (4 interleaved runs each, 2 cores), for
 * about 5 % more CPU (docs/local-mode.md).
 */
export const CLI_PREFETCH_FUNCTIONS = process.env.EDGE_MLOPS_PREFETCH !== '0';

export class FunctionRuntime {
  private readonly workers = new Map<string, Worker>();
  private readonly lastUsed = new Map<string, number>();
  private readonly pending = new Map<
    string,
    { resolve: (v: unknown) => void; reject: (e: Error) => void; key: string; started: number }
  >();
  readonly invocations: Invocation[] = [];

  constructor(
    private readonly service: ServiceDeclaration,
    private readonly bundles: Record<string, string>,
    private readonly resources: Record<string, LocalResource>,
    private readonly clock: VirtualClock,
    private readonly baseEnv: Record<string, string>,
    private readonly logs: Writable,
    /** Environment overrides per function: the credentials of its execution role. */
    private readonly identityOf: (key: string) => Record<string, string> = () => ({}),
    private readonly warmFunctions = Number.POSITIVE_INFINITY,
    /** What a running invocation holds (the time warp does not jump while one runs). */
    private readonly activity: Activity = NO_ACTIVITY,
    /** Whether `prefetch` loads functions ahead of their first invocation (off by default). */
    private readonly prefetching = false,
  ) {
    // Every function's stdout and stderr are piped into the one log sink.
    this.logs.setMaxListeners(0);
  }

  /** The environment of one function: provider + function variables, resolved locally. */
  environmentOf(fn: FunctionDeclaration): Record<string, string> {
    const declared = resolveLocal(
      { ...this.service.providerEnvironment, ...fn.environment },
      this.resources,
    ) as Record<string, unknown>;
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(declared)) env[k] = String(v);
    return {
      PATH: process.env.PATH ?? '',
      ...env,
      ...this.baseEnv,
      ...this.identityOf(fn.key),
      AWS_LAMBDA_FUNCTION_NAME: functionName(fn.key),
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
    };
  }

  /**
   * The state machine names what may run next (services/sfn-next-functions.ts): these count
   * as just used, so the warm limit shuts down an idle function the execution will not call
   * soon rather than one it is about to call again (a rollout's wave loop, for instance).
   * With prefetching on, they are also loaded ahead of their first invocation, one at a time
   * in the background. Lambda does the same: "for functions using unreserved (on-demand)
   * concurrency, Lambda occasionally pre-initializes execution environments to reduce the
   * number of cold start invocations" (developer guide, "Understanding the Lambda execution
   * environment lifecycle", Init phase). A load never shuts down a worker that is in use or
   * was just predicted, and nothing is loaded beyond the warm limit.
   */
  prefetch(keys: readonly string[]): void {
    const now = Date.now();
    for (const key of keys) {
      if (!this.service.functions[key]) continue;
      this.lastUsed.set(key, now);
      if (this.prefetching && !this.workers.has(key) && !this.queued.includes(key))
        this.queued.push(key);
    }
    if (this.prefetching) this.loadNext();
  }

  private readonly queued: string[] = [];
  private loading?: string;

  private loadNext(): void {
    if (this.loading) return;
    const key = this.queued.shift();
    if (!key) return;
    if (this.workers.has(key)) {
      this.loadNext();
      return;
    }
    // Room only by shutting down an idle worker used (or predicted) before this prediction.
    const predictedAt = this.lastUsed.get(key) ?? 0;
    const busy = new Set([...this.pending.values()].map((call) => call.key));
    const spare = [...this.workers.keys()].filter(
      (k) => !busy.has(k) && (this.lastUsed.get(k) ?? 0) < predictedAt,
    );
    if (this.workers.size >= this.warmFunctions && spare.length === 0) {
      this.loadNext();
      return;
    }
    this.loading = key;
    const worker = this.worker(key, true);
    const done = () => {
      worker.off('message', onReady);
      worker.off('exit', done);
      this.loading = undefined;
      this.loadNext();
    };
    const onReady = (msg: { ready?: boolean }) => {
      if (msg.ready) done();
    };
    worker.on('message', onReady);
    worker.once('exit', done);
  }

  private worker(key: string, preload = false): Worker {
    let worker = this.workers.get(key);
    if (worker) return worker;
    const fn = this.service.functions[key];
    const bundle = this.bundles[key];
    if (!fn || !bundle) throw new Error(`serverless.yml declares no function ${key}`);
    this.shutDownIdle(this.warmFunctions - 1);
    worker = new Worker(join(PROJECT_ROOT, 'emulator/runtime/worker.cjs'), {
      workerData: {
        preload,
        bundle,
        exportName: fn.exportName,
        functionName: functionName(key),
        functionArn: functionArn(key),
        timeoutMs: (fn.timeout ?? 30) * 1000,
        clock: this.clock.describe(),
      },
      env: this.environmentOf(fn),
      execArgv: ['--enable-source-maps'],
      stdout: true,
      stderr: true,
    });
    worker.stdout.pipe(this.logs, { end: false });
    worker.stderr.pipe(this.logs, { end: false });
    worker.on(
      'message',
      (msg: {
        id: string;
        result?: unknown;
        error?: { name: string; message: string; stack: string };
        coldStart?: boolean;
      }) => {
        const call = this.pending.get(msg.id);
        if (!call) return;
        this.pending.delete(msg.id);
        const ms = Date.now() - call.started;
        if (msg.error) {
          this.invocations.push({ key: call.key, ms, coldStart: false, error: msg.error.name });
          // As the Lambda runtime reports it: errorType is the error's name.
          const error = new Error(
            JSON.stringify({
              errorType: msg.error.name,
              errorMessage: msg.error.message,
              trace: msg.error.stack.split('\n').slice(0, 8),
            }),
          ) as FunctionError;
          error.name = msg.error.name;
          error.errorType = msg.error.name;
          error.errorMessage = msg.error.message;
          call.reject(error);
        } else {
          this.invocations.push({ key: call.key, ms, coldStart: Boolean(msg.coldStart) });
          call.resolve(msg.result);
        }
      },
    );
    worker.on('error', (error) => {
      for (const [id, call] of this.pending) {
        if (call.key === key) {
          this.pending.delete(id);
          call.reject(
            Object.assign(new Error(`function ${key} crashed: ${error.message}`), {
              name: 'Lambda.Unknown',
            }),
          );
        }
      }
      this.workers.delete(key);
    });
    this.workers.set(key, worker);
    return worker;
  }

  /** Shuts down the least recently used idle workers until at most `keep` are left. */
  private shutDownIdle(keep: number) {
    const busy = new Set([...this.pending.values()].map((call) => call.key));
    const idle = [...this.workers.keys()]
      .filter((key) => !busy.has(key))
      .sort((a, b) => (this.lastUsed.get(a) ?? 0) - (this.lastUsed.get(b) ?? 0));
    for (const key of idle) {
      if (this.workers.size <= keep) return;
      void this.workers.get(key)?.terminate();
      this.workers.delete(key);
    }
  }

  /** Invokes function `key` with `event` (RequestResponse); rejects with the function's error. */
  invoke(key: string, event: unknown): Promise<unknown> {
    const id = randomUUID();
    this.lastUsed.set(key, Date.now());
    const release = this.activity.hold();
    try {
      const worker = this.worker(key);
      const running = new Promise((resolve, reject) => {
        this.pending.set(id, { resolve, reject, key, started: Date.now() });
        worker.postMessage({ id, event: structuredClone(event), requestId: id });
      });
      running.then(release, release);
      return running;
    } catch (error) {
      release();
      throw error;
    }
  }

  keyOfArn(arn: string): string | undefined {
    const name = arn.split(':').pop() ?? '';
    return Object.keys(this.service.functions).find(
      (key) => functionName(key) === name || key === name,
    );
  }

  async close() {
    await Promise.all([...this.workers.values()].map((w) => w.terminate()));
    this.workers.clear();
  }
}
