import { type DriftSummary, formatDrift } from '../../../cli/drift-loop';

describe('simulate --drift summary', () => {
  it('shows capture volume, the score per fleet and window, and the retraining with its release', () => {
    // Prepare
    const d: DriftSummary = {
      modelGroup: 'defect-detector',
      drift: 0.5,
      captureRecords: 900,
      windows: [
        {
          window: '2026-11-25T11:00:00.000Z',
          captureObjects: 15,
          captureRecords: 300,
          fleets: [
            {
              fleet: 'factory-jetson',
              records: 200,
              score: 0.239,
              status: 'scored',
              consecutive: 1,
            },
            { fleet: 'field-rpi', records: 40, status: 'insufficient', consecutive: 0 },
          ],
          retraining: 'not-needed',
        },
      ],
      retrainingStarted: 1,
      retraining: {
        pipelineExecutionArn: 'arn:aws:sagemaker:us-east-1:000000000000:pipeline/p/execution/e1',
        registeredVersion: 8,
        release: { executionArn: 'arn:x', status: 'SUCCEEDED' },
      },
    };
    // Act
    const lines = formatDrift(d);
    // Assess
    expect(lines).toEqual([
      'Drift (defect-detector, shift 0.5): 900 records captured in 1 window(s)',
      '    2026-11-25T11:00:00.000Z  factory-jetson=0.239  field-rpi=insufficient  retraining: not-needed',
      'Retraining started: 1 (arn:aws:sagemaker:us-east-1:000000000000:pipeline/p/execution/e1 → v8, released: SUCCEEDED)',
    ]);
  });
});
