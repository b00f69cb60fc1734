import { assertKnownModelGroup } from '../../../cli/sre/model-group';

// commander is an ES module jest cannot require; the check needs none of its parsing.
jest.mock('commander', () => ({ InvalidArgumentError: class extends Error {} }));

/**
 * `--model-group` of `approvals list`, `executions list|redrive|replay` and `fleets`: a group
 * the stage configuration does not have is an error naming the ones it has, not an empty list.
 */
describe('--model-group', () => {
  const local = { endpoint: 'http://127.0.0.1:4566' };

  it('accepts a group of the stage configuration (config/local.yml against an emulator)', () => {
    expect(() => assertKnownModelGroup({ ...local, modelGroup: 'defect-detector' })).not.toThrow();
  });

  it('refuses a misspelt group, naming the file and the groups it has', () => {
    expect(() => assertKnownModelGroup({ ...local, modelGroup: 'defect-detectr' })).toThrow(
      'config/local.yml has no model group defect-detectr (it has defect-detector)',
    );
  });

  it('refuses a --config that does not exist, with or without a group', () => {
    expect(() => assertKnownModelGroup({ ...local, config: 'config/nope.yml' })).toThrow(
      'config/nope.yml does not exist: give the stage configuration with --config',
    );
  });

  it('without a configuration file for the stage, leaves the answer to the list itself', () => {
    expect(() =>
      assertKnownModelGroup({ stage: 'no-such-stage', modelGroup: 'anything' }),
    ).not.toThrow();
  });
});
