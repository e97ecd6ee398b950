import type { Run } from '#shared/domain/schemas/sync.js';
import { ignoredFieldsNote, successMessage } from '#shared/use-cases/sync/phases/finish.js';

const run = (over: Partial<Run> = {}) =>
  ({ successCount: 8, fetched: 10, skipped: 0, failed: 0, message: '', ...over }) as Run;

describe('the message a succeeded run ends with', () => {
  it('counts what was synced', () => {
    expect(successMessage(run(), '')).toBe('synced 8 invoices (fetched 10)');
  });

  it('names skipped and not-stored records, the earlier message and the note', () => {
    const r = run({ skipped: 1, failed: 1, message: 'records not stored: S9 (too large)' });

    expect(successMessage(r, 'a note')).toBe(
      'synced 8 invoices (fetched 10, 1 skipped, 1 not stored (malformed or too large)); ' +
        'records not stored: S9 (too large); a note',
    );
  });

  it('reports personal folders when the run linked them', () => {
    const folder = { linked: 2, bound: 1, unmatched: 3, noPermission: 0, sample: ['138****0000'] };

    expect(successMessage(run({ folder }), '')).toContain(
      '; personal folders: 2 new links, 1 attachments bound, 3 phones without a user, ' +
        '0 without org permission (e.g. 138****0000)',
    );
  });

  it('notes nonSyncFields names that have no effect', () => {
    expect(ignoredFieldsNote(['outputReason', 'serialNo'])).toBe(
      'nonSyncFields ignored (not syncable): serialNo',
    );
    expect(ignoredFieldsNote(['outputReason'])).toBe('');
  });
});
