import type { Run } from '#shared/domain/schemas/sync.js';
import { addPage, notStoredMessage } from '#shared/use-cases/sync/phases/run-session.js';
import type { UpsertResult } from '#shared/use-cases/sync/upsert.js';

const result = (over: Partial<UpsertResult> = {}): UpsertResult => ({
  stored: 3,
  skipped: 1,
  malformed: 1,
  failed: 1,
  problemSample: [],
  outcomes: [],
  folder: { linked: 1, unmatched: 0, noPermission: 0, bound: 0, sample: [] },
  ...over,
});
const run = { fetched: 10, successCount: 7, skipped: 0, failed: 2, pages: 1 } as Run;

describe('counting a stored page', () => {
  it('adds the page to the run’s counters (malformed and failed count as failed)', () => {
    expect(addPage(run, result(), 6, false)).toEqual({
      fetched: 16,
      successCount: 10,
      skipped: 1,
      failed: 4,
      pages: 2,
    });
  });

  it('adds folder statistics only while personal folders are on', () => {
    expect(addPage(run, result(), 6, true).folder).toMatchObject({ linked: 1 });
  });

  it('lists records not stored after those of earlier pages, 20 at most', () => {
    const first = notStoredMessage('synced', result({ problemSample: ['A (x)'] }));
    const many = Array.from({ length: 25 }, (_, i) => `S${i} (x)`);

    expect(notStoredMessage(first, result({ problemSample: ['B (y)'] }))).toBe(
      'records not stored: A (x); B (y)',
    );
    expect(notStoredMessage(first, result({ problemSample: many })).split('; ')).toHaveLength(20);
  });
});
