// Jest reporter: writes each project's pass/fail counts to tmp/test-results/<project>.json so that
// `npm test` can print one total line for the whole run (see tools/test/summary.mjs).
const { mkdirSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

class ResultsReporter {
  constructor(globalConfig, _options, context) {
    this.globalConfig = globalConfig;
    this.context = context;
  }

  onRunComplete(_contexts, results) {
    const root = join(__dirname, '../..');
    const name = (this.globalConfig.rootDir ?? 'unknown')
      .replace(root + '/', '')
      .replace(/\//g, '-');
    const argv = process.argv.join(' ');
    const kind = /integration/.test(argv)
      ? 'integration'
      : /e2e/.test(argv)
        ? 'e2e'
        : 'unit';
    const dir = join(root, 'tmp/test-results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, `${name}.${kind}.json`),
      JSON.stringify({
        project: name,
        kind,
        passed: results.numPassedTests,
        failed: results.numFailedTests + results.numRuntimeErrorTestSuites,
        skipped: results.numPendingTests + results.numTodoTests,
        suites: results.numTotalTestSuites,
      }),
    );
  }
}

module.exports = ResultsReporter;
