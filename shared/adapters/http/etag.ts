/**
 * Optimistic concurrency over HTTP (RFC 9110 §13.1.1): an item's version is its `ETag`; a write
 * carrying `If-Match` goes ahead only when the item is still at that version, else 412 and nothing
 * is written. Without `If-Match` a write applies to whatever it read (last writer wins).
 */
import { DomainError } from '../../domain/errors.js';

/** The item changed since the caller read it (`If-Match` did not match): 412. */
export class PreconditionFailed extends DomainError {
  constructor(message: string) {
    super(412, 'PRECONDITION_FAILED', message, [{ path: 'If-Match', message }]);
  }
}

/** The strong ETag of a version. */
export const etagOf = (version: number): string => `"${version}"`;

/**
 * Refuse a write whose `If-Match` names no current version: `current` is the item's version,
 * undefined when it does not exist (then only a missing header matches). `*` matches any existing
 * item; weak tags never match (strong comparison).
 */
export const assertIfMatch = (
  ifMatch: string | undefined,
  current: number | undefined,
  what: string,
): void => {
  if (ifMatch === undefined) return;
  const tags = ifMatch.split(',').map((t) => t.trim());
  const ok = current !== undefined && (tags.includes('*') || tags.includes(etagOf(current)));
  if (!ok)
    throw new PreconditionFailed(
      `If-Match: the ${what} changed since you read it (now ${
        current === undefined ? 'absent' : etagOf(current)
      }); read it again and retry`,
    );
};
