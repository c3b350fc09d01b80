// Built by the shared LCM app configuration (tools/webpack), plus the doc-store's seed file, read at
// start-up (config.ts looks for assets/ beside main.js), and the built web console served at /console
// (console/ beside main.js; the build depends on the console's, see project.json).
module.exports = require('../../tools/webpack/app-webpack-config')(
  __dirname,
  'api',
  {
    assets: [
      {
        input: 'libs/doc-store/src/templates',
        glob: 'worker-templates.yaml',
        output: 'assets',
      },
      { input: 'dist/apps/console', glob: '**/*', output: 'console' },
    ],
  },
);
