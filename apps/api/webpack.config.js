// Built by the shared LCM app configuration (tools/webpack), plus the doc-store's seed file, read at
// start-up (config.ts looks for assets/ beside main.js).
module.exports = require('../../tools/webpack/app-webpack-config')(__dirname, 'api', {
  assets: [{ input: 'libs/doc-store/src/templates', glob: 'worker-templates.yaml', output: 'assets' }],
});
