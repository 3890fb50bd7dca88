// The explorer as a person uses it: headless Chromium (Debian's package, driven by playwright-core,
// which downloads no browser) opens the GraphQL path of the shipped demo, types the home-screen
// query, runs it, and reads the result and the panel beside it. Skips when no Chromium is installed
// (.ci/run installs it). TOLLGATE_EXPLORER_SCREENSHOT=docs/explorer.png saves the page as run.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { mintDemoToken, startDemoJwks, type RunningDemoJwks } from '../../subgraphs/demo-keys/index.ts';
import { startShippedDemo, type ShippedDemo } from '../support/demo-gateway.ts';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const HOME_SCREEN = readFileSync(new URL('../../subgraphs/home-screen.graphql', import.meta.url), 'utf8');
const skip = existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH); .ci/run installs it`;

// Quiet, offline Chromium: no background, component-update or sync traffic into a closed network.
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

describe('the explorer in a real browser', { skip, timeout: 120_000 }, () => {
  let jwks: RunningDemoJwks;
  let demo: ShippedDemo;
  let browser: Browser;
  let page: Page;
  let origin: string;
  const requested: string[] = [];
  const cspViolations: string[] = [];

  before(async () => {
    jwks = await startDemoJwks({ port: 0 });
    demo = await startShippedDemo({ JWKS_URL: jwks.url }, { demoToken: mintDemoToken });
    origin = `http://127.0.0.1:${demo.gateway.port}`;
    // launch() gives the browser a fresh temporary profile (--user-data-dir) and removes it on close.
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 30_000 });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.setDefaultTimeout(15_000);
    page.on('request', (request) => requested.push(request.url()));
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });
    await page.addInitScript(`document.addEventListener('securitypolicyviolation', (event) => console.error('Content Security Policy violation: ' + event.violatedDirective + ' ' + event.blockedURI))`);
    const response = await page.goto(`${origin}/graphql`);
    assert.equal(response?.status(), 200);
    // The schema arrived (introspection through the page's own fetcher): the docs button is there.
    await page.locator('.graphiql-query-editor .CodeMirror').waitFor();
  });

  after(async () => {
    await browser?.close();
    await demo?.stop();
    await jwks?.stop();
  });

  /** Replaces the query editor's text as typed input (insertText: no auto-closed brackets). */
  async function typeQuery(query: string) {
    await page.locator('.graphiql-query-editor .CodeMirror').click();
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Delete');
    await page.keyboard.insertText(query);
  }

  async function run() {
    const answered = page.waitForResponse((response) => response.url() === `${origin}/graphql` && response.request().method() === 'POST' && !(response.request().postData() ?? '').includes('IntrospectionQuery'));
    await page.locator('.graphiql-execute-button').click();
    await answered;
  }

  const resultText = () => page.locator('.graphiql-response .CodeMirror-code').innerText();

  test('the home-screen query: the result shows alice, the panel its request id, cost, quota and plan', async () => {
    await typeQuery(HOME_SCREEN);
    await page.getByRole('button', { name: 'Variables' }).click();
    await page.locator('.graphiql-editor-tool .CodeMirror').locator('visible=true').click();
    await page.keyboard.insertText('{"userId": "u1"}');
    await run();
    await page.locator('.graphiql-response .CodeMirror-code').filter({ hasText: 'alice' }).first().waitFor();
    assert.match(await resultText(), /"username": "alice"/);
    assert.match(await page.getByTestId('request-id').innerText(), /^[0-9a-f-]{36}$/);
    assert.match(await page.getByTestId('cost').innerText(), /^\d+ \/ \d+$/);
    assert.match(await page.getByTestId('quota').innerText(), /^\d+ of \d+/);
    const plan = await page.getByTestId('query-plan').innerText();
    for (const subgraph of ['accounts', 'catalog', 'orders', 'reviews']) assert.match(plan, new RegExp(`Fetch from ${subgraph}`));
    assert.match(plan, /Parallel \(at the same time\)/);
    const screenshot = process.env['TOLLGATE_EXPLORER_SCREENSHOT'];
    if (screenshot) await page.screenshot({ path: screenshot });
  });

  test('a query with a bad field: the validation error is shown', async () => {
    await typeQuery('{ user(id: "u1") { username nickname } }');
    await run();
    await page.locator('.graphiql-response .CodeMirror-code').filter({ hasText: 'errors' }).first().waitFor();
    const text = await resultText();
    assert.match(text, /Cannot query field \\?"nickname\\?" on type \\?"User\\?"/);
    assert.match(text, /GRAPHQL_VALIDATION_FAILED/);
  });

  test('"Get a demo token" (demo stack only) puts a token in the headers, and `me` answers as alice', async () => {
    await page.getByTestId('demo-token').click();
    await page.locator('.graphiql-editor-tool').filter({ hasText: 'Bearer' }).first().waitFor();
    await typeQuery('{ me { id username } }');
    await run();
    await page.locator('.graphiql-response .CodeMirror-code').filter({ hasText: '"me"' }).first().waitFor();
    assert.match(await resultText(), /"username": "alice"/);
  });

  test('the settings and short-keys dialogs open and close (they add styles at run time)', async () => {
    for (const name of ['Open settings dialog', 'Open short keys dialog']) {
      await page.getByRole('button', { name }).click();
      await page.getByRole('dialog').waitFor();
      await page.keyboard.press('Escape');
      await page.getByRole('dialog').waitFor({ state: 'detached' });
    }
  });

  test('nothing was loaded from outside the gateway, and the CSP was never violated', () => {
    assert.ok(requested.length >= 3, `requests seen: ${requested.join(', ')}`);
    const foreign = requested.filter((url) => !url.startsWith('data:') && new URL(url).origin !== origin);
    assert.deepEqual(foreign, []);
    assert.deepEqual(cspViolations, []);
  });
});
