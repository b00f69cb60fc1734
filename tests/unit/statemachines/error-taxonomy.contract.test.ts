import validator from 'asl-validator';
import { readService } from '../../../emulator/serverless-service';
import {
  caughtErrorNames,
  ERROR_TAXONOMY,
  type ErrorEntry,
  LAMBDA_SERVICE_ERRORS,
  type Taxonomy,
} from '../../../functions/shared/error-taxonomy';
import * as errors from '../../../functions/shared/errors';
import {
  type AslDefinition,
  injectErrorHandling,
  loadTemplate,
  type MachineKey,
  referencedFunctions,
  STATE_MACHINES,
} from '../../../statemachines/definition';
import { allStates, loadTestDefinition } from '../../helpers/definition';
import handWritten from './fixtures/error-handling-before-taxonomy.json';

const MACHINES = Object.keys(STATE_MACHINES) as MachineKey[];
type Catcher = { ErrorEquals: string[]; ResultPath?: string; Next: string };
type Retrier = { ErrorEquals: string[] };

/** Retry and Catch of every state that has them, across both machines, by state name. */
const errorHandlingOf = (definitions: AslDefinition[]) =>
  Object.fromEntries(
    definitions
      .flatMap(allStates)
      .filter(([, s]) => s.Retry || s.Catch || s.Type === 'Task')
      .map(([name, s]) => [
        name,
        { ...(s.Retry ? { Retry: s.Retry } : {}), ...(s.Catch ? { Catch: s.Catch } : {}) },
      ]),
  );

const generated = (taxonomy?: Taxonomy) =>
  MACHINES.map((m) => injectErrorHandling(loadTemplate(m), taxonomy));

describe('the state machines and the error taxonomy', () => {
  it('generates, for every Task and Map, exactly the Retry and Catch that were hand-written before the taxonomy', () => {
    // Act
    const now = errorHandlingOf(generated());
    // Assess: same states, same retriers (errors, intervals, attempts, backoff, jitter), same catchers.
    expect(Object.keys(now).sort()).toEqual(Object.keys(handWritten.states).sort());
    for (const [name, before] of Object.entries(handWritten.states))
      expect({ [name]: now[name] }).toEqual({ [name]: before });
  });

  it('puts a new permanent error of the taxonomy into every Catch that records failures', () => {
    // Prepare
    const newError: ErrorEntry = {
      kind: 'permanent',
      raisedBy: 'task',
      stage: 'build',
      meaning: 'a test error',
      advice: 'none',
    };
    const before = generated();
    // Act
    const after = generated({ ...ERROR_TAXONOMY, CalibrationFailed: newError });
    // Assess
    expect(after).not.toEqual(before);
    const recorders = after
      .flatMap(allStates)
      .flatMap(([, s]) => (s.Catch as Catcher[] | undefined) ?? [])
      .filter((c) => c.ErrorEquals.includes('InvalidInput'));
    expect(recorders.length).toBeGreaterThan(10);
    for (const c of recorders) expect(c.ErrorEquals).toContain('CalibrationFailed');
  });

  it('retries a transient error with the policy the taxonomy gives it', () => {
    // Prepare
    const slower = {
      ...ERROR_TAXONOMY,
      FleetBusy: {
        ...ERROR_TAXONOMY.FleetBusy,
        retry: { ...ERROR_TAXONOMY.FleetBusy.retry, MaxAttempts: 40 },
      },
    };
    // Act
    const [deployment] = generated(slower);
    const lease = allStates(deployment!).find(([n]) => n === 'Start Wave')![1];
    // Assess
    expect(lease.Retry).toContainEqual(
      expect.objectContaining({ ErrorEquals: ['FleetBusy'], MaxAttempts: 40 }),
    );
  });

  it.each([
    ['a hand-written Retry', { Type: 'Task', Resource: 'x', Retry: [], End: true }, /Errors/],
    ['a Task without Errors', { Type: 'Task', Resource: 'x', End: true }, /every Task/],
    [
      'a Retry of a permanent error',
      { Type: 'Task', Resource: 'x', Errors: { Retry: ['ConfigError'] }, End: true },
      /not a transient error/,
    ],
    [
      'an unknown annotation',
      { Type: 'Task', Resource: 'x', Errors: { Retries: 3 }, End: true },
      /unknown Errors field/,
    ],
  ])('refuses a template with %s', (_what, state, message) => {
    // Act
    const inject = () => injectErrorHandling({ StartAt: 'A', States: { A: state } } as never);
    // Assess
    expect(inject).toThrow(message);
  });

  it.each(MACHINES)(
    '%s: every error name the ASL sets or matches is in the taxonomy',
    (machine) => {
      // Prepare
      const states = allStates(loadTestDefinition(machine));
      // Act
      const named = states.flatMap(([, s]) => [
        ...((s.Retry as Retrier[] | undefined) ?? []).flatMap((r) => r.ErrorEquals),
        ...((s.Catch as Catcher[] | undefined) ?? []).flatMap((c) => c.ErrorEquals),
        ...(typeof s.Error === 'string' ? [s.Error] : []),
        ...(typeof (s.Parameters as { Error?: unknown } | undefined)?.Error === 'string'
          ? [(s.Parameters as { Error: string }).Error]
          : []),
      ]);
      const unknown = named.filter(
        (n) =>
          !n.startsWith('States.') &&
          !(LAMBDA_SERVICE_ERRORS as readonly string[]).includes(n) &&
          !Object.hasOwn(ERROR_TAXONOMY, n),
      );
      // Assess
      expect(named.length).toBeGreaterThan(0);
      expect(unknown).toEqual([]);
    },
  );

  it.each(MACHINES)(
    '%s: is valid ASL, ARNs and paths included, and refers only to declared functions',
    (machine) => {
      // Prepare
      const declared = Object.keys(readService().functions);
      // Act
      const result = validator(loadTestDefinition(machine), { checkArn: true, checkPaths: true });
      // Assess
      expect(result.errors).toEqual([]);
      expect(referencedFunctions(machine).filter((key) => !declared.includes(key))).toEqual([]);
    },
  );

  it('declares every state machine serverless.yml deploys, from the generated definitions', () => {
    // Prepare
    const declared = (
      readService().raw.stepFunctions as { stateMachines: Record<string, { definition: string }> }
    ).stateMachines;
    // Assess
    expect(Object.keys(declared).sort()).toEqual([...MACHINES].sort());
    for (const [key, machine] of Object.entries(declared))
      expect(machine.definition).toBe(
        `\${file(./statemachines/serverless-definitions.cjs):${key}}`,
      );
  });

  it('rolls back a rejected release in a machine of its own, recording a failure like a release', () => {
    // Act
    const rollback = loadTestDefinition('rollBackRejected');
    // Assess
    expect(rollback.StartAt).toBe('Roll Back Rejected Release');
    expect(Object.keys(rollback.States)).toEqual([
      'Roll Back Rejected Release',
      'Rollback Complete',
      'Record Failure',
      'Failure Kind?',
      'Superseded',
      'Pipeline Failed',
    ]);
    expect(Object.keys(loadTestDefinition('edgeDeployment').States)).not.toContain(
      'Roll Back Rejected Release',
    );
  });

  it('names every error class after a taxonomy entry, retryable exactly when transient', () => {
    // Prepare
    const classes = Object.values(errors).filter(
      (value) => typeof value === 'function' && value.prototype instanceof errors.PipelineError,
    ) as unknown as (new (
      message: string,
    ) => errors.PipelineError)[];
    // Act
    const made = classes.map((C) => new C('m'));
    // Assess
    expect(made.length).toBeGreaterThan(15);
    for (const e of made) {
      const entry = (ERROR_TAXONOMY as Taxonomy)[e.name];
      expect(entry).toBeDefined();
      expect(e.retryable).toBe(entry!.kind === 'transient');
    }
  });

  it('catches exactly the permanent errors tasks raise, never one it retries', () => {
    // Act
    const caught = caughtErrorNames();
    // Assess
    for (const name of caught) {
      const entry = (ERROR_TAXONOMY as Taxonomy)[name]!;
      expect(entry.raisedBy).toBe('task');
      expect(entry.kind).not.toBe('transient');
    }
    for (const [name, entry] of Object.entries(ERROR_TAXONOMY as Taxonomy))
      if (entry.kind === 'transient')
        expect({ name, retry: entry.retry }).toHaveProperty('retry.MaxAttempts');
  });
});
