// The one webpack configuration of every LCM app: a Node bundle in dist/apps/<app> with its own
// package.json (for the production image), built by tsc. `assets` adds files an app reads at run time.
const { NxAppWebpackPlugin } = require('@nx/webpack/app-plugin');
const { join } = require('path');

module.exports = function appWebpackConfig(appDir, app, { assets = [] } = {}) {
  return {
    output: {
      path: join(appDir, '../../dist/apps', app),
      clean: true,
      ...(process.env.NODE_ENV !== 'production' && {
        devtoolModuleFilenameTemplate: '[absolute-resource-path]',
      }),
    },
    plugins: [
      new NxAppWebpackPlugin({
        target: 'node',
        compiler: 'tsc',
        main: './src/main.ts',
        tsConfig: './tsconfig.app.json',
        optimization: false,
        outputHashing: 'none',
        generatePackageJson: true,
        sourceMap: true,
        assets,
      }),
    ],
  };
};
