import validator from 'asl-validator';
import { readService } from '../../../emulator/serverless-service';
import {
  caughtErrorNames,
  ERROR_TAXONOMY,
  transientErrorNames,
} from '../../../functions/shared/error-taxonomy';
import { allStates, loadTestDefinition, referencedFunctions } from '../../helpers/definition';

const PERMANENT_ERROR_NAMES = caughtErrorNames();
const TRANSIENT_ERROR_NAMES = transientErrorNames();

const LAMBDA_RETRIABLE = [
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
];

type Retrier = {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  JitterStrategy?: string;
};
type Catcher = { ErrorEquals: string[]; ResultPath?: string; Next: string };

const definition = loadTestDefinition();
const states = allStates(definition);
const tasks = states.filter(([, s]) => s.Type === 'Task');

describe('statemachines/edge-deployment.asl.json', () => {
  it('is valid ASL, ARNs and paths included', () => {
    // Act
    const result = validator(definition, { checkArn: true, checkPaths: true });
    // Assess
    expect(result.errors).toEqual([]);
    expect(result.isValid).toBe(true);
  });

  it('refers only to functions declared in serverless.yml', () => {
    // Prepare
    const declared = Object.keys(readService().functions);
    // Act
    const missing = referencedFunctions('edgeDeployment').filter((key) => !declared.includes(key));
    // Assess
    expect(missing).toEqual([]);
  });

  it.each(tasks)(
    'task "%s" retries Lambda service errors and transient errors with jitter',
    (_name, state) => {
      // Act
      const retriers = (state.Retry as Retrier[] | undefined) ?? [];
      const covered = retriers.flatMap((r) => r.ErrorEquals);
      // Assess
      for (const error of [...LAMBDA_RETRIABLE, 'TransientError']) expect(covered).toContain(error);
      const transient = retriers.find((r) => r.ErrorEquals.includes('TransientError'));
      expect(transient?.JitterStrategy).toBe('FULL');
      expect(covered).not.toContain('States.ALL');
    },
  );

  const topLevelTasks = Object.entries(definition.States).filter(([, s]) => s.Type === 'Task');
  const recorders = ['Record Failure', 'Record Result'];
  // Failures on the twin first free its lease (and become Superseded when a newer version
  // took the twin over); that task catches into Record Failure itself.
  const failureHandlers = ['Record Failure', 'Release Twin After Failure'];

  it.each(topLevelTasks.filter(([name]) => !recorders.includes(name)))(
    'task "%s" catches every permanent error into Record Failure, next to its input',
    (_name, state) => {
      // Act
      const catchers = (state.Catch as Catcher[] | undefined) ?? [];
      const permanent = catchers.find((c) => failureHandlers.includes(c.Next));
      // Assess
      expect(permanent?.ErrorEquals.slice().sort()).toEqual([...PERMANENT_ERROR_NAMES].sort());
      for (const c of catchers) expect(c.ResultPath).toBe('$.error');
    },
  );

  it.each(tasks)(
    'task "%s" never catches what it retries, so a failed execution stays redrivable',
    (_name, state) => {
      // Act
      const caught = ((state.Catch as Catcher[] | undefined) ?? []).flatMap((c) => c.ErrorEquals);
      // Assess
      for (const name of [
        'States.ALL',
        'States.TaskFailed',
        ...TRANSIENT_ERROR_NAMES,
        ...LAMBDA_RETRIABLE,
      ]) {
        expect(caught).not.toContain(name);
      }
    },
  );

  it('frees the twin on every way out of the twin stage', () => {
    // Prepare
    const twinStage = ['Deploy To Twin', 'Check Twin Deployment', 'Run Twin Tests'];
    const release = definition.States['Release Twin After Failure'];
    // Assess
    for (const name of twinStage) {
      const catchers = definition.States[name]?.Catch as Catcher[];
      expect(catchers.map((c) => c.Next)).toEqual(['Release Twin After Failure']);
    }
    // The tests' own end frees the twin (Run Twin Tests judges and releases the lease).
    expect(definition.States['Run Twin Tests']?.Next).toBe('Twin Tests Passed?');
    expect((release!.Catch as Catcher[]).map((c) => c.Next)).toEqual(['Record Failure']);
  });

  it('leases shared resources inside the tasks that use them: they retry the busy error, no state of their own', () => {
    // Prepare
    const S = Object.fromEntries(states);
    const retried = (name: string) =>
      ((S[name]?.Retry as Retrier[] | undefined) ?? []).flatMap((r) => r.ErrorEquals);
    // Assess: Deploy To Twin takes the twin's lease, Start Wave a fleet's before its first wave.
    expect(retried('Deploy To Twin')).toContain('TwinBusy');
    expect(retried('Start Wave')).toContain('FleetBusy');
    expect(definition.States['Register Inference Component']?.Next).toBe('Deploy To Twin');
    expect(
      (definition.States['Roll Out Fleets']!.ItemProcessor as { StartAt: string }).StartAt,
    ).toBe('Start Wave');
    expect(states.map(([name]) => name).filter((name) => /Lease/.test(name))).toEqual([]);
  });

  it('lets failures inside Map iterations propagate to the Map, whose Catch records them', () => {
    // Prepare
    const maps = Object.entries(definition.States).filter(([, s]) => s.Type === 'Map');
    // Assess: the one Catch inside is Watch Wave's timeout, the normal end of a wave's wait.
    expect(maps.map(([name]) => name)).toEqual(['Roll Out Fleets']);
    for (const [, map] of maps) {
      const inner = allStates(map.ItemProcessor as never).filter(([, s]) => s.Catch);
      expect(inner.map(([name, s]) => [name, s.Catch])).toEqual([
        [
          'Watch Wave',
          [{ ErrorEquals: ['States.Timeout'], ResultPath: '$.error', Next: 'Check Wave' }],
        ],
      ]);
    }
    expect((definition.States['Roll Out Fleets']!.Catch as Catcher[])[0]?.Next).toBe(
      'Roll Back Fleets',
    );
  });

  it('builds every target in one loop: one poll checks all targets, so polls do not multiply with targets', () => {
    // Prepare
    const S = definition.States as Record<string, Record<string, unknown>>;
    // Assess: Build Targets → Targets Built? → Wait For Builds → Build Targets, failures recorded.
    expect(S['Build Targets']!.Type).toBe('Task');
    expect(S['Build Targets']!.ResultPath).toBe('$.build');
    expect((S['Build Targets']!.Catch as Catcher[])[0]?.Next).toBe('Record Failure');
    expect(S['Targets Built?']!.Default).toBe('Wait For Builds');
    expect(S['Wait For Builds']!.Next).toBe('Build Targets');
    expect(S['Register Model Component']!.Parameters).toEqual({
      'plan.$': '$.plan',
      'builds.$': '$.build.builds',
    });
  });

  it('ends every failure inside the fleet rollout (retries run out included) through a verified rollback and Record Failure', () => {
    // Prepare
    const S = definition.States as Record<string, Record<string, unknown>>;
    const rollout = S['Roll Out Fleets']!;
    // Assess: the Map catches everything, so nothing inside can leave a fleet half-deployed.
    expect(rollout.Catch).toEqual([
      { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'Roll Back Fleets' },
    ]);
    expect(S['Roll Back Fleets']!.Next).toBe('Wait For Rollback');
    expect(S['Wait For Rollback']!.Next).toBe('Check Rollback');
    expect(S['Check Rollback']!.Next).toBe('Rollback Settled?');
    expect(S['Rollback Settled?']!.Default).toBe('Wait For Rollback');
    expect((S['Rollback Settled?']!.Choices as { Next: string }[])[0]!.Next).toBe('Rollout Failed');
    // The original error name survives, with the rollback's verified outcome as its cause.
    expect(S['Rollout Failed']!).toMatchObject({
      Parameters: { 'Error.$': '$.error.Error', 'Cause.$': '$.rollback.cause' },
      ResultPath: '$.error',
      Next: 'Record Failure',
    });
  });

  it('matches only error names that the error taxonomy declares', () => {
    // Prepare
    const named = states.flatMap(([, s]) => [
      ...((s.Retry as Retrier[] | undefined) ?? []).flatMap((r) => r.ErrorEquals),
      ...((s.Catch as Catcher[] | undefined) ?? []).flatMap((c) => c.ErrorEquals),
    ]);
    // Act
    const unknown = named.filter(
      (n) =>
        !n.startsWith('States.') && !n.startsWith('Lambda.') && !Object.hasOwn(ERROR_TAXONOMY, n),
    );
    // Assess
    expect(unknown).toEqual([]);
  });

  it('gives every Wait state a poll interval computed by a task, never a fixed sleep', () => {
    // Prepare
    const waits = states.filter(([, s]) => s.Type === 'Wait');
    // Assess
    expect(waits.length).toBeGreaterThan(0);
    for (const [, wait] of waits) expect(wait.SecondsPath).toMatch(/\.poll\.waitSeconds$/);
  });

  it('puts every callback task under a timeout and catches States.Timeout explicitly', () => {
    // Prepare
    const callbacks = tasks.filter(([, s]) => String(s.Resource).endsWith('.waitForTaskToken'));
    // Assess
    for (const [, state] of callbacks) {
      expect(state.TimeoutSeconds ?? state.TimeoutSecondsPath).toBeDefined();
      const catchers = state.Catch as Catcher[];
      expect(catchers.some((c) => c.ErrorEquals.includes('States.Timeout'))).toBe(true);
    }
  });
});
