import type { Logger } from '@aws-lambda-powertools/logger';
import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import type { Clock } from '../shared/clock';
import type { TargetBuild, TargetPlan } from '../shared/plan';
import { PollSchema } from '../shared/poll-schema';
import {
  COMPILATION_POLL,
  continuePolling,
  PACKAGING_POLL,
  type PollState,
  startPolling,
} from '../shared/polling';
import { planOnly } from '../shared/task-input';
import { parseInput } from '../shared/validate';
import * as z from '../shared/zod-mini';
import { checkCompilation } from './check-compilation';
import { checkEdgePackaging } from './check-edge-packaging';
import { startCompilation } from './start-compilation';
import { PACKAGING_TIMEOUT_SECONDS, startEdgePackaging } from './start-edge-packaging';

/**
 * Builds every target of the plan in one loop: one poll checks every target's job, so the
 * state transitions of a release do not multiply with the number of targets (issue 16, P3).
 * Each call moves every target one step on: compile → (edge-manager: package) → built.
 */
const TargetStepSchema = z.object({
  target: z.string(),
  compilationJob: z.string(),
  /** The compiled model (a .tar.gz), once its job COMPLETED. */
  artifactUri: z.optional(z.string()),
  /** Legacy Edge Manager packaging: its job, then the component it made. */
  packagingJob: z.optional(z.string()),
  componentArn: z.optional(z.string()),
  built: z.boolean(),
});
type TargetStep = z.infer<typeof TargetStepSchema>;

const BuildTargetsInputSchema = z.extend(planOnly, {
  /** The previous call's output; absent on the first call. */
  build: z.optional(z.object({ targets: z.array(TargetStepSchema), poll: PollSchema })),
});
export type BuildTargetsInput = z.input<typeof BuildTargetsInputSchema>;

export type BuildTargetsOutput = {
  targets: TargetStep[];
  done: boolean;
  poll: PollState;
  /** Once done: one build per target, as Register Model Component reads `$.builds`. */
  builds?: TargetBuild[];
};

export type BuildTargetsDeps = { sagemaker: SageMakerClient; logger: Logger; now: Clock };

const builtOf = (target: TargetPlan, step: TargetStep): TargetBuild => ({
  target: target.name,
  compiledArtifactUri: step.artifactUri!,
  modelComponent: {
    ...target.modelComponent,
    ...(step.componentArn ? { arn: step.componentArn } : {}),
  },
});

export const buildTargets = async (
  rawInput: BuildTargetsInput,
  deps: BuildTargetsDeps,
): Promise<BuildTargetsOutput> => {
  const { plan, build } = parseInput(BuildTargetsInputSchema, rawInput);
  const at = deps.now();
  if (!build) {
    // Start every target's compilation (each idempotent by its job name).
    // Every job shares the plan's stopping condition, so each start proposes the same poll.
    const targets: TargetStep[] = [];
    let poll: PollState | undefined;
    for (const target of plan.targets) {
      const started = await startCompilation({ plan, target }, deps);
      targets.push({ target: target.name, compilationJob: started.jobName, built: false });
      poll ??= started.poll;
    }
    return { targets, done: false, poll: poll! };
  }

  let packagingStarted = false;
  const targets: TargetStep[] = [];
  for (const target of plan.targets) {
    const step = build.targets.find((t) => t.target === target.name);
    if (!step) throw new Error(`the build state has no step for target ${target.name}`);
    if (step.built) {
      targets.push(step);
      continue;
    }
    const next = { ...step };
    if (!next.artifactUri) {
      // Throws CompilationFailed (the whole build fails, as one failed target would).
      const compiled = await checkCompilation(
        { plan, target, compilation: { jobName: step.compilationJob, poll: build.poll } },
        deps,
      );
      if (compiled.done) next.artifactUri = compiled.artifactUri;
    }
    if (next.artifactUri && plan.packaging === 'edge-manager') {
      if (!next.packagingJob) {
        const started = await startEdgePackaging(
          { plan, target, compilation: { jobName: step.compilationJob } },
          deps,
        );
        next.packagingJob = started.jobName;
        packagingStarted = true;
      } else {
        const packaged = await checkEdgePackaging(
          { plan, target, packaging: { jobName: next.packagingJob, poll: build.poll } },
          deps,
        );
        if (packaged.done) next.componentArn = packaged.componentArn;
      }
      next.built = Boolean(next.componentArn);
    } else next.built = Boolean(next.artifactUri);
    targets.push(next);
  }

  if (targets.every((t) => t.built)) {
    deps.logger.info('every target built', { targets: targets.map((t) => t.target) });
    return {
      targets,
      done: true,
      poll: build.poll,
      builds: plan.targets.map((t) => builtOf(t, targets.find((s) => s.target === t.name)!)),
    };
  }
  // A packaging job just started: poll it from its first interval, within its own deadline.
  const poll = packagingStarted
    ? startPolling(
        at,
        Math.max(
          PACKAGING_TIMEOUT_SECONDS,
          (Date.parse(build.poll.deadline) - at.getTime()) / 1000,
        ),
        PACKAGING_POLL,
      )
    : continuePolling(build.poll, at, COMPILATION_POLL, `the builds of ${plan.modelPackageArn}`);
  deps.logger.info('builds in progress', {
    waiting: targets.filter((t) => !t.built).map((t) => t.target),
    nextPollSeconds: poll.waitSeconds,
  });
  return { targets, done: false, poll };
};
