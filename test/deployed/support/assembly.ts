/**
 * The real CDK app synthesized with bundling (the local esbuild), read back as a deployment would
 * see it: the stacks' templates, each function's bundle, handler, timeout, resolved environment and
 * the statements of its role.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { buildApp } from '#infra/build.js';
import { Resolver, type PhysicalOptions, type Template } from './intrinsics.js';
import type { Statement } from './iam.js';

export interface DeployedFunction {
  /** The construct id (catalog name), e.g. `sync-api`. */
  name: string;
  stack: string;
  logicalId: string;
  /** Physical function name (AWS_LAMBDA_FUNCTION_NAME). */
  functionName: string;
  arn: string;
  /** The bundle's entry file and the exported handler. */
  entry: string;
  exportName: string;
  timeout: number;
  memory: number;
  env: Record<string, string>;
  statements: Statement[];
}

export interface Synthesized {
  templates: Record<string, Template>;
  /** Construct path of each resource by stack and logical id (from the assembly's metadata). */
  paths: Record<string, Record<string, string>>;
}

export interface Deployed {
  outdir: string;
  templates: Record<string, Template>;
  resolver: Resolver;
  functions: DeployedFunction[];
}

/** Synthesize the app into `outdir` (emptied first), bundling every function. */
export const synthesize = (outdir: string): Synthesized => {
  rmSync(outdir, { recursive: true, force: true });
  const app = new App({ outdir });
  buildApp(app);
  const { stacks } = app.synth();
  const paths = (s: (typeof stacks)[number]) =>
    Object.fromEntries(s.findMetadataByType('aws:cdk:logicalId').map((m) => [m.data, m.path]));
  return {
    templates: Object.fromEntries(stacks.map((s) => [s.stackName, s.template as Template])),
    paths: Object.fromEntries(stacks.map((s) => [s.stackName, paths(s)])),
  };
};

/** S3 object key of a file asset → its directory in the assembly (from `*.assets.json`). */
const assetDirs = (outdir: string): Map<string, string> => {
  const out = new Map<string, string>();
  for (const f of readdirSync(outdir).filter((n) => n.endsWith('.assets.json'))) {
    const manifest = JSON.parse(readFileSync(join(outdir, f), 'utf8')) as {
      files?: Record<string, { source: { path?: string }; destinations: Record<string, any> }>;
    };
    for (const asset of Object.values(manifest.files ?? {}))
      for (const d of Object.values(asset.destinations))
        if (asset.source.path) out.set(String(d.objectKey), join(outdir, asset.source.path));
  }
  return out;
};

/** `/InvoiceCloudBridgeApp/sync-api/Resource` → `sync-api`. */
const constructName = (logicalId: string, path: string | undefined) =>
  path?.split('/')[2] ?? logicalId;

/** The role's statements: its inline policies and every `AWS::IAM::Policy` attached to it. */
const roleStatements = (r: Resolver, stack: string, roleArn: string): Statement[] => {
  const roles = [...r.physical.entries()].filter(([, p]) => p.arn === roleArn);
  if (roles.length !== 1) throw new Error(`${stack}: no single role with ARN ${roleArn}`);
  const [path, role] = roles[0]!;
  const out: Statement[] = [];
  for (const [s, t] of Object.entries(r.stacks))
    for (const [id, res] of Object.entries(t.Resources)) {
      if (`${s}/${id}` === path) {
        const props = r.resolve(s, res.Properties ?? {});
        for (const p of props.Policies ?? []) out.push(...[p.PolicyDocument.Statement].flat());
        if (props.ManagedPolicyArns?.length)
          throw new Error(`${stack}: role ${id} has managed policies the test cannot evaluate`);
      }
      if (res.Type === 'AWS::IAM::Policy') {
        const props = r.resolve(s, res.Properties ?? {});
        if (((props.Roles ?? []) as string[]).includes(role.ref))
          out.push(...[props.PolicyDocument.Statement].flat());
      }
    }
  return out;
};

/** Read the assembly: every `AWS::Lambda::Function`, resolved against the stand-ins. */
export const readDeployed = (
  outdir: string,
  { templates, paths }: Synthesized,
  o: PhysicalOptions,
): Deployed => {
  const resolver = new Resolver(templates, o);
  const assets = assetDirs(outdir);
  const functions: DeployedFunction[] = [];
  for (const [stack, t] of Object.entries(templates))
    for (const [id, res] of Object.entries(t.Resources)) {
      if (res.Type !== 'AWS::Lambda::Function') continue;
      const p = res.Properties ?? {};
      // CDK's own Python custom-resource handlers (the console's BucketDeployment) are not the
      // product's code; the console's grants are asserted in test/infra/console.test.ts.
      if (String(p.Runtime ?? '').startsWith('python')) continue;
      const key = String(resolver.resolve(stack, p.Code?.S3Key));
      const dir = assets.get(key);
      if (!dir) throw new Error(`${stack}/${id}: no bundled asset for ${key}`);
      const [file, exportName] = String(p.Handler).split(/\.(?=[^.]+$)/) as [string, string];
      const entry = ['.mjs', '.js', '.cjs']
        .map((ext) => join(dir, `${file}${ext}`))
        .find((f) => existsSync(f));
      if (!entry) throw new Error(`${stack}/${id}: handler ${String(p.Handler)} not in ${dir}`);
      const roleArn = String(resolver.resolve(stack, p.Role));
      functions.push({
        name: constructName(id, paths[stack]?.[id]),
        stack,
        logicalId: id,
        functionName: resolver.of(stack, id).name,
        arn: resolver.of(stack, id).arn,
        entry,
        exportName,
        timeout: Number(p.Timeout ?? 3),
        memory: Number(p.MemorySize ?? 128),
        env: resolver.resolve(stack, p.Environment?.Variables ?? {}),
        statements: roleStatements(resolver, stack, roleArn),
      });
    }
  return { outdir, templates, resolver, functions };
};
