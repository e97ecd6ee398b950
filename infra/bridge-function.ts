import { Duration } from 'aws-cdk-lib';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import {
  LogLevel,
  NodejsFunction,
  OutputFormat,
  type NodejsFunctionProps,
} from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { fileURLToPath } from 'node:url';
import { FUNCTIONS, type FunctionName } from '../functions/catalog.js';
import { SERVICE } from './metrics.js';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * Every function of the product: Node.js 22 on ARM64, ESM bundled by the local esbuild (no
 * Docker), AWS SDK left to the runtime, X-Ray tracing, a log group with the stage's retention,
 * timeout and memory from the catalog.
 */
export class BridgeFunction extends NodejsFunction {
  constructor(
    scope: Construct,
    name: FunctionName,
    props: Partial<NodejsFunctionProps> & { logGroupRetention?: RetentionDays } = {},
  ) {
    const spec = FUNCTIONS[name];
    const { logGroupRetention = RetentionDays.THREE_MONTHS, ...fnProps } = props;
    // Own role and log group: log writes scoped to this function's group, no AWS managed policy.
    const logGroup = new LogGroup(scope, `${name}-logs`, { retention: logGroupRetention });
    const role = new Role(scope, `${name}-role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `${name}: ${spec.description}`,
    });
    logGroup.grantWrite(role);
    super(scope, name, {
      role,
      entry: `${root}functions/${name}/handler.ts`,
      projectRoot: root,
      depsLockFilePath: `${root}package-lock.json`,
      description: spec.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      timeout: Duration.seconds(spec.timeout),
      memorySize: spec.memory,
      tracing: Tracing.ACTIVE,
      logGroup,
      bundling: {
        format: OutputFormat.ESM,
        logLevel: LogLevel.WARNING,
        target: 'node22',
        minify: true,
        sourceMap: true,
        mainFields: ['module', 'main'],
        externalModules: ['@aws-sdk/*'],
        banner:
          "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
      },
      ...fnProps,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: SERVICE,
        ...fnProps.environment,
      },
    });
  }
}
