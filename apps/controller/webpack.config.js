// Built by the shared LCM app configuration (tools/webpack).
module.exports = require('../../tools/webpack/app-webpack-config')(
  __dirname,
  'controller',
);
