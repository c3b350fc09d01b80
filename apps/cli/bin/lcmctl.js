#!/usr/bin/env node
// `npx lcmctl` in the workspace: the TypeScript source, compiled on the fly by swc (always current).
// Outside the workspace use the standalone bundle: `npx nx build cli` -> dist/apps/cli/lcmctl.js.
const { join } = require('node:path');
process.env.SWC_NODE_PROJECT ??= join(__dirname, '../../../tsconfig.base.json');
require('@swc-node/register');
require('../src/main.ts');
