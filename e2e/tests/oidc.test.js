// 统一身份认证 in a real Chromium against a real OpenID Connect provider (oidc-provider):
// 张三 clicks 统一身份认证登录, signs in at the provider and lands back in OneThing as
// himself, seeing his own cases; someone new gets an applicant account at first
// login; staff land on their own department's workbench by the provider's department
// claim; a tampered `state`, an ID number with a wrong check digit and an unknown
// department are refused.
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
      '--oidc-scopes', 'openid profile id_number department', '--oidc-department-claim', 'department'],
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

test('staff sign in by the department claim and see only their department\'s work', async () => {
  const caseId = await zhangsanApplies(server.base);
  // 卫健 issues the 出生医学证明 first: the new case is in its queue.
  let task;
  const wj = await browser.newContext();
  const page = await wj.newPage();
  await signInAtProvider(page, 'wjstaff');
  await page.waitForURL(`${server.base}/workbench`);
  assert.match(await page.locator('body').innerText(), /王卫健/);
  assert.match(await page.locator('main').innerText(), new RegExp(caseId));
  assert.deepEqual(await seriousViolations(page), []);
  task = await page.locator(`a[href*="/workbench/cases/${caseId}/tasks/"]`).first().getAttribute('href');
  assert.equal((await page.goto(`${server.base}${task}`)).status(), 200);
  await wj.close();
  // 公安's 出生登记 waits for that certificate: nothing of the case reaches 公安 yet.
  const ga = await browser.newContext();
  const gaPage = await ga.newPage();
  await signInAtProvider(gaPage, 'gastaff');
  await gaPage.waitForURL(`${server.base}/workbench`);
  assert.match(await gaPage.locator('body').innerText(), /李公安/);
  assert.doesNotMatch(await gaPage.locator('main').innerText(), new RegExp(caseId));
  // …and 卫健's task of the case is not theirs to open.
  const opened = await gaPage.goto(`${server.base}${task}`);
  assert.notEqual(opened.status(), 200);
  assert.doesNotMatch(await gaPage.locator('main').innerText(), /张三/);
  await ga.close();
});

test('a department claim the catalog does not know is refused', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signInAtProvider(page, 'nodept');
  await page.waitForURL((url) => url.pathname === '/login/oidc/callback');
  assert.match(await page.locator('main').innerText(), /部门不在本系统中/);
  await page.goto(`${server.base}/workbench`);
  await page.waitForURL((url) => url.pathname === '/login');
  await context.close();
});
