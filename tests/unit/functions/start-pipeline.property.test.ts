import { Metrics } from '@aws-lambda-powertools/metrics';
import type { SageMakerClient } from '@aws-sdk/client-sagemaker';
import fc from 'fast-check';
import { checkStillCurrent } from '../../../functions/check-still-current/check-still-current';
import { acquireFleetLease, releaseFleetLease } from '../../../functions/shared/state-store';
import { executionName, parseEvent } from '../../../functions/start-pipeline/decide';
import { startPipeline } from '../../../functions/start-pipeline/start-pipeline';
import { type LocalTable, startLocalTable } from '../../helpers/dynalite';
import { fakeSfn } from '../../helpers/fake-sfn';
import { localStageConfig, sampleEvent, samplePlan, silentLogger } from '../../helpers/fixtures';

/**
 * Random interleavings of duplicated and reordered registry events for several versions of
 * one model group, run through the real start-pipeline core and state table:
 *  - at most one execution per transition into Approved (however often, and with or without
 *    LastModifiedTime, it is delivered; Approved → Approved starts nothing);
 *  - forged copies with impossible times are refused and change none of this;
 *  - a version whose last status is Rejected never passes the checkpoint before production;
 *  - once a newer version was approved, older ones are superseded: one version at most passes;
 *  - never two rollouts of one fleet at a time (the lease).
 */
const MACHINE = 'arn:aws:states:us-east-1:000000000000:stateMachine:m';
const ROLLBACK_MACHINE = 'arn:aws:states:us-east-1:000000000000:stateMachine:rollback';
const BASE = Date.parse('2026-11-20T00:00:00Z');

type Change = { version: number; status: 'Approved' | 'Rejected'; at: number };

let db: LocalTable;
let run = 0;
beforeAll(async () => {
  db = await startLocalTable();
});
afterAll(() => db.close());

const history = fc
  .array(
    fc.record({
      version: fc.integer({ min: 1, max: 3 }),
      status: fc.constantFrom<'Approved' | 'Rejected'>('Approved', 'Rejected'),
      minute: fc.integer({ min: 0, max: 500 }),
    }),
    { minLength: 1, maxLength: 8 },
  )
  // One status change per (version, moment): the registry cannot say two things at once.
  .map((changes) =>
    [...new Map(changes.map((c) => [`${c.version}@${c.minute}`, c])).values()].map(
      (c): Change => ({ version: c.version, status: c.status, at: BASE + c.minute * 60_000 }),
    ),
  );

const scenario = history.chain((changes) =>
  fc.record({
    changes: fc.constant(changes),
    // Each change delivered 1–3 times (same id: EventBridge; new id: SageMaker duplicates),
    // with or without LastModifiedTime, in any order.
    deliveries: fc
      .tuple(
        ...changes.map((_, i) =>
          fc.array(
            fc.record({
              change: fc.constant(i),
              sameId: fc.boolean(),
              withTime: fc.boolean(),
              // Now and then a forged copy with an impossible time (refused, changes nothing).
              forged: fc.oneof(
                { arbitrary: fc.constant(null), weight: 5 },
                {
                  arbitrary: fc.constantFrom<string | number>(
                    '2999-01-01T00:00:00Z',
                    1e300,
                    1_795_132_800,
                  ),
                  weight: 1,
                },
              ),
            }),
            {
              minLength: 1,
              maxLength: 3,
            },
          ),
        ),
      )
      .map((d) => d.flat())
      .chain((d) => fc.shuffledSubarray(d, { minLength: d.length, maxLength: d.length })),
  }),
);

describe('start-pipeline invariants (property)', () => {
  it('holds for any interleaving of duplicated and reordered events', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ changes, deliveries }) => {
        // Prepare
        const group = `prop-${++run}`;
        const stageConfig = localStageConfig();
        stageConfig.modelGroups[group] = stageConfig.modelGroups['defect-detector']!;
        const sfn = fakeSfn();
        const store = { dynamo: db.doc, table: db.table };
        const deps = {
          sfn: sfn.client,
          store,
          logger: silentLogger(),
          metrics: new Metrics({ namespace: 't', serviceName: 't' }),
          config: {
            stage: 'local',
            stageConfig,
            stateMachineArn: MACHINE,
            rollbackStateMachineArn: ROLLBACK_MACHINE,
          },
        };
        const arnOf = (v: number) =>
          `arn:aws:sagemaker:us-east-1:000000000000:model-package/${group}/${v}`;
        const eventOf = (i: number, sameId: boolean, n: number, withTime = true) => {
          const c = changes[i]!;
          const e = sampleEvent('model-package-approved.json') as any;
          e.id = sameId ? `change-${i}` : `change-${i}-copy-${n}`;
          e.time = new Date(c.at).toISOString();
          Object.assign(e.detail, {
            ModelPackageGroupName: group,
            ModelPackageVersion: c.version,
            ModelPackageArn: arnOf(c.version),
            ModelApprovalStatus: c.status,
            LastModifiedTime: new Date(c.at).toISOString(),
          });
          if (!withTime) delete e.detail.LastModifiedTime;
          return e;
        };
        // Act
        for (const [n, d] of deliveries.entries()) {
          if (d.forged === null) {
            await startPipeline(eventOf(d.change, d.sameId, n, d.withTime), deps);
            continue;
          }
          const forged = eventOf(d.change, false, n);
          forged.detail.LastModifiedTime = d.forged;
          await expect(startPipeline(forged, deps)).rejects.toMatchObject({ name: 'InvalidEvent' });
        }

        // Assess 1: at most one execution per transition into Approved, however the
        // transition was delivered (an Approved after an Approved is the registry's
        // event for a metadata update, not a new approval).
        const transitions = (v: number) =>
          changes
            .filter((c) => c.version === v)
            .sort((a, b) => a.at - b.at)
            .filter((c, k, all) => c.status === 'Approved' && all[k - 1]?.status !== 'Approved')
            .length;
        for (const v of [1, 2, 3]) {
          const started = [...sfn.executions.values()].filter(
            (e) => JSON.parse(e.input).modelPackageVersion === v,
          );
          expect(started.length).toBeLessThanOrEqual(transitions(v));
        }
        const names = new Set(
          changes.flatMap((c, i) =>
            c.status === 'Approved'
              ? [
                  executionName(parseEvent(eventOf(i, true, 0))),
                  ...deliveries.map((d, n) =>
                    executionName(parseEvent(eventOf(i, d.sameId, n, false))),
                  ),
                ]
              : [],
          ),
        );
        for (const e of sfn.executions.values()) expect(names.has(e.name)).toBe(true);

        // Assess 2 and 3: the checkpoint before production, against the registry's final truth.
        const truth = (v: number) =>
          changes
            .filter((c) => c.version === v)
            .sort((a, b) => a.at - b.at)
            .at(-1)!.status;
        const sagemaker = {
          send: async (cmd: { input: { ModelPackageName: string } }) => ({
            ModelApprovalStatus: truth(Number(cmd.input.ModelPackageName.split('/').pop())),
          }),
        } as unknown as SageMakerClient;
        const reachedProduction: number[] = [];
        for (const e of sfn.executions.values()) {
          if (e.status !== 'RUNNING') continue;
          const version = JSON.parse(e.input).modelPackageVersion as number;
          const plan = {
            ...(await samplePlan()),
            modelPackageGroupName: group,
            modelPackageVersion: version,
            modelPackageArn: arnOf(version),
            executionArn: `${MACHINE}:${e.name}`,
          };
          const passed = await checkStillCurrent(
            { plan },
            { sagemaker, store, logger: silentLogger() },
          ).then(
            () => true,
            () => false,
          );
          if (passed) reachedProduction.push(version);
        }
        for (const v of reachedProduction) expect(truth(v)).toBe('Approved');
        // Older versions are superseded: one version at most goes on to production.
        expect(new Set(reachedProduction).size).toBeLessThanOrEqual(1);

        // Assess 4: the executions that passed race for the fleet; one holds it at a time.
        const holders = reachedProduction.map((v, k) => `${MACHINE}:exec-${v}-${k}`);
        const granted: string[] = [];
        for (const h of holders) {
          await acquireFleetLease(store, group, 'factory-jetson', h, BASE, BASE + 3_600_000).then(
            () => granted.push(h),
            () => undefined,
          );
        }
        expect(granted.length).toBeLessThanOrEqual(1);
        if (granted[0]) await releaseFleetLease(store, group, 'factory-jetson', granted[0]);
      }),
      { numRuns: 40, seed: 20261125 },
    );
  }, 120_000);
});
