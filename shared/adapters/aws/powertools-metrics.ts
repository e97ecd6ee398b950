/**
 * The `Metrics` port on Powertools Metrics: embedded metric format on stdout, which CloudWatch
 * turns into metrics (no API call, no IAM). Recorded values are held until `flush`, then published
 * as one EMF document per metric and dimension set, carrying exactly its own dimensions plus
 * `service`, as the alarms expect. Counts of the same metric and dimensions are summed.
 */
import { Metrics as Powertools } from '@aws-lambda-powertools/metrics';
import { METRICS, METRICS_NAMESPACE, SERVICE, type MetricName } from '../../metrics.js';
import type { Metrics } from '../../ports.js';

type Dims = Record<string, string>;
interface Pending {
  name: MetricName;
  dims: Dims;
  values: number[];
}
/** Powertools publishes by itself (and drops the dimensions) at 100 values of one metric. */
const MAX_VALUES = 99;

/** Metrics published through Powertools under the product's namespace and service. */
export const powertoolsMetrics = (
  pt: Powertools = new Powertools({ namespace: METRICS_NAMESPACE, serviceName: SERVICE }),
): Metrics => {
  const pending = new Map<string, Pending>();
  const record = (name: MetricName, dims: Dims, value: number, sum: boolean) => {
    const key = JSON.stringify([name, Object.entries(dims).sort(([a], [b]) => a.localeCompare(b))]);
    const p = pending.get(key) ?? { name, dims, values: [] };
    pending.set(key, p);
    if (sum && p.values.length) p.values[0]! += value;
    else p.values.push(value);
  };
  return {
    count: (name, dims, value = 1) => record(name, dims as Dims, value, true),
    ms: (name, dims, millis) => record(name, dims as Dims, Math.round(millis), false),
    flush: () => {
      for (const { name, dims, values } of pending.values())
        for (let i = 0; i < values.length; i += MAX_VALUES) {
          for (const [k, v] of Object.entries(dims)) pt.addDimension(k, v);
          for (const v of values.slice(i, i + MAX_VALUES))
            pt.addMetric(name, METRICS[name].unit, v);
          pt.publishStoredMetrics();
        }
      pending.clear();
    },
  };
};
