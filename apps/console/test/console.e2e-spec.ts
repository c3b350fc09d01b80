import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { EmbeddedStack, startEmbeddedStack, workspaceRoot } from '@lcm/testing';

/**
 * The web console as an operator uses it, in headless Chromium against the embedded LCM (the api
 * serving the built console at /console): log in with a token, request an instance and watch it
 * reach running without a reload, cordon the only worker and read a pending instance's why-not,
 * drain the worker; a screenshot of every view under tmp/console/, and axe-core on every view.
 */
const ROOT = workspaceRoot();
const CONSOLE_DIR = join(ROOT, 'dist/apps/console');
const SHOTS = join(ROOT, 'tmp/console');
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

let stack: EmbeddedStack;
let browser: Browser;
let page: Page;
const problems: string[] = [];

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** axe-core on the page as it is: violations of serious or critical impact. */
async function seriousViolations(): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window)))
    await page.addScriptTag({ content: AXE });
  const violations = await page.evaluate(async () => {
    const result = await (
      window as unknown as {
        axe: {
          run(
            context: Document,
            options: object,
          ): Promise<{ violations: AxeViolation[] }>;
        };
      }
    ).axe.run(document, { resultTypes: ['violations'] });
    return result.violations;
  });
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
    );
}

async function checkView(name: string): Promise<void> {
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
  expect({ view: name, violations: await seriousViolations() }).toEqual({
    view: name,
    violations: [],
  });
}

async function confirm(): Promise<void> {
  await page.locator('dialog[open] button[data-confirm]').click();
}

beforeAll(async () => {
  if (!existsSync(join(CONSOLE_DIR, 'index.html')))
    throw new Error(
      `the console is not built (${CONSOLE_DIR}): npx nx build console`,
    );
  if (!existsSync(CHROMIUM))
    throw new Error(
      `no Chromium at ${CHROMIUM} (tools/bootstrap installs Debian's chromium; CHROMIUM_PATH overrides)`,
    );
  mkdirSync(SHOTS, { recursive: true });
  stack = await startEmbeddedStack({
    env: { MAX_WORKERS: '1', MAX_WORKERS_PER_TEMPLATE: '1', CONSOLE_DIR },
  });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('pageerror', (error) =>
    problems.push(`page error: ${error.message}`),
  );
  page.on('request', (request) => {
    if (/[?&](token|access_token)=/i.test(request.url()))
      problems.push(`token in a URL: ${request.url()}`);
  });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

describe('the web console', () => {
  let instanceId: string;

  it('asks for a token, refuses a bad one, and logs in with a good one', async () => {
    await page.goto(`${stack.apiUrl}/console/`);
    await page.locator('#token').waitFor();
    await checkView('login');
    await page.fill('#token', 'not-a-token');
    await page.click('button[type=submit]');
    await page.getByText('This token is not accepted').waitFor();
    await page.fill('#token', await stack.token('admin', 'ada'));
    await page.click('button[type=submit]');
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    await page.getByText('Live', { exact: true }).waitFor();
    // The token stays out of URLs, and the page never reloads from here on.
    expect(page.url()).not.toContain('token');
    await page.evaluate(
      () => ((window as unknown as { marker: string }).marker = 'no reload'),
    );
  });

  it('requests an instance and shows it reach running without a reload', async () => {
    await page.click('nav >> text=Instances');
    await page
      .locator('#request-definition option')
      .first()
      .waitFor({ state: 'attached' });
    await page.click('button:has-text("Request instance")');
    instanceId =
      (await page
        .locator('#request-status[data-instance]')
        .getAttribute('data-instance')) ?? '';
    expect(instanceId).toMatch(/^[0-9a-f-]{36}$/);
    await page
      .locator(
        `#instances-table tr:has(a[href="#/instances/${instanceId}"]) [data-state="running"]`,
      )
      .waitFor({ timeout: 60_000 });
    expect(
      await page.evaluate(
        () => (window as unknown as { marker?: string }).marker,
      ),
    ).toBe('no reload');
    await page.fill('#filter-text', 'ada');
    await page.selectOption('#filter-state', 'running');
    await page.click('button[aria-label="Sort by State"]');
    await checkView('instances');
  });

  it('shows an instance: timeline, ports, worker', async () => {
    await page.click(`a[href="#/instances/${instanceId}"]`);
    await page.locator('#timeline [data-state="running"]').waitFor();
    await page.getByRole('heading', { name: 'Ports' }).waitFor();
    await page.locator('#h-worker').waitFor();
    expect(await page.locator('#instance').innerText()).toMatch(
      /serial_1\s+\d+/,
    );
    await checkView('instance');
  });

  it('cordons the only worker: a new instance is pending and the overview says why', async () => {
    await page.click('nav >> text=Workers');
    const worker = page.locator('section[data-worker]').first();
    await worker.locator('[role=meter]').first().waitFor();
    await worker.locator('button[data-action=cordon]').click();
    await confirm();
    await worker.locator('button[data-action=uncordon]').waitFor();
    await checkView('workers');
    await page.click('nav >> text=Instances');
    await page.click('button:has-text("Request instance")');
    const pending =
      (await page
        .locator('#request-status[data-instance]')
        .getAttribute('data-instance')) ?? '';
    await page.click('nav >> text=Overview');
    const why = page
      .locator(`.pending[data-instance="${pending}"] ul.why-not li`)
      .first();
    await why.waitFor({ timeout: 60_000 });
    expect(await why.innerText()).toMatch(/1 worker: worker cordoned/);
    await page
      .locator('#overview [data-worker] [role=meter]')
      .first()
      .waitFor();
    await checkView('overview');
  });

  it('drains the worker after asking', async () => {
    await page.click('nav >> text=Workers');
    const worker = page.locator('section[data-worker]').first();
    await worker.locator('button[data-action=uncordon]').click();
    await page.locator('dialog[open] button:has-text("Cancel")').click();
    await worker.locator('button[data-action=uncordon]').waitFor();
    await worker.locator('button[data-action=drain]').click();
    await confirm();
    await worker
      .locator(
        '[data-state="draining"], [data-state="stopping"], [data-state="stopped"]',
      )
      .first()
      .waitFor({ timeout: 60_000 });
  });

  it('stops an instance after confirmation', async () => {
    await page.goto(`${stack.apiUrl}/console/#/instances/${instanceId}`);
    await page.locator('#timeline').waitFor();
    await page.click('button:has-text("Stop")');
    await page.locator('dialog[open]').waitFor();
    await checkView('confirm');
    await confirm();
    await page.locator('#action-status:has-text("stop requested")').waitFor();
    await page
      .locator(
        '#timeline [data-state="stopping"], #timeline [data-state="stopped"]',
      )
      .first()
      .waitFor({ timeout: 60_000 });
  });

  it('lists definitions with their versions and YAML', async () => {
    await page.click('nav >> text=Definitions');
    await page.click('a:has-text("devasc-lab-2-5-1")');
    await page.locator('pre.yaml').waitFor();
    expect(await page.locator('pre.yaml').innerText()).toContain('lab:');
    await checkView('definitions');
  });

  it('searches the audit trail', async () => {
    await page.click('nav >> text=Audit');
    await page.fill('#audit-type', 'lcm.lablet.instance.');
    await page.fill('#audit-subject', instanceId);
    await page.click('button:has-text("Search")');
    await page
      .locator(
        '#audit table.events tbody tr >> text=lcm.lablet.instance.running',
      )
      .first()
      .waitFor();
    await checkView('audit');
  });

  it('a user sees only its own instances, live', async () => {
    await page.click('button:has-text("Log out")');
    await page.fill('#token', await stack.token('user', 'ulla'));
    await page.click('button[type=submit]');
    await page.getByText('Your role does not show the fleet.').waitFor();
    await page.getByText('Live', { exact: true }).waitFor();
    await page.click('nav >> text=Instances');
    await page.click('button:has-text("Request instance")');
    const own =
      (await page
        .locator('#request-status[data-instance]')
        .getAttribute('data-instance')) ?? '';
    await page
      .locator(`#instances-table a[href="#/instances/${own}"]`)
      .waitFor();
    expect(await page.locator('#instances-table tbody tr').count()).toBe(1);
    await checkView('user-instances');
  });

  it('raised no page error and put no token in a URL', () => {
    expect(problems).toEqual([]);
  });
});
