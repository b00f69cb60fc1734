'use strict';
/**
 * One Lambda function in local mode: its own thread with its own environment (from
 * serverless.yml), its bundled handler, and the emulator's virtual clock, so a handler's
 * `new Date()` agrees with the simulated world. Invocations arrive as messages.
 */
const { parentPort, workerData } = require('node:worker_threads');

// The emulator's clock anchor, in memory shared with it: its rate can change while this
// worker runs (emulator/clock.ts, whose seqlock this read mirrors; a .cjs cannot import it).
const seq = new Int32Array(workerData.clock.shared, 0, 1);
const anchor = new Float64Array(workerData.clock.shared, 8, 3);
const RealDate = Date;
const virtualNow = () => {
  for (;;) {
    const before = Atomics.load(seq, 0);
    if (before % 2 === 1) continue;
    const [virtual, real, factor] = anchor;
    if (Atomics.load(seq, 0) === before)
      return Math.round(virtual + (RealDate.now() - real) * factor);
  }
};
class VirtualDate extends RealDate {
  constructor(...args) {
    if (args.length === 0) super(virtualNow());
    else super(...args);
  }
  static now() {
    return virtualNow();
  }
}
globalThis.Date = VirtualDate;

// V8's code cache for the bundle, kept beside it (removed with it by the bundle cache): a
// function loaded again, in this run or the next, skips compiling its ~1 MB bundle, which is
// a third of a cold start's CPU. Lambda has no such cache; the benchmark's cold starts run without it.
const nodeModule = require('node:module');
nodeModule.enableCompileCache(
  require('node:path').join(require('node:path').dirname(workerData.bundle), '.compile-cache'),
);

let handler;
let coldStart = true;
const load = () => {
  if (!handler) {
    const mod = require(workerData.bundle);
    // Written now: a worker shut down by the warm limit never reaches an exit hook.
    nodeModule.flushCompileCache();
    handler = mod[workerData.exportName];
    if (typeof handler !== 'function')
      throw new Error(`${workerData.bundle} exports no function ${workerData.exportName}`);
  }
  return handler;
};

// Loaded ahead of its first invocation (FunctionRuntime.prefetch): an Init error is not
// reported here but by the invocation, which loads again, as Lambda retries a failed Init.
if (workerData.preload)
  setImmediate(() => {
    try {
      load();
    } catch {
      // Reported by the first invocation.
    }
    parentPort.postMessage({ ready: true });
  });

parentPort.on('message', async ({ id, event, requestId }) => {
  const started = RealDate.now();
  const context = {
    functionName: workerData.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: workerData.functionArn,
    memoryLimitInMB: '256',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${workerData.functionName}`,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, workerData.timeoutMs - (RealDate.now() - started)),
  };
  try {
    const fn = load();
    const wasCold = coldStart;
    coldStart = false;
    const result = await fn(event, context);
    parentPort.postMessage({
      id,
      result: result === undefined ? null : result,
      coldStart: wasCold,
    });
  } catch (error) {
    parentPort.postMessage({
      id,
      error: {
        name: error?.name ?? 'Error',
        message: String(error?.message ?? error),
        stack: String(error?.stack ?? ''),
      },
    });
  }
});
