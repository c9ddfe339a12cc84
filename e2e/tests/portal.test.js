// The applicant's and the departments' journeys in a real Chromium: 新生儿出生 from
// the portal search to submission, every department's work in the workbench with a
// supplement round trip, the case completing, access limited by department (by URL
// too), the same form without JavaScript, axe-core on every main page in both
// display modes, and screenshots at phone and desktop sizes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, login, seriousViolations, screenshots, fillForm, PNG } from '../lib.js';

let server;
let browser;
before(async () => { server = await startServer(); browser = await launch(); });
after(async () => { await browser?.close(); await server?.stop(); });

const ANSWERS = { hukou_local: '是', parents_married: '是', insure_child: '是', maternity_claim: '是' };
const OUTPUTS = {
  'child.birth_cert_no': 'Q440312345',
  'child.id_number': '110105202602100016',
  'child.medical_insurance_no': 'YB2026000001',
};
// Which department does which newborn item, in an order the dependencies allow.
const DEPARTMENT_ORDER = [
  ['staff-wj', '出生医学证明首次签发'],
  ['staff-jk', '预防接种证办理'],
  ['staff-wj', '生育登记'],
  ['staff-ga', '出生登记（户口登记）'],
  ['staff-yb', '生育医疗费用报销'],
  ['staff-yb', '城乡居民医保参保登记'],
  ['staff-rs', '社会保障卡申领'],
  ['staff-sw', '城乡居民医保缴费'],
];

async function checkAxe(page, label) {
  const violations = await seriousViolations(page);
  assert.deepEqual(violations, [], `${label}: ${JSON.stringify(violations, null, 1)}`);
}

/** From the home page search to the applied form; returns the case number. */
async function applyForNewborn(page, base, { withErrorRound }) {
  await page.goto(`${base}/`);
  await page.getByLabel('您想办什么事？').fill('生孩子');
  await page.getByRole('button', { name: '搜索' }).click();
  await page.getByRole('link', { name: '新生儿出生一件事' }).first().click();
  for (const [question, label] of Object.entries(ANSWERS)) {
    await page.locator(`fieldset#q-${question}`).getByLabel(label, { exact: true }).check();
  }
  await page.getByRole('button', { name: '查看一次告知' }).click();
  await assert.doesNotReject(page.getByText(/少交 \d+ 份材料/).waitFor());
  await page.getByRole('button', { name: '开始申请（一张表）' }).click();
  if (page.url().includes('/login')) {
    await page.getByLabel('用户名').fill('zhangsan');
    await page.getByLabel('密码').fill('demo-2026');
    await page.getByRole('button', { name: '登录' }).click();
  }
  await page.waitForURL(/\/apply/);
  // zhangsan is in the shared data: she is asked first, and types it herself here.
  await page.getByRole('button', { name: '不同意，我自己填写' }).click();
  await page.waitForURL(/noprefill=1/);
  // Prefilled from the applicant's own account, marked with its source.
  assert.equal(await page.locator('input[name="person.id_number"]').inputValue(), '11010519491231002X');
  await fillForm(page, 'form.apply');
  if (withErrorRound) {
    await page.locator('input[name="mother.id_number"]').fill('110105194912310021');
    // A text file named like a photo is refused by its content.
    await page.locator('input[name="material.child_photo"]').setInputFiles(
      { name: 'photo.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('this is not an image') });
    await page.getByRole('button', { name: '提交申请' }).click();
    const summary = page.locator('#error-summary');
    await summary.waitFor();
    assert.match(await summary.innerText(), /校验码/);
    assert.match(await page.locator('#f-mother-id_number-error').innerText(), /校验码/);
    assert.match(await page.locator('#f-material-child_photo-error').innerText(), /只接受 PDF、JPG、PNG 或 OFD/);
    // What the user typed is kept, and so is every file that was fine: only the
    // refused photo is chosen again.
    assert.equal(await page.locator('input[name="child.name"]').inputValue() !== '', true);
    assert.ok((await page.locator('p.kept').count()) >= 3, 'the accepted files are kept');
    assert.equal(await page.locator('#f-material-child_photo-kept').count(), 0, 'the refused file is not');
    await page.locator('input[name="mother.id_number"]').fill('11010519491231002X');
    await page.locator('input[name="material.child_photo"]').setInputFiles({ name: 'photo.png', mimeType: 'image/png', buffer: PNG });
  }
  await page.getByRole('button', { name: '提交申请' }).click();
  await page.waitForURL(/\/my\/cases\/YJS/);
  const number = (await page.locator('dl.receipt dd strong').first().innerText()).trim();
  assert.match(number, /^YJS\d{8}[0-9A-Z]{8}$/);
  return number;
}

async function openTask(page, base, taskName, caseNumber) {
  await page.goto(`${base}/workbench`);
  const row = page.locator('tr', { hasText: caseNumber }).filter({ hasText: taskName });
  await row.getByRole('link', { name: taskName }).click();
  await page.waitForURL(/\/workbench\/cases\//);
}

test('an applicant does 新生儿出生 and every department works it to completion', async () => {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  const applicant = await context.newPage();
  const caseNumber = await applyForNewborn(applicant, server.base, { withErrorRound: true });
  await screenshots(applicant, 'receipt');

  const staffContext = await browser.newContext();
  const staff = await staffContext.newPage();
  let current = '';
  let supplementDone = false;
  for (const [username, taskName] of DEPARTMENT_ORDER) {
    if (username !== current) {
      await staffContext.clearCookies();
      await login(staff, server.base, username);
      current = username;
    }
    await openTask(staff, server.base, taskName, caseNumber);
    if (taskName === '社会保障卡申领') {
      // The photo the applicant uploaded, for the department that needs it.
      const link = staff.getByRole('link', { name: '新生儿免冠照片' });
      const response = await staff.request.get(new URL(await link.getAttribute('href'), server.base).toString());
      assert.equal(response.headers()['content-type'], 'image/png');
    }
    await staff.getByRole('button', { name: '受理' }).click();
    await staff.waitForLoadState('load');
    if (taskName === '城乡居民医保参保登记' && !supplementDone) {
      await staff.getByLabel(/补正理由/).fill('请核对通讯地址，需写明门牌号');
      await staff.getByRole('button', { name: '要求补正' }).click();
      await staff.waitForLoadState('load');
      // The applicant sees one combined list and answers on the same page.
      // The request reaches the applicant's inbox, with an unread count on every page.
      await applicant.goto(`${server.base}/`);
      await applicant.getByRole('link', { name: /消息（\d+ 条未读）/ }).click();
      assert.match(await applicant.locator('ol.inbox').innerText(), /需要您补正：城乡居民医保参保登记/);
      await checkAxe(applicant, 'inbox');
      await applicant.goto(`${server.base}/my/cases/${caseNumber}`);
      assert.match(await applicant.locator('.supplement').innerText(), /门牌号/);
      await applicant.locator('input[name="person.address"]').fill('北京市东城区东四十条1号');
      await applicant.getByLabel('补正说明').fill('已补充门牌号');
      await applicant.getByRole('button', { name: '提交补正' }).click();
      await applicant.waitForLoadState('load');
      assert.equal(await applicant.locator('.supplement').count(), 0);
      supplementDone = true;
      await openTask(staff, server.base, taskName, caseNumber);
    }
    if (taskName === '社会保障卡申领') {
      // A blurred photo: 人社 asks for a new one, the applicant uploads it on her
      // case page, and 人社 sees it beside the first.
      await staff.getByLabel(/补正理由/).fill('照片模糊，请重新上传清晰的免冠照片');
      await staff.getByLabel('新生儿免冠照片').check();
      await staff.getByRole('button', { name: '要求补正' }).click();
      await staff.waitForLoadState('load');
      await applicant.goto(`${server.base}/my/cases/${caseNumber}`);
      assert.match(await applicant.locator('.supplement').innerText(), /请重新上传：新生儿免冠照片/);
      await applicant.getByRole('button', { name: '提交补正' }).click();
      await applicant.waitForLoadState('load');
      assert.match(await applicant.locator('#error-summary').innerText(), /请重新上传：新生儿免冠照片/);
      await applicant.getByLabel(/重新上传：新生儿免冠照片/).setInputFiles({
        name: 'photo-2.png', mimeType: 'image/png',
        buffer: Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex'),
      });
      await applicant.getByRole('button', { name: '提交补正' }).click();
      await applicant.waitForLoadState('load');
      assert.equal(await applicant.locator('.supplement').count(), 0);
      await openTask(staff, server.base, taskName, caseNumber);
      assert.match(await staff.locator('main').innerText(), /新生儿免冠照片[^\n]*补正后第 2 版/);
    }
    for (const [element, value] of Object.entries(OUTPUTS)) {
      const input = staff.locator(`input[name="${element}"]`);
      if (await input.count()) { await input.fill(value); }
    }
    await staff.getByRole('button', { name: '办结', exact: true }).click();
    await staff.waitForLoadState('load');
    assert.match(await staff.locator('dl.receipt').innerText(), /已办结/, `${taskName} approved`);
  }
  await applicant.goto(`${server.base}/my/cases/${caseNumber}`);
  assert.match(await applicant.locator('dl.receipt').first().innerText(), /已办结/);
  // The parents see what was produced for them, the child's ID number first of all.
  const results = await applicant.locator('dl.results').innerText();
  assert.match(results, /新生儿公民身份号码\s*110105202602100016/);
  assert.equal(await applicant.locator('.timeline .tag', { hasText: '已办结' }).count(), 8);
  // 好差评: a level must be chosen; then the rating is shown instead of the form.
  await applicant.getByRole('button', { name: '提交评价' }).click();
  assert.match(await applicant.locator('#error-summary').innerText(), /请选择满意程度/);
  await applicant.getByLabel('满意', { exact: true }).check();
  // The form came back with its problems: the itemised part is already open.
  assert.notEqual(await applicant.locator('details').getAttribute('open'), null);
  await applicant.getByLabel('办事效率').selectOption({ label: '满意' });
  await applicant.getByLabel('公安局（一事一评）').selectOption({ label: '非常不满意' });
  // A bad rating needs its reason; what was chosen is kept while it is asked for.
  await applicant.getByRole('button', { name: '提交评价' }).click();
  assert.match(await applicant.locator('#error-summary').innerText(), /请写明原因/);
  assert.equal(await applicant.getByLabel('满意', { exact: true }).isChecked(), true);
  assert.equal(await applicant.getByLabel('公安局（一事一评）').inputValue(), '1');
  await applicant.getByLabel(/意见或建议/).fill('一次都没跑，但户口登记等得太久');
  await applicant.getByRole('button', { name: '提交评价' }).click();
  await applicant.waitForLoadState('load');
  const rated = applicant.locator('section', { hasText: '您的评价' });
  assert.match(await rated.innerText(), /满意：一次都没跑/);
  assert.match(await rated.innerText(), /公安局：非常不满意/);
  assert.match(await rated.innerText(), /整改中/, 'the bad part opened a rectification');
  assert.equal(await applicant.getByRole('button', { name: '提交评价' }).count(), 0, 'one rating per case');

  // 公安 follows up and closes the rectification; the applicant sees the result.
  await staffContext.clearCookies();
  await login(staff, server.base, 'staff-ga');
  await staff.goto(`${server.base}/workbench`);
  await staff.getByRole('link', { name: '差评整改' }).click();
  await checkAxe(staff, 'rectifications');
  await staff.locator('table a', { hasText: caseNumber }).click();
  await staff.getByLabel('整改已完成，将结果告知申请人').check();
  await staff.getByRole('button', { name: '保存' }).click();
  assert.match(await staff.locator('#error-summary').innerText(), /回访记录/);
  assert.match(await staff.locator('#error-summary').innerText(), /整改结果/);
  await staff.getByLabel(/回访记录/).fill('已电话回访，申请人认可');
  await staff.getByLabel(/整改结果/).fill('户口登记改为当日受理、次日办结');
  await staff.getByLabel('整改已完成，将结果告知申请人').check();
  await staff.getByRole('button', { name: '保存' }).click();
  await staff.waitForLoadState('load');
  assert.match(await staff.locator('dl.receipt').innerText(), /户口登记改为当日受理/);
  await checkAxe(staff, 'rectification');
  await applicant.goto(`${server.base}/my/cases/${caseNumber}`);
  assert.match(await applicant.locator('section', { hasText: '您的评价' }).innerText(), /已整改——户口登记改为当日受理、次日办结/);
  await screenshots(applicant, 'case-completed');
  // 谁查看了我的数据: every department that read the case, each proven in the ledger.
  await applicant.getByRole('link', { name: '谁查看了我的数据' }).click();
  // Grouped by day, reader and case, with counts; each group opens on its entries.
  const groups = applicant.locator('ol.access > li');
  assert.ok((await groups.count()) >= 4, 'each department\'s reads are a group');
  assert.ok((await applicant.locator('ol.access-entries > li').count()) >= 8, 'every read is behind its group');
  assert.equal(await applicant.locator('ol.access-entries').first().isVisible(), false, 'closed until asked');
  await groups.first().locator('summary').click();
  assert.equal(await applicant.locator('ol.access-entries').first().isVisible(), true);
  assert.doesNotMatch(await applicant.locator('main').innerText(), /birth_date|[a-z]+_[a-z]+/, 'no raw keys');
  assert.match(await applicant.locator('ol.access').innerText(), /公安局工作人员/);
  assert.equal(await applicant.locator('ol.access .tag', { hasText: '待验证' }).count(), 0, 'all proven');
  await checkAxe(applicant, 'data access');
  await screenshots(applicant, 'data-access');
  assert.ok(supplementDone);

  // 免申即享: the birth registered, 育儿补贴 was found for the child the same minute,
  // with its reasons, on the parent's 我的待遇.
  await applicant.goto(`${server.base}/my/benefits`);
  const benefit = applicant.locator('ol.benefits > li', { hasText: '育儿补贴' });
  assert.equal(await benefit.count(), 1, await applicant.locator('main').innerText());
  assert.match(await benefit.innerText(), /\d+\.\d{2} 元/);
  assert.match(await benefit.innerText(), /✔ 符合/);
  await checkAxe(applicant, 'my benefits');
  // 卫健 finds the child on its list by the whole ID number, then runs the policy over
  // everyone from its page: the page follows the run until it has ended.
  await staffContext.clearCookies();
  await login(staff, server.base, 'staff-wj');
  await staff.goto(`${server.base}/workbench/policies/childcare_subsidy?q=${OUTPUTS['child.id_number']}`);
  assert.match(await staff.locator('main table').last().innerText(), /已认定/);
  await staff.getByRole('button', { name: '运行政策' }).click();
  await staff.waitForURL(/\?run=PR[0-9A-F]+/);
  await staff.getByText(/已运行（\d{4}年度，评估日 /).waitFor({ timeout: 60000 });
  const runs = staff.locator('h3:has-text("运行记录") + table');
  assert.match(await runs.locator('tbody tr').first().innerText(), /已完成/);
  assert.match(await runs.locator('tbody tr').first().innerText(), /卫生健康委员会工作人员/);
  await checkAxe(staff, 'policy page after a run');
  await context.close();
  await staffContext.close();
});

test('a staff member cannot open another department\'s task, even by URL', async () => {
  const context = await browser.newContext();
  const applicant = await context.newPage();
  const caseNumber = await applyForNewborn(applicant, server.base, { withErrorRound: false });
  await context.clearCookies();
  const page = await context.newPage();
  await login(page, server.base, 'staff-ga');
  const response = await page.goto(`${server.base}/workbench/cases/${caseNumber}/tasks/GG00101001`);
  assert.equal(response.status(), 404);
  assert.match(await page.locator('h1').innerText(), /没有找到/);
  // Nor the applicant's own case page.
  const mine = await page.goto(`${server.base}/my/cases/${caseNumber}`);
  assert.equal(mine.status(), 404);
  await context.close();
});

test('a mistyped address shows the site\'s own 404 page with the way home', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const response = await page.goto(`${server.base}/this/does/not/exist`);
  assert.equal(response.status(), 404);
  assert.match(response.headers()['content-type'], /text\/html/);
  assert.match(await page.locator('h1').innerText(), /没有找到/);
  await page.getByRole('link', { name: '返回首页' }).click();
  await page.waitForLoadState('load');
  assert.equal(new URL(page.url()).pathname, '/');
  await context.close();
});

test('window staff (综合窗口) submit a case for a person who came in', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await login(page, server.base, 'staff-zw');
  await page.getByRole('link', { name: '窗口代办' }).click();
  await page.getByLabel('您想办什么事？').fill('上户口');
  await page.getByRole('button', { name: '搜索' }).click();
  await page.getByRole('link', { name: '新生儿出生一件事' }).first().click();
  for (const [question, label] of Object.entries(ANSWERS)) {
    await page.locator(`fieldset#q-${question}`).getByLabel(label, { exact: true }).check();
  }
  await page.getByRole('button', { name: '查看一次告知' }).click();
  await page.getByRole('button', { name: '开始申请（一张表）' }).click();
  await page.waitForURL(/\/apply/);
  // The person is named by their ID number; a wrong one is refused with the reason.
  await page.getByLabel('办事群众姓名').fill('王芳');
  await page.getByLabel('办事群众公民身份号码').fill('320102198506151235');
  await fillForm(page, 'form.apply');
  await page.getByRole('button', { name: '提交申请' }).click();
  assert.match(await page.locator('#f-applicant-id_number-error').innerText(), /校验码/);
  // Someone else's ID number with another name: refused, never filed into their account.
  await page.getByLabel('办事群众公民身份号码').fill('11010519491231002X');
  await fillForm(page, 'form.apply');
  await page.getByRole('button', { name: '提交申请' }).click();
  assert.match(await page.locator('#f-applicant-name-error').innerText(), /姓名与该公民身份号码登记的姓名不一致/);
  await page.getByLabel('办事群众公民身份号码').fill('320102198506151236');
  await fillForm(page, 'form.apply');
  await page.getByRole('button', { name: '提交申请' }).click();
  await page.locator('h1', { hasText: '窗口受理成功' }).waitFor();
  const number = (await page.locator('main p').first().innerText()).match(/YJS\d{8}[0-9A-Z]{8}/)[0];
  await page.getByRole('link', { name: '窗口代评' }).click();
  await page.getByLabel('办件编号').fill(number);
  await page.getByRole('button', { name: '查找' }).click();
  assert.match(await page.locator('main').innerText(), /办件尚未办结/);
  await checkAxe(page, 'window rating');
  // It reaches the first department like any other case.
  await context.clearCookies();
  await login(page, server.base, 'staff-wj');
  await page.goto(`${server.base}/workbench`);
  assert.equal(await page.locator('tr', { hasText: number }).count(), 1);
  await context.close();
});

test('a draft stays with its account and is gone from the browser after logout', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const form = `${server.base}/one-things/newborn/apply?hukou_local=yes&parents_married=no&insure_child=no&maternity_claim=no&noprefill=1`;
  await login(page, server.base, 'zhangsan');
  await page.goto(form);
  await page.locator('input[name="person.phone"]').fill('13912345678');
  await page.locator('input[name="person.phone"]').blur();
  const saved = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('draft-')));
  assert.equal(saved.length, 1, 'the draft is kept while she works');
  // Back later in the same session: restored.
  await page.goto(form);
  assert.match(await page.locator('form.apply').innerText(), /已恢复您上次未提交的草稿/);
  // She logs out; the next person on this browser finds nothing of hers.
  await page.getByRole('button', { name: /退出/ }).click();
  await page.waitForLoadState('load');
  const left = await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('draft-')));
  assert.deepEqual(left, []);
  await login(page, server.base, 'lisi');
  await page.goto(form);
  assert.doesNotMatch(await page.locator('main').innerText(), /已恢复您上次未提交的草稿/);
  assert.equal(await page.locator('input[name="person.phone"]').inputValue(), '');
  await context.close();
});

test('the same form works with JavaScript disabled', async () => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  const caseNumber = await applyForNewborn(page, server.base, { withErrorRound: true });
  assert.match(caseNumber, /^YJS/);
  await context.close();
});

test('main pages have no serious accessibility violations in either display mode, and are photographed', async () => {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  const page = await context.newPage();
  const base = server.base;
  const visit = async (name, url) => {
    await page.goto(`${base}${url}`);
    await checkAxe(page, `${name} (standard)`);
    await screenshots(page, name);
  };
  const caseNumber = await applyForNewborn(page, base, { withErrorRound: false });
  const pages = [
    ['home', '/'],
    ['search', '/?q=' + encodeURIComponent('开饭店')],
    ['one-thing', '/one-things/newborn'],
    ['notice', '/one-things/newborn/notice?hukou_local=yes&parents_married=yes&insure_child=yes&maternity_claim=yes'],
    ['consent', '/one-things/newborn/apply?hukou_local=yes&parents_married=no&insure_child=no&maternity_claim=no'],
    ['apply', '/one-things/newborn/apply?hukou_local=yes&parents_married=no&insure_child=no&maternity_claim=no&noprefill=1'],
    ['my-cases', '/my/cases'],
    ['case', `/my/cases/${caseNumber}`],
  ];
  for (const [name, url] of pages) { await visit(name, url); }
  // The form with errors.
  await page.goto(`${base}/one-things/newborn/apply?hukou_local=yes&parents_married=no&insure_child=no&maternity_claim=no&noprefill=1`);
  await page.getByRole('button', { name: '提交申请' }).click();
  await page.locator('#error-summary').waitFor();
  await checkAxe(page, 'apply with errors');
  await screenshots(page, 'apply-errors');
  // Large text and high contrast, switched from the page and remembered.
  await page.goto(`${base}/`);
  await page.getByRole('link', { name: '大字模式' }).click();
  await page.getByRole('link', { name: '高对比度' }).click();
  assert.match(await page.locator('html').getAttribute('class'), /large/);
  assert.match(await page.locator('html').getAttribute('class'), /contrast/);
  for (const [name, url] of pages) {
    await page.goto(`${base}${url}`);
    assert.match(await page.locator('html').getAttribute('class'), /contrast/, 'the mode is remembered');
    await checkAxe(page, `${name} (large, high contrast)`);
  }
  await screenshots(page, 'case-large-contrast');
  // The workbench, in both modes.
  await context.clearCookies();
  await login(page, base, 'staff-wj');
  await page.goto(`${base}/workbench`);
  await checkAxe(page, 'workbench');
  await screenshots(page, 'workbench');
  await page.locator('table.queue a').first().click();
  const taskUrl = page.url();
  await checkAxe(page, 'task');
  await screenshots(page, 'task');
  await page.getByRole('link', { name: '大字模式' }).click();
  await page.getByRole('link', { name: '高对比度' }).click();
  for (const url of [`${base}/workbench`, taskUrl]) {
    await page.goto(url);
    assert.match(await page.locator('html').getAttribute('class'), /large contrast/);
    await checkAxe(page, `${url} (large, high contrast)`);
  }
  await screenshots(page, 'task-large-contrast');
  // 卫健 leads 新生儿出生: it sees every department's progress of the open cases.
  await page.goto(`${base}/workbench`);
  await page.getByRole('link', { name: '牵头督办' }).click();
  assert.match(await page.locator('main').innerText(), new RegExp(caseNumber));
  await checkAxe(page, 'lead overview');
  await screenshots(page, 'lead');
  // The admin's view of the catalog as designed and of the live cases.
  await context.clearCookies();
  await login(page, base, 'admin');
  await page.goto(`${base}/admin`);
  await checkAxe(page, 'admin catalog');
  await screenshots(page, 'admin');
  await page.getByRole('link', { name: '新生儿出生一件事' }).click();
  assert.equal(await page.locator('figure svg rect').count(), 8, 'one box per newborn item');
  await checkAxe(page, 'admin one-thing');
  await screenshots(page, 'admin-one-thing');
  await page.goto(`${base}/admin/cases?one_thing=newborn&state=in_progress`);
  assert.ok((await page.locator('tbody tr').count()) >= 1, 'the case submitted above is listed');
  await checkAxe(page, 'admin cases');
  await page.getByRole('link', { name: '统计' }).click();
  assert.match(await page.locator('h1').innerText(), /效能统计/);
  assert.ok((await page.locator('figure svg').count()) >= 2, 'charts drawn on the server');
  await checkAxe(page, 'dashboard');
  await screenshots(page, 'dashboard');
  await page.goto(`${base}/admin/rectifications`);
  await checkAxe(page, 'rectifications (supervisor)');
  await page.getByRole('link', { name: '大字模式' }).click();
  await page.getByRole('link', { name: '高对比度' }).click();
  for (const url of ['/admin', '/admin/one-things/newborn', '/admin/cases', '/dashboard', '/admin/rectifications']) {
    await page.goto(`${base}${url}`);
    await checkAxe(page, `${url} (large, high contrast)`);
  }
  await page.goto(`${base}/login`);
  await checkAxe(page, 'login');
  await context.close();
});

test('no page scrolls sideways on a 320 px phone, and touch targets are big enough, in standard or large text', async () => {
  const context = await browser.newContext({ viewport: { width: 320, height: 640 } });
  const page = await context.newPage();
  const base = server.base;
  const failures = [];
  const measure = async (urls) => {
    for (const large of [false, true]) {
      await page.goto(`${base}/display?mode=${large ? 'large' : 'normal'}&back=%2F`);
      for (const url of urls) {
        await page.goto(`${base}${url}`);
        const width = await page.evaluate(() => document.documentElement.scrollWidth);
        if (width > 320) {
          // Name the widest elements, so that the failure says what to fix.
          const culprits = await page.evaluate(() => [...document.querySelectorAll('body *')]
            .filter((e) => e.getBoundingClientRect().right > 321 && e.children.length === 0)
            .slice(0, 3)
            .map((e) => `<${e.tagName.toLowerCase()} class="${e.className}" type="${e.type || ""}" name="${e.name || ""}" in ${e.parentElement.tagName.toLowerCase()}.${e.parentElement.className}>${e.textContent.trim().slice(0, 30)}`));
          failures.push(`${url}${large ? ' (大字模式)' : ''}: ${width}px ${culprits.join(' | ')}`);
        }
        // Touch targets (WCAG 2.5.5 in 大字模式, 2.5.8 otherwise): controls, the
        // choices with their labels, and the header's links. Links inside a sentence
        // are exempt, as the criteria allow.
        const least = large ? 44 : 24;
        const small = await page.evaluate((least) => [...document.querySelectorAll(
          'button:not(.link), header button, select, textarea, input:not([type=hidden]):not([type=radio]):not([type=checkbox]), label.choice, header a, nav a')]
          .filter((e) => e.offsetParent !== null)
          .map((e) => ({ e, box: e.getBoundingClientRect() }))
          .filter(({ box }) => box.height < least - 0.5 || box.width < least - 0.5)
          .slice(0, 4)
          .map(({ e, box }) => `<${e.tagName.toLowerCase()} class="${e.className}">${(e.textContent || e.name || '').trim().slice(0, 20)} ${Math.round(box.width)}×${Math.round(box.height)}`), least);
        if (small.length) {
          failures.push(`${url}${large ? ' (大字模式)' : ''}: targets under ${least}px: ${small.join(' | ')}`);
        }
      }
    }
  };
  await measure(['/', '/?q=' + encodeURIComponent('开饭店'), '/one-things/newborn',
    '/one-things/newborn/notice?hukou_local=yes&parents_married=yes&insure_child=yes&maternity_claim=yes',
    '/login', '/verify', '/this/does/not/exist']);
  const caseNumber = await applyForNewborn(page, base, { withErrorRound: false });
  await measure(['/one-things/newborn/apply?hukou_local=yes&parents_married=no&insure_child=no&maternity_claim=no&noprefill=1',
    '/my/cases', `/my/cases/${caseNumber}`, '/my/data-access', '/inbox', '/my/certificates']);
  await context.clearCookies();
  await login(page, base, 'staff-wj');
  await measure(['/workbench', `/workbench/cases/${caseNumber}/tasks/GG00101001`, '/workbench/rectifications', '/dashboard']);
  await context.clearCookies();
  await login(page, base, 'admin');
  await measure(['/admin', '/admin/one-things/newborn', '/admin/cases', `/admin/cases/${caseNumber}`,
    '/admin/rectifications', '/admin/calendar', '/dashboard']);
  assert.deepEqual(failures, [], 'pages wider than the phone, or targets too small');
  await context.close();
});
