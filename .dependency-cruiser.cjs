/**
 * Layer rules, checked in `npm test` (`npm run layers`): no import cycles; inside shared/, the
 * domain (rules and shapes: shared/domain) never imports use cases or adapters, and adapters
 * (DynamoDB stores, the cloud client, HTTP, AWS services, outbound calls: shared/adapters) never
 * import use cases (shared/use-cases); shared/ never reaches into the function wiring, local mode,
 * infra, the simulator or tests; the functions never reach into local mode, infra, the simulator
 * or tests.
 */
const OUTER = '^(functions|local|infra|simulator|test|bench)/';
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'An import cycle hides which part depends on which.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'rules-never-import-adapters',
      severity: 'error',
      comment: 'Domain rules are plain functions over plain data: no storage, no I/O, no use case.',
      from: { path: '^shared/domain/' },
      to: { path: '^shared/(adapters|use-cases)/|^shared/(deps|ports|logger)\\.ts$' },
    },
    {
      name: 'adapters-never-import-use-cases',
      severity: 'error',
      comment: 'An adapter speaks to one outside system for the use cases; it never drives them.',
      from: { path: '^shared/adapters/' },
      to: { path: '^shared/use-cases/' },
    },
    {
      name: 'shared-stays-inside',
      severity: 'error',
      comment: 'shared/ is the product; the wiring around it depends on it, never the other way.',
      from: { path: '^shared/' },
      to: { path: OUTER },
    },
    {
      name: 'functions-not-to-tools',
      severity: 'error',
      comment: 'Deployed code never imports local mode, infra, the simulator or tests.',
      from: { path: '^functions/' },
      to: { path: '^(local|infra|simulator|test|bench)/' },
    },
    {
      name: 'simulator-is-independent',
      severity: 'error',
      comment: 'The simulator plays the vendor: it may share schemas, never the product wiring.',
      from: { path: '^simulator/' },
      to: { path: '^(functions|local|infra)/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: {},
      comment: 'Every import resolves (aws-lambda is types only, from @types/aws-lambda).',
      to: { couldNotResolve: true, pathNot: '^aws-lambda$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|cdk\\.out|coverage)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.json'],
    },
  },
};
