// lcmctl as one standalone file (dist/apps/cli/lcmctl.js): every dependency bundled in, so it runs
// with Node alone (`node lcmctl.js` or `./lcmctl.js`), outside the workspace.
const { NxAppWebpackPlugin } = require('@nx/webpack/app-plugin');
const { BannerPlugin } = require('webpack');
const { join } = require('path');

module.exports = {
  output: {
    path: join(__dirname, '../../dist/apps/cli'),
    filename: 'lcmctl.js',
    clean: true,
  },
  plugins: [
    new NxAppWebpackPlugin({
      target: 'node',
      compiler: 'tsc',
      main: './src/main.ts',
      tsConfig: './tsconfig.app.json',
      optimization: false,
      outputHashing: 'none',
      externalDependencies: 'none',
      sourceMap: false,
    }),
    new BannerPlugin({
      banner: '#!/usr/bin/env node',
      raw: true,
      entryOnly: true,
    }),
  ],
};
