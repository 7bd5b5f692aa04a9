/**
 * The layering rules of prepbench, checked by `npm run deps` (part of `npm test`):
 *   common/         suite-agnostic pieces; imports nothing from the layers above it
 *   visualization/  chart contract, rendering and the report; knows no suite and no experiment
 *   suites/, experiments/, scripts/  may import the layers below them
 * Type-only imports count (tsPreCompilationDeps): a type from a suite is still knowledge of the suite.
 * test/layers.test.ts proves that a violating import makes the check fail.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'common-imports-no-upper-layer',
      comment: 'common/ holds suite-agnostic pieces: it never imports suites/, experiments/, visualization/ or scripts/.',
      severity: 'error',
      from: { path: '^common/' },
      to: { path: '^(suites|experiments|visualization|scripts)/' },
    },
    {
      name: 'visualization-imports-no-suite',
      comment: 'visualization/ holds the chart contract, rendering and the report: it never imports suites/, experiments/ or scripts/.',
      severity: 'error',
      from: { path: '^visualization/' },
      to: { path: '^(suites|experiments|scripts)/' },
    },
    {
      // An import the cruiser cannot resolve is invisible to the rules above: fail rather than pass vacuously.
      name: 'no-unresolvable-import',
      comment: 'Every import resolves (to a file of this repository, a package or a Node built-in).',
      severity: 'error',
      from: { path: '^(common|visualization)/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Imports name their `.ts` files explicitly (allowImportingTsExtensions); resolve them the way tsc does.
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      extensions: ['.ts', '.mts', '.js', '.mjs', '.cjs', '.json', '.d.ts'],
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
