// 统一身份认证 in a real Chromium against a real OpenID Connect provider (oidc-provider):
// 张三 clicks 统一身份认证登录, signs in at the provider and lands back in OneThing as
// himself, seeing his own cases; someone new gets an applicant account at first
// login; a tampered `state` and an ID number with a wrong check digit are refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, freePort, PASSWORD, seriousViolations } from '../lib.js';
import { startProvider, CLIENT_ID, CLIENT_SECRET } from '../oidc-provider.js';

let server;
let provider;
let browser;

before(async () => {
  const appPort = await freePort();
  const providerPort = await freePort();
  const redirect = `http://127.0.0.1:${appPort}/login/oidc/callback`;
  provider = await startProvider({ port: providerPort, redirectUri: redirect });
  server = await startServer({
    listen: `127.0.0.1:${appPort}`,
    args: ['--oidc-issuer', provider.issuer, '--oidc-client-id', CLIENT_ID,
      '--oidc-client-secret', CLIENT_SECRET, '--oidc-redirect-url', redirect,
      '--oidc-scopes', 'openid profile id_number'],
  });
  browser = await launch();
});
after(async () => { await browser?.close(); await server?.stop(); await provider?.stop(); });

// A one-pixel PNG: what the server's content sniffing accepts as a scan.
const SCAN = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48,
  0x44, 0x52, 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1f, 0x15, 0xc4, 0x89]);

/** 张三 applies over the API with his password (the demo keeps passwords): the case id. */
async function zhangsanApplies(base) {
  const login = await fetch(`${base}/api/v1/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'zhangsan', password: PASSWORD }),
  });
  const { token } = await login.json();
  const example = await (await fetch(`${base}/api/v1/catalog/one-things/newborn/example`)).json();
  const form = new FormData();
  form.append('submission', JSON.stringify(example.submission));
  for (const upload of example.uploads) {
    form.append(upload.part, new Blob([SCAN], { type: 'image/png' }), 'scan.png');
  }
  const answer = await fetch(`${base}/api/v1/cases`, {
    method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form,
  });
  const body = await answer.json();
  assert.equal(answer.status, 201, JSON.stringify(body));
  return body.id;
}

/** From OneThing's login page through the provider's pages, as `login`. */
async function signInAtProvider(page, login) {
  await page.goto(`${server.base}/login`);
  await page.getByRole('link', { name: '统一身份认证登录' }).click();
  await page.waitForURL((url) => url.href.startsWith(provider.issuer));
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('any-password');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  // The provider asks once to share the claims with OneThing.
  const consent = page.getByRole('button', { name: 'Continue' });
  await consent.waitFor({ timeout: 10000 });
  await consent.click();
}

test('张三 logs in through 统一身份认证 and sees his own cases', async () => {
  const caseId = await zhangsanApplies(server.base);
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${server.base}/login`);
  assert.deepEqual(await seriousViolations(page), []);
  await signInAtProvider(page, 'zhangsan');
  await page.waitForURL(`${server.base}/my/cases`);
  const main = await page.locator('main').innerText();
  assert.match(main, new RegExp(caseId));
  assert.match(await page.locator('body').innerText(), /张三/);
  await context.close();
});

test('someone new gets an applicant account at first login, with no cases of anyone else', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signInAtProvider(page, 'zhaoliu');
  await page.waitForURL(`${server.base}/my/cases`);
  assert.match(await page.locator('body').innerText(), /赵六/);
  assert.doesNotMatch(await page.locator('main').innerText(), /C-\d{8}-/);
  await context.close();
});

test('a tampered state is refused and logs nobody in', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  // The `state` sent to the provider is changed on its way there, so the provider's
  // answer comes back with a state this server never handed out.
  await page.route(`${server.base}/login/oidc`, async (route) => {
    const response = await route.fetch({ maxRedirects: 0 });
    const location = new URL(response.headers().location);
    location.searchParams.set('state', `${location.searchParams.get('state')}tampered`);
    await route.fulfill({ status: 303, headers: { location: location.href } });
  });
  await signInAtProvider(page, 'zhangsan');
  await page.waitForURL((url) => url.pathname === '/login/oidc/callback');
  assert.match(await page.locator('main').innerText(), /登录请求已失效或被篡改/);
  await page.goto(`${server.base}/my/cases`);
  await page.waitForURL((url) => url.pathname === '/login');
  // A state made up from nothing, too.
  const response = await page.goto(`${server.base}/login/oidc/callback?code=x&state=made-up`);
  assert.equal(response.status(), 400);
  await context.close();
});

test('an ID number that fails the check digit is refused', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signInAtProvider(page, 'badnumber');
  await page.waitForURL((url) => url.pathname === '/login/oidc/callback');
  assert.match(await page.locator('main').innerText(), /公民身份号码/);
  await context.close();
});
