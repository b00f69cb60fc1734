import { type CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { classifyAwsError } from '../shared/errors';
import type { MetricAnalysis } from '../shared/stage-config/schema';

/**
 * The optional analysis of a fleet during a bake, as progressive-delivery tools run analysis
 * templates: one CloudWatch metric (e.g. the inference error rate the component publishes),
 * one statistic per period since the bake began, compared with a threshold. Any breaching
 * period fails the analysis; no data points is not a failure (the metric may be sparse).
 * GetMetricData: one MetricStat query, Period a multiple of 60 (CloudWatch API reference).
 */
export const breaches = (values: number[], analysis: MetricAnalysis): number[] =>
  values.filter((v) =>
    analysis.comparison === 'LessThanThreshold' ? v < analysis.threshold : v > analysis.threshold,
  );

export const analyseMetric = async (
  cloudwatch: CloudWatchClient,
  analysis: MetricAnalysis,
  from: Date,
  to: Date,
): Promise<{ breached: boolean; description: string }> => {
  let values: number[];
  try {
    const result = await cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: from,
        EndTime: to,
        MetricDataQueries: [
          {
            Id: 'analysis',
            MetricStat: {
              Metric: {
                Namespace: analysis.namespace,
                MetricName: analysis.metricName,
                Dimensions: Object.entries(analysis.dimensions).map(([Name, Value]) => ({
                  Name,
                  Value,
                })),
              },
              Period: analysis.periodSeconds,
              Stat: analysis.statistic,
            },
          },
        ],
      }),
    );
    values = result.MetricDataResults?.[0]?.Values ?? [];
  } catch (error) {
    throw classifyAwsError(error, `GetMetricData ${analysis.namespace}/${analysis.metricName}`);
  }
  const bad = breaches(values, analysis);
  const op = analysis.comparison === 'LessThanThreshold' ? '<' : '>';
  return {
    breached: bad.length > 0,
    description: `${analysis.namespace}/${analysis.metricName} ${analysis.statistic} ${
      bad.length ? `${bad[0]} ${op} ${analysis.threshold}` : `within ${op} ${analysis.threshold}`
    } (${values.length} data points)`,
  };
};
