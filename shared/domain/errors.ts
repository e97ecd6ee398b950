/** Domain errors carry their HTTP status; one middleware maps them to the SPEC error shape. */
export interface ErrorDetail {
  path: string;
  message: string;
}

export class DomainError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class BadRequest extends DomainError {
  constructor(message: string, details: ErrorDetail[] = []) {
    super(400, 'BAD_REQUEST', message, details);
  }
}
export class Unauthorized extends DomainError {
  constructor(message = 'a valid bearer token is required') {
    super(401, 'UNAUTHORIZED', message);
  }
}
export class Forbidden extends DomainError {
  constructor(message: string) {
    super(403, 'FORBIDDEN', message);
  }
}
export class NotFound extends DomainError {
  constructor(message: string) {
    super(404, 'NOT_FOUND', message);
  }
}
export class Conflict extends DomainError {
  constructor(message: string) {
    super(409, 'CONFLICT', message);
  }
}
export class Unprocessable extends DomainError {
  constructor(message: string, details: ErrorDetail[] = []) {
    super(422, 'UNPROCESSABLE', message, details);
  }
}

/** A conditional write lost: the item changed or already exists. */
export class ConditionFailed extends Conflict {}

export const isConditionFailure = (e: unknown): boolean =>
  e instanceof Error &&
  (e.name === 'ConditionalCheckFailedException' ||
    (e.name === 'TransactionCanceledException' && e.message.includes('ConditionalCheckFailed')));

/**
 * For a write that may lose a race on purpose (someone else moved the item first): only that is
 * ignored.
 */
export const ignoreLostRace = (e: unknown): undefined => {
  if (e instanceof ConditionFailed) return undefined;
  throw e;
};
