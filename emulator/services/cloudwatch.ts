import { AwsError } from '../http';
import type { World } from '../world';

/**
 * Amazon CloudWatch metrics (AWS JSON 1.0, target prefix GraniteServiceVersion20100801):
 * PutMetricData, with the limits of the CloudWatch API reference (PutMetricData): at most
 * 1,000 metrics per request, at most 30 dimensions per metric, no NaN or infinite values,
 * and namespaces beginning with "AWS/" are reserved for AWS services.
 */
export type Datapoint = {
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  value: number;
  unit?: string;
  timestamp: number;
};

type MetricDatum = {
  MetricName?: string;
  Dimensions?: { Name?: string; Value?: string }[];
  Value?: number;
  Values?: number[];
  Unit?: string;
  Timestamp?: number | string;
};

export const cloudWatch = (world: World) => {
  const datapoints: Datapoint[] = [];
  const api = {
    PutMetricData: async (body: { Namespace?: string; MetricData?: MetricDatum[] }) => {
      const namespace = String(body.Namespace ?? '');
      if (namespace.startsWith('AWS/'))
        throw new AwsError(
          'InvalidParameterValue',
          `The value ${namespace} for parameter Namespace is invalid: namespaces beginning with "AWS/" are reserved for AWS services.`,
        );
      const data = body.MetricData ?? [];
      if (data.length > 1000)
        throw new AwsError(
          'InvalidParameterValue',
          'The collection MetricData must not have a size greater than 1000.',
        );
      for (const d of data) {
        if ((d.Dimensions?.length ?? 0) > 30)
          throw new AwsError(
            'InvalidParameterValue',
            'The collection Dimensions must not have a size greater than 30.',
          );
        for (const v of [d.Value, ...(d.Values ?? [])])
          if (v !== undefined && !Number.isFinite(v))
            throw new AwsError(
              'InvalidParameterValue',
              `The value ${v} for parameter MetricData.member.Value is invalid.`,
            );
      }
      for (const d of data) {
        const timestamp =
          d.Timestamp === undefined
            ? world.clock.now()
            : typeof d.Timestamp === 'number'
              ? d.Timestamp * 1000
              : Date.parse(d.Timestamp);
        for (const value of d.Value === undefined ? (d.Values ?? []) : [d.Value])
          datapoints.push({
            namespace,
            metricName: String(d.MetricName),
            dimensions: Object.fromEntries(
              (d.Dimensions ?? []).map((x) => [String(x.Name), String(x.Value)]),
            ),
            value,
            ...(d.Unit ? { unit: d.Unit } : {}),
            timestamp,
          });
      }
      return {};
    },
  };
  return { api, datapoints };
};
