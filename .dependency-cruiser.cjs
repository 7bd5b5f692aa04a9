/**
 * The layering rules of prepbench, checked by `npm run deps` (part of `npm test`):
 *   common/         suite-agnostic pieces; imports nothing from the layers above it
 *   visualization/  chart contract, rendering and the report; knows no suite and no experiment
 *   suites/, experiments/, scripts/  may import the layers below them, with three limits:
 *     - a suite owns its code: suites/<name>/ and experiments/<name>/ import nothing of another suite
 *       (suites/<other>/, experiments/<other>/); what two suites share belongs in common/
 *     - only the registry (suites/registry.ts) imports a suite's index (suites/<name>/index.ts)
 *     - scripts/ holds entry points: nothing outside scripts/ imports them
 * test/ is not cruised: tests may import a suite's index, another suite's pieces and scripts/ (they drive the CLIs).
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
      name: 'suite-imports-no-other-suite',
      comment: 'A suite owns its code: suites/<name>/ and experiments/<name>/ import nothing from suites/<other>/ or experiments/<other>/ (shared pieces go to common/).',
      severity: 'error',
      from: { path: '^(?:suites|experiments)/([^/]+)/' },
      to: { path: '^(?:suites|experiments)/[^/]+/', pathNot: '^(?:suites|experiments)/$1/' },
    },
    {
      name: 'only-registry-imports-suite-index',
      comment: "A suite is loaded through the registry: only suites/registry.ts imports a suite's index (suites/<name>/index.ts).",
      severity: 'error',
      from: { pathNot: '^suites/registry\\.ts$' },
      to: { path: '^suites/[^/]+/index\\.ts$' },
    },
    {
      name: 'nothing-imports-scripts',
      comment: 'scripts/ holds the entry points (the CLIs and measurement tools): only scripts/ imports from scripts/.',
      severity: 'error',
      from: { pathNot: '^scripts/' },
      to: { path: '^scripts/' },
    },
    {
      // An import the cruiser cannot resolve is invisible to the rules above: fail rather than pass vacuously.
      name: 'no-unresolvable-import',
      comment: 'Every import resolves (to a file of this repository, a package or a Node built-in).',
      severity: 'error',
      from: { path: '^(common|visualization|suites|experiments|scripts)/' },
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
