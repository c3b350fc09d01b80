// `npx jest` at the root runs every project's unit tests (the same configs `nx test` uses).
const { readdirSync, existsSync } = require('node:fs');
const { join } = require('node:path');

const projects = ['apps', 'libs', 'tools']
  .flatMap((dir) =>
    existsSync(dir) ? readdirSync(dir).map((p) => join(dir, p)) : [],
  )
  .filter((p) => existsSync(join(p, 'jest.config.cjs')))
  .map((p) => `<rootDir>/${p}/jest.config.cjs`);

module.exports = { projects };
