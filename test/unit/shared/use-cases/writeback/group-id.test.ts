/** The write-back FIFO group id is a valid SQS MessageGroupId whatever the bill id. */
import { writebackGroupId } from '#shared/use-cases/writeback/enqueue.js';

/** SQS: at most 128 characters of [A-Za-z0-9!-~]. */
const VALID = /^[\x21-\x7e]{1,128}$/;

describe('writeback group id (SQS MessageGroupId)', () => {
  it('a plain bill id keeps the readable form', () => {
    expect(writebackGroupId('hz', 'BX-2024-001')).toBe('hz#BX-2024-001');
  });

  it('a Chinese or long bill id gives a valid, stable id, distinct per bill', () => {
    // Arrange
    const ids = ['报销单-2024-001', '报销单-2024-002', 'B'.repeat(200), 'B'.repeat(201)];
    // Act
    const groups = ids.map((b) => writebackGroupId('hz', b));
    // Assert
    for (const g of groups) expect(g).toMatch(VALID);
    expect(new Set(groups).size).toBe(ids.length);
    expect(writebackGroupId('hz', ids[0]!)).toBe(groups[0]);
    expect(writebackGroupId('sh', ids[0]!)).not.toBe(groups[0]);
  });

  it('a long org id still fits', () => {
    expect(writebackGroupId('o'.repeat(128), '报销单')).toMatch(VALID);
  });
});
