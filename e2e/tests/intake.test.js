// 说说您要办的事 in a real Chromium: a description becomes a proposal whose every
// answer and value shows the sentence it came from; the applicant confirms or
// corrects each, and the one form opens filled with what they confirmed and is
// submitted — timed against the five minutes the issue sets.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, login, seriousViolations, fillForm } from '../lib.js';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.stop(); });

const DESCRIPTION = '我老婆上周三在市妇幼生了个女儿，我们都是本市户口，想给孩子上户口、办医保';

test('from a description to a submitted 新生儿出生 application, confirming each proposal', async () => {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  await login(page, server.base, 'zhangsan');
  const started = Date.now();
  await page.goto(`${server.base}/`);
  await page.getByRole('link', { name: '用自己的话说说要办的事' }).click();
  await page.getByLabel(/用自己的话说说要办什么/).fill(DESCRIPTION);
  await page.getByRole('button', { name: '看看怎么办' }).click();
  await page.getByRole('heading', { name: '建议办理：新生儿出生一件事' }).waitFor();
  assert.deepEqual(await seriousViolations(page), []);

  // Each inferred answer names its sentence and is preselected, not hidden.
  const hukou = page.locator('fieldset#q-hukou_local');
  assert.match(await hukou.innerText(), /根据您说的“我们都是本市户口”/);
  assert.equal(await hukou.locator('input[value="yes"]').isChecked(), true);
  // 生育保险 was not mentioned: nothing is chosen for it; the applicant chooses.
  const maternity = page.locator('fieldset#q-maternity_claim');
  assert.equal(await maternity.locator('input:checked').count(), 0);
  await maternity.getByLabel('否', { exact: true }).check();

  // The values read from the description, each with its sentence; the applicant
  // ticks the ones to use (all of them here) after checking them.
  assert.equal(await page.locator('input[name="field.child.sex"]').inputValue(), '女');
  assert.equal(await page.locator('input[name="field.child.birth_hospital"]').inputValue(), '市妇幼');
  for (const box of await page.locator('input[type=checkbox][name^="use."]').all()) {
    await box.check();
  }
  await page.getByRole('button', { name: '确认，填写申请表' }).click();

  // The one form, filled with what was confirmed; the rest is typed, then submitted.
  await page.locator('form.apply').waitFor();
  assert.equal(await page.locator('select[name="child.sex"]').inputValue(), '女');
  assert.equal(await page.locator('input[name="child.birth_hospital"]').inputValue(), '市妇幼');
  await fillForm(page, 'form.apply');
  await page.getByRole('button', { name: '提交申请' }).click();
  await page.waitForURL(/\/my\/cases\/YJS/);
  const elapsed = Date.now() - started;
  assert.ok(elapsed < 5 * 60 * 1000, `took ${elapsed} ms`);
  await context.close();
});
