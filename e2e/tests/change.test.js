// 企业信息变更 in a real Chromium: 李四 agrees to 法人库 without typing a credit code,
// his one enterprise is found and its registered data prefilled; he types the new
// name beside the registered one (labelled 变更前), the receipt lists the change and
// no 更正, and 市场监管 sees 变更前 and 变更后 side by side on the task page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, login, seriousViolations, screenshots, fillForm } from '../lib.js';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.stop(); });

const ANSWERS = 'change_name=yes&change_legal_rep=no&change_address=no&change_scope=no'
  + '&has_employees_insured=no&has_housing_fund=no';
const OLD_NAME = '深圳市南山区李四餐饮管理有限公司';
const NEW_NAME = '深圳市南山区李四餐饮集团有限公司';
const USCC = '91440305MA5GLT4E4A';

async function checkAxe(page, label) {
  const violations = await seriousViolations(page);
  assert.deepEqual(violations, [], `${label}: ${JSON.stringify(violations, null, 1)}`);
}

test('lisi changes his enterprise name: offered from 法人库, new name beside the old, staff see both', async () => {
  const base = server.base;
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  const page = await context.newPage();
  await login(page, base, 'lisi');

  // The consent screen: no credit code to type, his enterprises are looked up once he agrees.
  await page.goto(`${base}/one-things/enterprise-change/apply?${ANSWERS}`);
  await page.locator('table.consent').waitFor();
  assert.match(await page.locator('main').innerText(), /查找您担任法定代表人的企业/);
  assert.equal(await page.getByLabel('企业统一社会信用代码').inputValue(), '');
  await page.getByRole('button', { name: '同意，获取并预填' }).click();
  await page.waitForURL(/prefill=PF-/);

  // His only enterprise is used: the credit code and the registered name are filled.
  assert.equal(await page.locator('input[name="enterprise.uscc"]').inputValue(), USCC);
  const oldName = page.locator('input[name="enterprise.name"]');
  assert.equal(await oldName.inputValue(), OLD_NAME);
  const oldField = page.locator('.field', { has: oldName });
  assert.match(await oldField.innerText(), /企业名称（变更前，登记信息）/);
  assert.match(await oldField.innerText(), /共享数据·法人基础信息库（市场监督管理局）/);
  // The new name is asked beside it; what does not change is not asked.
  const newName = page.locator('input[name="enterprise.new_name"]');
  const newField = page.locator('.field', { has: newName });
  assert.match(await newField.innerText(), new RegExp(`变更后企业名称[\\s\\S]*变更前（登记信息）：${OLD_NAME}`));
  assert.equal(await page.locator('input[name="enterprise.new_address"]').count(), 0);
  assert.equal(await page.locator('input[name="enterprise.new_legal_rep_name"]').count(), 0);
  await newName.fill(NEW_NAME);
  await checkAxe(page, 'change form');
  await screenshots(page, 'change-form');
  await fillForm(page, 'form.apply');
  await page.getByRole('button', { name: '提交申请' }).click();
  await page.waitForURL(/\/my\/cases\/YJS/);
  const caseNumber = (await page.locator('dl.receipt dd strong').first().innerText()).trim();

  // The receipt: the change applied for, no correction of shared data.
  const receipt = await page.locator('main').innerText();
  assert.match(receipt, new RegExp(`企业名称：由“${OLD_NAME}”变更为“${NEW_NAME}”`));
  assert.doesNotMatch(receipt, /更正/);
  await checkAxe(page, 'change receipt');

  // 市场监管's task page: 变更前 → 变更后.
  const staffContext = await browser.newContext();
  const staff = await staffContext.newPage();
  await login(staff, base, 'staff-sj');
  await staff.goto(`${base}/workbench/cases/${caseNumber}/tasks/XK00601002`);
  const row = staff.locator('table.changes tbody tr', { hasText: '企业名称' });
  assert.deepEqual(
    (await row.locator('td').allInnerTexts()).map((t) => t.trim()),
    [OLD_NAME, NEW_NAME],
  );
  assert.equal(await staff.locator('table.changes tbody tr').count(), 1);
  await checkAxe(staff, 'task with changes');
  await screenshots(staff, 'change-task');

  // 市场监管's read is on his 谁查看了我的数据 page, naming only what the case holds.
  await page.goto(`${base}/my/data-access`);
  for (const group of await page.locator('ol.access details').all()) await group.locator('summary').click();
  const accesses = await page.locator('main').innerText();
  assert.match(accesses, /市场监督管理局工作人员[\s\S]*变更后企业名称/);
  assert.doesNotMatch(accesses, /变更后法定代表人姓名/);
  await context.close();
  await staffContext.close();
});
