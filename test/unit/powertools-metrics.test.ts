import { powertoolsMetrics } from '#shared/adapters/aws/powertools-metrics.js';
import { captureEmf } from '../support/metrics.js';

describe('Powertools metrics adapter (EMF on stdout)', () => {
  it('publishes one document per metric and dimension set, counts summed', async () => {
    // Arrange
    const m = powertoolsMetrics();
    m.count('WriteBacks', { Outcome: 'applied' });
    m.count('WriteBacks', { Outcome: 'applied' });
    m.count('WriteBacks', { Outcome: 'failed' });

    // Act
    const docs = await captureEmf(() => m.flush());

    // Assert
    expect(
      docs.map((d) => [d.Outcome, d.WriteBacks, d._aws.CloudWatchMetrics[0].Dimensions]),
    ).toEqual([
      ['applied', 2, [['service', 'Outcome']]],
      ['failed', 1, [['service', 'Outcome']]],
    ]);
  });

  it('keeps the dimensions on every document when one metric has over 100 values', async () => {
    // Arrange
    const m = powertoolsMetrics();
    for (let i = 0; i < 150; i++) m.ms('CloudCallLatency', { Function: 'sync-worker' }, i);

    // Act
    const docs = await captureEmf(() => m.flush());

    // Assert
    expect(docs.map((d) => d.Function)).toEqual(['sync-worker', 'sync-worker']);
    expect(docs.flatMap((d) => d.CloudCallLatency as number[])).toHaveLength(150);
    expect(docs[0]!._aws.CloudWatchMetrics[0].Metrics).toEqual([
      { Name: 'CloudCallLatency', Unit: 'Milliseconds' },
    ]);
  });
});
