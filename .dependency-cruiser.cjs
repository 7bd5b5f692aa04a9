/**
 * The layering rules of prepbench, checked by `npm run deps` (part of `npm test`):
 *   common/         suite-agnostic pieces; imports nothing from the layers above it. Inside it, rooms (each
 *                   with a README.md) and their rules: stats/ is pure (imports only stats/ and packages);
 *                   measure/ imports no writer (results/, compare/, cli/; type-only row types allowed);
 *                   results/ never imports compare/; compare/ imports only compare/, results/, stats/, cli/;
 *                   cli/ and text/ import no measure/, results/, compare/, strategies/, monitor/; build/ and
 *                   monitor/ import nothing else of common/; node:fs only in the rooms and files named by
 *                   file-system-only-in-io-rooms (results/ writes the run folder, caches are the exceptions)
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
    // --- The rooms of common/ (issue 30): what each owns is in its README.md. ---
    {
      name: 'stats-is-pure',
      comment: 'common/stats/ holds estimators and intervals, pure functions: it imports only common/stats/ and npm packages — no Node built-in (no node:fs), no other room.',
      severity: 'error',
      from: { path: '^common/stats/' },
      to: { pathNot: '^common/stats/|node_modules/' },
    },
    {
      name: 'measure-imports-no-writer',
      comment:
        'common/measure/ measures and returns rows; it never writes or prints them: nothing from results/, compare/ or cli/ at run time. Allowed: type-only imports (the row types of results/results.ts) and cli/error-message.ts (an error as one line).',
      severity: 'error',
      from: { path: '^common/measure/' },
      to: { path: '^common/(results|compare|cli)/', pathNot: '^common/cli/error-message\\.ts$', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'results-imports-no-compare',
      comment: 'common/results/ writes and reads the run folder; compare/ reads what it writes, never the other way.',
      severity: 'error',
      from: { path: '^common/results/' },
      to: { path: '^common/compare/' },
    },
    {
      name: 'compare-reads-finished-runs',
      comment: 'common/compare/ works on finished run folders: within common/ it imports only compare/, results/, stats/ and cli/ — it never measures.',
      severity: 'error',
      from: { path: '^common/compare/' },
      to: { path: '^common/', pathNot: '^common/(compare|results|stats|cli)/' },
    },
    {
      name: 'cli-imports-no-measure-or-results',
      comment: 'common/cli/ holds what the command lines share (input errors, flags, progress, IO): it imports nothing from measure/, results/, compare/, strategies/ or monitor/.',
      severity: 'error',
      from: { path: '^common/cli/' },
      to: { path: '^common/(measure|results|compare|strategies|monitor)/' },
    },
    {
      name: 'text-imports-no-measure-or-results',
      comment: 'common/text/ makes the chats that are measured: it imports nothing from measure/, results/, compare/, strategies/ or monitor/.',
      severity: 'error',
      from: { path: '^common/text/' },
      to: { path: '^common/(measure|results|compare|strategies|monitor)/' },
    },
    {
      name: 'build-imports-no-room',
      comment: 'common/build/ (bundles, cache folder, package folders) sits below every room: it imports nothing else of common/.',
      severity: 'error',
      from: { path: '^common/build/' },
      to: { path: '^common/', pathNot: '^common/build/' },
    },
    {
      name: 'monitor-imports-no-room',
      comment: 'common/monitor/ (event-loop delay, /health, per-thread CPU) is self-contained: it imports nothing else of common/.',
      severity: 'error',
      from: { path: '^common/monitor/' },
      to: { path: '^common/', pathNot: '^common/monitor/' },
    },
    {
      // Writing and reading files cannot be told apart by an import, so the rule confines node:fs itself.
      name: 'file-system-only-in-io-rooms',
      comment: [
        'Only these modules of common/ touch the file system (import node:fs):',
        'results/ writes the run folder; compare/ reads run folders (writes none);',
        'build/ writes its bundle cache and reads package.json files;',
        'assets/ reads tokenizer files (models.ts) and writes the derived-vocabulary cache (tiktoken-ranks.ts);',
        'text/ reads the text packages and writes the Brown extract cache (english.ts);',
        'cli/regular-file.ts reads a user file; monitor/thread-cpu.ts and measure/topology.ts, machine-noise.ts, bounded-encode.ts read /proc or /sys;',
        'measure/bounded-encode-handler.ts writes /proc/self/clear_refs (a kernel knob, not a file);',
        'templates/attack-check.ts and attack-child.ts create and remove a marker in a temporary folder (the sandbox probe).',
        'stats/, strategies/, the rest of measure/, templates/ and cli/ never do.',
      ].join(' '),
      severity: 'error',
      from: {
        path: '^common/',
        pathNot:
          '^common/(results|compare|build|assets|text)/|^common/cli/regular-file\\.ts$|^common/monitor/thread-cpu\\.ts$|^common/measure/(topology|machine-noise|bounded-encode|bounded-encode-handler)\\.ts$|^common/templates/attack-(check|child)\\.ts$',
      },
      to: { path: '^(node:)?fs(/promises)?$' },
    },
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
