/** Ports: the small interfaces use cases depend on. Adapters live in `shared/adapters/` and `local/`. */

/** Secrets (Secrets Manager in AWS, a local store in local mode). Names like `org/<orgId>/client-secret`. */
export interface Secrets {
  get(name: string): Promise<string | undefined>;
  put(name: string, value: string): Promise<void>;
}

export interface SendOptions {
  /** FIFO queues: ordering group. */
  groupId?: string;
  /** FIFO queues: de-duplication id. */
  dedupId?: string;
  delaySeconds?: number;
}
export interface Queue<T> {
  send(message: T, opts?: SendOptions): Promise<void>;
}

export type Clock = () => Date;

/** Kinds of runtime secret; each lives under its own prefix so IAM can grant one kind alone. */
export type SecretKind = 'org' | 'system';
export const SECRET_PREFIX: Record<SecretKind, string> = { org: 'org/', system: 'system/' };

/** Secret names (under the stack's prefix in AWS): org client secrets, system signing secrets. */
export const secretNames = {
  orgClientSecret: (orgId: string) => `${SECRET_PREFIX.org}${orgId}/client-secret`,
  /** The org's push-channel link key (the poll sends its MD5). */
  orgLinkKey: (orgId: string) => `${SECRET_PREFIX.org}${orgId}/link-key`,
  systemSigningSecret: (systemId: string) => `${SECRET_PREFIX.system}${systemId}/signing-secret`,
};
