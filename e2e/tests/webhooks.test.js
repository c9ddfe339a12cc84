// Signed webhooks checked by an independent implementation of the Standard Webhooks
// specification: the `standardwebhooks` package (the specification's own reference
// library for JavaScript). The real `onething demo` delivers to a node HTTP server
// in this test the events of real cases — 张三 applies for 新生儿出生 twice over
// the API, so task.dispatched reaches 卫健's subscriptions, and 卫健 rejects one
// of them (case.rejected). Every delivery verifies with the subscription's secret,
// shown once at creation; one changed byte of the body, a changed webhook-id, a
// changed or old timestamp and another subscription's secret are refused. The
// Ed25519 (`v1a`) signatures, which that package does not check, are verified with
// node's own Ed25519. The README's few lines of Python for a department system
// agree with the package on a real delivery.
import { test, before, after, mock } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import crypto from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { startServer, PASSWORD, root } from '../lib.js';

/** What a department system received: path, headers (lower-case names), raw body. */
const received = [];
let receiver;
let receiverBase;
let server;

before(async () => {
  receiver = http.createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      received.push({
        path: request.url,
        headers: request.headers,
        body: Buffer.concat(chunks),
        at: Math.floor(Date.now() / 1000),
      });
      response.writeHead(204).end();
    });
  });
  await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverBase = `http://127.0.0.1:${receiver.address().port}`;
  // The dispatcher looks for due deliveries every 50 ms instead of 500 ms.
  server = await startServer({ args: ['--dispatch-idle-ms', '50'] });
});
after(async () => {
  await server?.stop();
  await new Promise((resolve) => receiver?.close(resolve) ?? resolve());
});

async function api(method, path, token, body) {
  const headers = {};
  if (token) { headers.authorization = `Bearer ${token}`; }
  if (body !== undefined) { headers['content-type'] = 'application/json'; }
  const answer = await fetch(`${server.base}/api/v1${path}`, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await answer.text();
  return { status: answer.status, body: text ? JSON.parse(text) : null };
}

async function loginAs(username) {
  const { status, body } = await api('POST', '/login', null, { username, password: PASSWORD });
  assert.equal(status, 200, JSON.stringify(body));
  return body.token;
}

// A one-pixel PNG: what the server's content sniffing accepts as a scan.
const SCAN = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48,
  0x44, 0x52, 0, 0, 0, 1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1f, 0x15, 0xc4, 0x89]);

/** 张三 applies for 新生儿出生 with the catalog's example application: the case id. */
async function zhangsanApplies(token) {
  const example = await (await fetch(`${server.base}/api/v1/catalog/one-things/newborn/example`)).json();
  const form = new FormData();
  form.append('submission', JSON.stringify(example.submission));
  for (const upload of example.uploads) {
    form.append(upload.part, new Blob([SCAN], { type: 'image/png' }), 'scan.png');
  }
  const answer = await fetch(`${server.base}/api/v1/cases`, {
    method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form,
  });
  const body = await answer.json();
  assert.equal(answer.status, 201, JSON.stringify(body));
  return body.id;
}

/** Waits until `ready()` holds, polling every 50 ms, for at most `seconds`. */
async function until(ready, seconds, what) {
  const deadline = Date.now() + seconds * 1000;
  while (!ready()) {
    if (Date.now() > deadline) { assert.fail(`${what}: not within ${seconds} s`); }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const at = (path) => received.filter((delivery) => delivery.path === path);

/** The three Standard Webhooks headers of a delivery, as a receiver hands them on. */
function signed(delivery) {
  const { headers } = delivery;
  return {
    'webhook-id': headers['webhook-id'],
    'webhook-timestamp': headers['webhook-timestamp'],
    'webhook-signature': headers['webhook-signature'],
  };
}

/** The package's verdict on a delivery: the parsed payload, or the error it threw. */
function verdict(secret, payload, headers) {
  try {
    return { payload: new Webhook(secret).verify(payload, headers) };
  } catch (error) {
    return { error };
  }
}

/** Runs the README's Python verifier on a delivery: whether it accepts it. */
function readmeVerifies(secret, headers, body) {
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('A department system checks a delivery like this'));
  const start = section.indexOf('```python\n') + '```python\n'.length;
  const code = section.slice(start, section.indexOf('```', start));
  const driver = '\nimport base64, json, sys\n'
    + 'given = json.load(sys.stdin)\n'
    + 'print(verify(given["secret"], given["headers"], base64.b64decode(given["body"])))\n';
  const run = spawnSync('python3', ['-c', code + driver], {
    input: JSON.stringify({ secret, headers, body: body.toString('base64') }),
    encoding: 'utf8',
  });
  assert.equal(run.status, 0, run.stderr);
  return run.stdout.trim() === 'True';
}

function assertRefused(secret, payload, headers, reason, label) {
  const { error } = verdict(secret, payload, headers);
  assert.ok(error instanceof WebhookVerificationError, `${label}: accepted`);
  assert.match(error.message, reason, label);
}

test('every delivery verifies with the standardwebhooks package; tampering and old timestamps are refused', async () => {
  const admin = await loginAs('admin');
  // 卫健's tasks and its cases' outcomes (not, say, the findings of a policy run the
  // demo may start meanwhile).
  const event_types = ['task.dispatched', 'case.rejected'];
  const hmac = await api('POST', '/admin/webhooks', admin, { department: 'WJ', url: `${receiverBase}/wj`, event_types });
  assert.equal(hmac.status, 201, JSON.stringify(hmac.body));
  const secret = hmac.body.secret;
  assert.match(secret, /^whsec_[A-Za-z0-9+/]+=*$/);
  const ed = await api('POST', '/admin/webhooks', admin, { department: 'WJ', url: `${receiverBase}/wj-ed25519`, scheme: 'v1a', event_types });
  assert.equal(ed.status, 201, JSON.stringify(ed.body));
  assert.equal(ed.body.secret, null, 'an Ed25519 receiver holds no secret');
  const publicKey = ed.body.subscription.public_key;
  // A third subscription: its secret must not verify the others' messages.
  const other = await api('POST', '/admin/webhooks', admin, { department: 'GA', url: `${receiverBase}/ga` });
  assert.equal(other.status, 201, JSON.stringify(other.body));

  // Real events: two applications reach 卫健 (task.dispatched), 卫健 rejects the first
  // (case.rejected).
  const zhangsan = await loginAs('zhangsan');
  const first = await zhangsanApplies(zhangsan);
  const second = await zhangsanApplies(zhangsan);
  const wj = await loginAs('staff-wj');
  const rejected = await api('POST', `/cases/${first}/tasks/GG00101001/reject`, wj, { reason: '出生记录与医院登记不符' });
  assert.equal(rejected.status, 200, JSON.stringify(rejected.body));

  const events = (path) => at(path).map((delivery) => {
    const body = JSON.parse(delivery.body.toString('utf8'));
    return `${body.data.case_id} ${body.type}`;
  }).sort();
  const expected = [`${first} case.rejected`, `${first} task.dispatched`, `${second} task.dispatched`].sort();
  await until(() => at('/wj').length >= 3 && at('/wj-ed25519').length >= 3, 30, 'three deliveries to each of 卫健\'s endpoints');
  assert.deepEqual(events('/wj'), expected);
  assert.deepEqual(events('/wj-ed25519'), expected);

  for (const delivery of at('/wj')) {
    const headers = signed(delivery);
    const payload = delivery.body.toString('utf8');
    // Signed now, by the receiver's clock: within a few seconds.
    assert.ok(Math.abs(Number(headers['webhook-timestamp']) - delivery.at) <= 5, headers['webhook-timestamp']);

    // The package verifies it with the secret shown at creation and returns the payload.
    const { payload: verified, error } = verdict(secret, payload, headers);
    assert.equal(error, undefined, `${headers['webhook-id']}: ${error?.message}`);
    assert.deepEqual(verified, JSON.parse(payload));

    // One changed byte of the body (a digit of the case id) is refused.
    const position = payload.indexOf(verified.data.case_id) + verified.data.case_id.length - 1;
    const changed = payload.slice(0, position) + (payload[position] === '0' ? '1' : '0') + payload.slice(position + 1);
    assert.equal(Buffer.byteLength(changed), Buffer.byteLength(payload));
    assertRefused(secret, changed, headers, /No matching signature/, 'a changed byte');
    // So is a changed message id, and a timestamp moved by one second (it is signed).
    assertRefused(secret, payload, { ...headers, 'webhook-id': `${headers['webhook-id']}0` }, /No matching signature/, 'a changed id');
    const timestamp = Number(headers['webhook-timestamp']);
    assertRefused(secret, payload, { ...headers, 'webhook-timestamp': String(timestamp - 1) }, /No matching signature/, 'a changed timestamp');
    // A timestamp older than the specification's tolerance of 5 minutes is refused
    // before the signature is looked at.
    assertRefused(secret, payload, { ...headers, 'webhook-timestamp': String(timestamp - 301) }, /timestamp too old/, 'an old timestamp');
    // Another subscription's secret does not verify it.
    assertRefused(other.body.secret, payload, headers, /No matching signature/, 'another secret');
  }

  // The genuine message, captured and replayed: accepted up to 5 minutes after it was
  // signed, refused after.
  const captured = at('/wj')[0];
  const signedAt = Number(captured.headers['webhook-timestamp']) * 1000;
  const clock = mock.method(Date, 'now', () => signedAt + 299_000);
  try {
    assert.equal(verdict(secret, captured.body.toString('utf8'), signed(captured)).error, undefined, '299 s later');
    clock.mock.mockImplementation(() => signedAt + 301_000);
    assertRefused(secret, captured.body.toString('utf8'), signed(captured), /timestamp too old/, 'replayed 301 s later');
  } finally {
    clock.mock.restore();
  }

  // The README's Python accepts the genuine delivery and refuses a changed byte.
  assert.equal(readmeVerifies(secret, signed(captured), captured.body), true);
  const flipped = Buffer.from(captured.body);
  flipped[flipped.length - 2] ^= 1;
  assert.equal(readmeVerifies(secret, signed(captured), flipped), false);

  // Ed25519 (`v1a`): node's crypto verifies the signature over `{id}.{timestamp}.{body}`
  // with the public key `whpk_<base64>` from the subscription; a changed byte fails.
  const x = Buffer.from(publicKey.replace(/^whpk_/, ''), 'base64').toString('base64url');
  const key = crypto.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x }, format: 'jwk' });
  for (const delivery of at('/wj-ed25519')) {
    const { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': header } = signed(delivery);
    const signatures = header.split(' ').filter((s) => s.startsWith('v1a,')).map((s) => Buffer.from(s.slice(4), 'base64'));
    assert.equal(signatures.length, 1, header);
    const content = Buffer.concat([Buffer.from(`${id}.${timestamp}.`), delivery.body]);
    assert.ok(crypto.verify(null, content, key, signatures[0]), `v1a signature of ${id}`);
    const changed = Buffer.from(content);
    changed[changed.length - 2] ^= 1;
    assert.ok(!crypto.verify(null, changed, key, signatures[0]), `a changed byte of ${id}`);
  }
});
