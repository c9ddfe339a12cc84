// Shared data and e-certificates in a real Chromium: 王芳 consents and gets the
// newborn form prefilled from 人口库 and 婚姻登记 (each field with its source), 卫健
// approves and the 出生医学证明 is issued into her wallet, 公安 sees it verified on the
// 出生登记 task with no upload, she shows it with a QR code and a share link anyone
// can open without logging in, the public verify page rejects a tampered file, and
// after claiming her 电子结婚证 the next 一次告知 no longer asks for it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, login, seriousViolations, screenshots, fillForm } from '../lib.js';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.stop(); });

const ANSWERS = 'hukou_local=yes&parents_married=yes&insure_child=no&maternity_claim=no';

async function checkAxe(page, label) {
  const violations = await seriousViolations(page);
  assert.deepEqual(violations, [], `${label}: ${JSON.stringify(violations, null, 1)}`);
}

test('consent, prefill, certificate issued, shown, shared, verified and reused', async () => {
  const base = server.base;
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  const page = await context.newPage();
  await login(page, base, 'wangfang');

  // Before the form: what will be fetched, from where, for what.
  await page.goto(`${base}/one-things/newborn/notice?${ANSWERS}`);
  const marriageItem = page.locator('ul.materials li', { hasText: '结婚证' });
  assert.match(await marriageItem.innerText(), /需提交/);
  await page.goto(`${base}/one-things/newborn/apply?${ANSWERS}`);
  const consent = page.locator('table.consent');
  await consent.waitFor();
  const offer = await consent.innerText();
  assert.match(offer, /人口基础信息库/);
  assert.match(offer, /婚姻登记信息/);
  assert.match(offer, /公安局/);
  await checkAxe(page, 'consent');
  await screenshots(page, 'consent');
  await page.getByRole('button', { name: '同意，获取并预填' }).click();
  await page.waitForURL(/prefill=PF-/);

  // Prefilled, each value marked with its source, and still editable.
  assert.equal(await page.locator('input[name="mother.name"]').inputValue(), '王芳');
  assert.equal(await page.locator('input[name="father.name"]').inputValue(), '刘强');
  assert.equal(await page.locator('input[name="father.id_number"]').inputValue(), '620102199208080017');
  const fatherField = page.locator('.field', { has: page.locator('input[name="father.name"]') });
  assert.match(await fatherField.innerText(), /共享数据·人口基础信息库（公安局）/);
  await checkAxe(page, 'prefilled form');
  await screenshots(page, 'prefilled');
  await fillForm(page, 'form.apply');
  await page.getByRole('button', { name: '提交申请' }).click();
  await page.waitForURL(/\/my\/cases\/YJS/);
  const caseNumber = (await page.locator('dl.receipt dd strong').first().innerText()).trim();
  assert.match(await page.locator('main').innerText(), /您授权使用共享数据办理本件/);

  // 卫健 approves 出生医学证明: the certificate is issued, and shown on the task.
  const staffContext = await browser.newContext();
  const staff = await staffContext.newPage();
  await login(staff, base, 'staff-wj');
  await staff.goto(`${base}/workbench`);
  await staff.locator('tr', { hasText: caseNumber }).getByRole('link', { name: '出生医学证明首次签发' }).click();
  await staff.getByRole('button', { name: '受理' }).click();
  await staff.waitForLoadState('load');
  await staff.getByLabel('出生医学证明编号').fill('Q620102777');
  await staff.getByRole('button', { name: '办结' }).click();
  await staff.waitForLoadState('load');
  await staff.goto(`${base}/workbench/cases/${caseNumber}/tasks/GG00101001`);
  assert.match(await staff.locator('ul.certificates').innerText(), /出生医学证明[\s\S]*本事项签发[\s\S]*验证通过/);
  // 可用不可见: 卫健 picks a declared check (is the mother an adult?) and gets only
  // the answer; once asked, it is not offered again.
  await staff.getByLabel(/申请人是否年满18周岁/).check();
  await staff.getByRole('button', { name: '核验' }).click();
  assert.match(await staff.locator('.verify-ok').innerText(), /申请人是否年满18周岁：是/);
  assert.equal(await staff.getByLabel(/申请人是否年满18周岁/).count(), 0);
  assert.match(await staff.locator('main').innerText(), /申请人是否年满18周岁：是（.*已核验）/);
  await checkAxe(staff, 'task with a question');

  // 公安's 出生登记 uses it: verified, nothing uploaded for it.
  await staffContext.clearCookies();
  await login(staff, base, 'staff-ga');
  await staff.goto(`${base}/workbench/cases/${caseNumber}/tasks/QR00201001`);
  const used = await staff.locator('ul.certificates').innerText();
  assert.match(used, /出生医学证明 编号 Q620102777/);
  assert.match(used, /验证通过/);
  assert.doesNotMatch(await staff.locator('main').innerText(), /申请人提交的文件[\s\S]*出生医学证明/);
  await checkAxe(staff, 'task with certificate');

  // 我的证照: the certificate with its QR code, and a share link.
  await page.goto(`${base}/my/certificates`);
  await checkAxe(page, 'wallet');
  await page.getByRole('link', { name: '出生医学证明' }).click();
  assert.equal(await page.locator('figure.qr svg').count(), 1);
  assert.match(await page.locator('.certificate').innerText(), /Q620102777/);
  await checkAxe(page, 'certificate');
  await screenshots(page, 'certificate');
  await page.getByRole('button', { name: /验证链接/ }).click();
  const shareUrl = await page.locator('.notice-ok a').innerText();
  assert.match(shareUrl, /\/verify\/s\/[0-9a-f]{64}$/);

  // Anyone opens the share link without logging in: verified, in full.
  const stranger = await (await browser.newContext()).newPage();
  await stranger.goto(shareUrl);
  assert.match(await stranger.locator('.verify-ok').innerText(), /验证通过：出生医学证明/);
  assert.match(await stranger.locator('.verify-ok').innerText(), /有效期至 \d{4}-\d{2}-\d{2}/);
  assert.match(await stranger.locator('main').innerText(), /卫生健康委员会/);
  await checkAxe(stranger, 'shared certificate');
  await screenshots(stranger, 'verify-shared');

  // The file, downloaded, verifies on the public page; one changed byte does not.
  const fileUrl = await page.getByRole('link', { name: /下载证照文件/ }).getAttribute('href');
  const file = await (await page.request.get(new URL(fileUrl, base).toString())).text();
  await stranger.goto(`${base}/verify`);
  await stranger.getByLabel('或粘贴证照内容').fill(file);
  await stranger.getByRole('button', { name: '验证' }).click();
  await stranger.locator('.verify-ok').waitFor();
  await stranger.goto(`${base}/verify`);
  await stranger.getByLabel('或粘贴证照内容').fill(file.replace('Q620102777', 'Q620102778'));
  await stranger.getByRole('button', { name: '验证' }).click();
  assert.match(await stranger.locator('.verify-fail').innerText(), /签名无效[\s\S]*CERT_BAD_SIGNATURE/);
  await checkAxe(stranger, 'verify failed');

  // She claims her 电子结婚证 from 婚姻登记; the next 一次告知 does not ask for it.
  await page.goto(`${base}/my/certificates`);
  await page.getByRole('button', { name: /申领电子结婚证/ }).click();
  await page.waitForURL(/\/my\/certificates\/CN-MZ-/);
  await page.goto(`${base}/one-things/newborn/notice?${ANSWERS}`);
  assert.match(await marriageItem.innerText(), /免提交[\s\S]*您已有电子证照“结婚证”/);

  // Every read is on her 谁查看了我的数据 page, with the department.
  await page.goto(`${base}/my/data-access`);
  for (const group of await page.locator('ol.access details').all()) await group.locator('summary').click();
  const accesses = await page.locator('main').innerText();
  assert.match(accesses, /卫生健康委员会工作人员/);
  assert.match(accesses, /核验您是否符合一项条件（对方只得到“是”或“否”/);
  assert.match(accesses, /卫生健康委员会核验：申请人是否年满18周岁 → 是/);
  // 公安 verified her certificate on its task, and anyone with her link did.
  assert.match(accesses, /验证您的电子证照/);
  await context.close();
  await staffContext.close();
});

test('she may agree to 人口库 only: nothing of her husband is fetched', async () => {
  const base = server.base;
  const context = await browser.newContext();
  const page = await context.newPage();
  await login(page, base, 'wangfang');
  await page.goto(`${base}/one-things/newborn/apply?${ANSWERS}`);
  await page.locator('table.consent').waitFor();
  await page.getByLabel(/婚姻登记信息/).uncheck();
  await page.getByRole('button', { name: '同意，获取并预填' }).click();
  await page.waitForURL(/prefill=PF-/);
  assert.equal(await page.locator('input[name="mother.name"]').inputValue(), '王芳');
  assert.equal(await page.locator('input[name="father.id_number"]').inputValue(), '');
  assert.equal(await page.locator('input[name="father.name"]').inputValue(), '');
  // Unticking everything is not agreeing: the empty form.
  await page.goto(`${base}/one-things/newborn/apply?${ANSWERS}`);
  for (const box of await page.locator('input[type=checkbox][name^="source."]').all()) { await box.uncheck(); }
  await page.getByRole('button', { name: '同意，获取并预填' }).click();
  await page.waitForURL(/noprefill=1/);
  await context.close();
});
