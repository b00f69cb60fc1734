import {
  contentHash,
  deterministicName,
  EDGE_MODEL_VERSION,
  EXECUTION_NAME,
  executionArnOf,
  GREENGRASS_CLIENT_TOKEN,
  MODEL_PACKAGE_ARN,
  modelComponentName,
  modelComponentVersion,
  SAGEMAKER_ENTITY_NAME,
} from '../../../functions/shared/names';

const LONGEST_GROUP = `g${'a1-'.repeat(20)}xy`; // 63 characters, a valid group name
const LONGEST_VERSION = 999_999_999;

describe('deterministicName', () => {
  it('keeps a short valid name readable and hash-free', () => {
    // Act
    const name = deterministicName(
      ['edge', 'prod', 'detector', 'v7', 'rpi4'],
      SAGEMAKER_ENTITY_NAME,
    );
    // Assess
    expect(name).toBe('edge-prod-detector-v7-rpi4');
  });

  it('returns the same name for the same parts, every time', () => {
    // Act
    const a = deterministicName(
      ['edge', 'prod', LONGEST_GROUP, 'v1', 'jetson-xavier'],
      SAGEMAKER_ENTITY_NAME,
    );
    const b = deterministicName(
      ['edge', 'prod', LONGEST_GROUP, 'v1', 'jetson-xavier'],
      SAGEMAKER_ENTITY_NAME,
    );
    // Assess
    expect(a).toBe(b);
  });

  it.each([
    ['SageMaker job name', SAGEMAKER_ENTITY_NAME],
    ['execution name', EXECUTION_NAME],
    ['Greengrass client token', GREENGRASS_CLIENT_TOKEN],
  ])('fits a 63-character group and 9-digit version into a valid %s', (_what, rule) => {
    // Act
    const name = deterministicName(
      ['edge', 'production', LONGEST_GROUP, `v${LONGEST_VERSION}`, 'jetson-xavier'],
      rule,
    );
    // Assess
    expect(LONGEST_GROUP).toHaveLength(63);
    expect(name.length).toBeLessThanOrEqual(rule.maxLength);
    expect(name).toMatch(rule.pattern);
  });

  it('never truncates two long names into one: names that differ only at the end stay distinct', () => {
    // Act
    const a = deterministicName(
      ['edge', 'prod', LONGEST_GROUP, `v${LONGEST_VERSION}`, 'target-a'],
      SAGEMAKER_ENTITY_NAME,
    );
    const b = deterministicName(
      ['edge', 'prod', LONGEST_GROUP, `v${LONGEST_VERSION}`, 'target-b'],
      SAGEMAKER_ENTITY_NAME,
    );
    // Assess
    expect(a).not.toBe(b);
    expect(a.slice(0, 40)).toBe(b.slice(0, 40));
  });

  it('keeps names apart that only differ in characters the API refuses', () => {
    // Act
    const a = deterministicName(['model_a'], SAGEMAKER_ENTITY_NAME);
    const b = deterministicName(['model.a'], SAGEMAKER_ENTITY_NAME);
    // Assess
    expect(a).toMatch(SAGEMAKER_ENTITY_NAME.pattern);
    expect(b).toMatch(SAGEMAKER_ENTITY_NAME.pattern);
    expect(a).not.toBe(b);
  });

  it('makes Edge Manager model versions of at most 30 characters and no hyphen', () => {
    // Act
    const version = deterministicName(
      ['production-eu-west', `v${LONGEST_VERSION}`],
      EDGE_MODEL_VERSION,
    );
    // Assess
    expect(version.length).toBeLessThanOrEqual(30);
    expect(version).not.toContain('-');
    expect(version).toMatch(EDGE_MODEL_VERSION.pattern);
  });

  it('never starts or ends a SageMaker name with a hyphen', () => {
    // Act
    const name = deterministicName(['-edge-', '--x--'], SAGEMAKER_ENTITY_NAME);
    // Assess
    expect(name).toMatch(SAGEMAKER_ENTITY_NAME.pattern);
  });
});

describe('contentHash', () => {
  it('ignores object key order', () => {
    // Act & Assess
    expect(contentHash({ a: 1, b: { c: 2, d: [1, 2] } })).toBe(
      contentHash({ b: { d: [1, 2], c: 2 }, a: 1 }),
    );
  });

  it('sees a change in array order or value', () => {
    // Act & Assess
    expect(contentHash({ a: [1, 2] })).not.toBe(contentHash({ a: [2, 1] }));
    expect(contentHash({ a: 'x' })).not.toBe(contentHash({ a: 'y' }));
  });
});

describe('names derived in one place', () => {
  it('names the model component per target only with Edge Manager packaging', () => {
    // Prepare
    const model = { components: { model: { name: 'com.example.model' } } };
    // Act
    const native = modelComponentName({ ...model, packaging: 'native' }, 'jetson');
    const edge = modelComponentName({ ...model, packaging: 'edge-manager' }, 'jetson');
    // Assess
    expect(native).toBe('com.example.model');
    expect(edge).toBe('com.example.model.jetson');
  });

  it('versions the model component <major>.0.<model package version>', () => {
    expect(modelComponentVersion(2, 17)).toBe('2.0.17');
  });

  it("derives an execution's ARN from its state machine's", () => {
    // Act
    const arn = executionArnOf('arn:aws:states:eu-west-1:111122223333:stateMachine:edge', 'run-1');
    // Assess
    expect(arn).toBe('arn:aws:states:eu-west-1:111122223333:execution:edge:run-1');
  });

  it.each([
    ['arn:aws:sagemaker:us-east-1:111122223333:model-package/defect-detector/7', true],
    ['arn:aws-cn:sagemaker:cn-north-1:111122223333:model-package/a-b/999999999', true],
    ['arn:aws:sagemaker:us-east-1:111122223333:model-package/defect-detector', false],
    ['arn:aws:sagemaker:us-east-1:111122223333:model-package/bad_group/7', false],
    ['arn:aws:sagemaker:us-east-1:111122223333:model-package/defect-detector/1234567890', false],
  ])('%s is a versioned model package ARN: %s', (arn, valid) => {
    expect(MODEL_PACKAGE_ARN.test(arn)).toBe(valid);
  });
});
