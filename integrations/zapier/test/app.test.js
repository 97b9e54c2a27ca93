'use strict';

// The orderhub Zapier app in Zapier's own runtime (zapier-platform-core's app
// tester), against a live orderhub started by this test (`orderhub demo` on a free
// port, a fresh SQLite database) and a local HTTP server as the Zapier hook. No
// network beyond loopback.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const os = require('node:os');
const path = require('node:path');

const zapier = require('zapier-platform-core');
const schema = require('zapier-platform-schema');
const schemaTools = require('zapier-platform-core/src/tools/schema');

const App = require('../index');
const events = require('../lib/events');

const appTester = zapier.createAppTester(App);
const repoRoot = path.resolve(__dirname, '..', '..', '..');

let tmp;
let hub; // the orderhub process
let creds; // what `orderhub demo --print-credentials` wrote
let authData; // the connected account, after login
const hook = { server: null, url: '', received: [], waiters: [], status: 200 };

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what, fn, ms = 20000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

// admin calls orderhub's admin API (shippings, transactions: what the app does not do).
async function admin(method, p, body) {
  const res = await fetch(`${creds.base_url}${p}`, {
    method,
    headers: { Authorization: `Bearer ${creds.admin_token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  assert.ok(res.status < 300, `${method} ${p}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

// received returns the bodies the hook got on a path, waiting for at least n.
async function received(p, n = 1) {
  return waitFor(`${n} hook deliveries to ${p}`, () => {
    const got = hook.received.filter((r) => r.path === p);
    return got.length >= n ? got : null;
  });
}

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'orderhub-zapier-'));
  let bin = process.env.ORDERHUB_BIN;
  if (!bin) {
    bin = path.join(tmp, 'orderhub');
    execFileSync('go', ['build', '-o', bin, './cmd/orderhub'], { cwd: repoRoot, stdio: 'inherit' });
  }
  const credsFile = path.join(tmp, 'creds.json');
  hub = spawn(bin, ['demo', '--addr', '127.0.0.1:0', '--db', `sqlite:${path.join(tmp, 'demo.db')}`, '--print-credentials', credsFile, '--log-level', 'warn'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  hub.on('exit', (code, signal) => {
    if (!hub.stopping) console.error(`orderhub exited early: ${code} ${signal}`);
  });
  creds = await waitFor('the demo credentials', () => {
    try {
      return JSON.parse(fs.readFileSync(credsFile, 'utf8'));
    } catch (e) {
      return null;
    }
  });
  await waitFor('orderhub /healthz', async () => {
    try {
      return (await fetch(`${creds.base_url}/healthz`)).ok;
    } catch (e) {
      return false;
    }
  });

  hook.server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      hook.received.push({ path: req.url, body: JSON.parse(body), headers: req.headers });
      res.writeHead(hook.status, { 'Content-Type': 'application/json' });
      res.end('{"status":"success"}');
    });
  });
  await new Promise((r) => hook.server.listen(0, '127.0.0.1', r));
  hook.url = `http://127.0.0.1:${hook.server.address().port}`;

  authData = {
    base_url: creds.base_url,
    email: creds.extra.zapier_email,
    password: creds.extra.zapier_password,
    client_id: creds.client_id,
    client_secret: creds.client_secret,
  };
  const session = await appTester(App.authentication.sessionConfig.perform, { authData });
  Object.assign(authData, session);
});

after(async () => {
  if (hub) {
    hub.stopping = true;
    hub.kill('SIGTERM');
    await new Promise((r) => (hub.exitCode !== null ? r() : hub.on('exit', r)));
  }
  if (hook.server) hook.server.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

test('the app definition is valid (zapier-platform-schema)', () => {
  const cleaned = schemaTools.serializeApp(schemaTools.compileApp(App));
  const result = schema.validateAppDefinition(cleaned);
  assert.deepEqual(result.errors.map((e) => `${e.property}: ${e.message}`), []);
  assert.equal(App.platformVersion, zapier.version);
  assert.equal(zapier.version, '19.1.0');
  // A REST-hook trigger per event, and the six actions.
  for (const ev of events) {
    const t = App.triggers[ev.event.replace(/-/g, '_')];
    assert.equal(t.operation.type, 'hook', ev.event);
    for (const f of ['performSubscribe', 'performUnsubscribe', 'perform', 'performList']) assert.equal(typeof t.operation[f], 'function', `${ev.event} ${f}`);
  }
  assert.deepEqual(Object.keys(App.creates).sort(), ['cancel_subscription', 'customer_lead', 'external_purchase', 'order_lead', 'shipping_tracking', 'vendor_order']);
});

test('session login, check, wrong password and an expired session', async () => {
  assert.match(authData.sessionKey, /^ohz_/);
  assert.match(authData.integration_uuid, /^[0-9a-f-]{36}$/);
  const me = await appTester(App.authentication.test, { authData });
  assert.equal(me.user.email, creds.extra.zapier_email);
  assert.equal(me.user.vendor.id, creds.vendor_id);
  assert.equal(me.integration_uuid, authData.integration_uuid);

  await assert.rejects(appTester(App.authentication.sessionConfig.perform, { authData: { ...authData, password: 'wrong password' } }), /e-mail or password is wrong/);
  // A 401 on an API call asks Zapier to log in again.
  await assert.rejects(appTester(App.authentication.test, { authData: { ...authData, sessionKey: 'ohz_expired' } }), (e) => e.name === 'RefreshAuthError');
  await assert.rejects(
    appTester(App.triggers.order_created.operation.performList, { authData: { ...authData, sessionKey: 'ohz_expired' } }),
    (e) => e.name === 'RefreshAuthError',
  );
});

test('every trigger event subscribes and unsubscribes', async () => {
  for (const ev of events) {
    const op = App.triggers[ev.event.replace(/-/g, '_')].operation;
    const sub = await appTester(op.performSubscribe, { authData, targetUrl: `${hook.url}/probe/${ev.event}` });
    assert.match(sub.id, /^[0-9a-f-]{36}$/, ev.event);
    assert.deepEqual(sub.metadata, { alias: `Zapier - ${ev.label}`, method: 'zapier', url: `${hook.url}/probe/${ev.event}`, event: ev.event });
    const gone = await appTester(op.performUnsubscribe, { authData, subscribeData: sub });
    assert.deepEqual(gone, { message: 'Integration Channel deleted', data: null });
    assert.ok(Array.isArray(await appTester(op.performList, { authData })), `${ev.event} performList`);
  }
  const channels = await admin('GET', `/admin/v1/vendors/${creds.vendor_id}/zapier-channels`);
  assert.deepEqual(channels.data, []);
});

const orderInput = (id) => ({
  email: 'john.doe@thiio.com', first_name: 'John', last_name: 'Doe', phone_country: 'US', phone_number: '+15124713434',
  billing_first_name: 'John', billing_last_name: 'Doe', billing_line1: '11801 Stonehollow Drive', billing_line2: 'line two',
  billing_city: 'Austin', billing_state: 'TX', billing_zip_code: '78758', billing_country: 'US',
  order_id: id, order_type: 'success', order_user_id: '10', order_date: '2024-08-14', order_shipping: 10, order_taxes: 10, order_total: 120,
  items: [
    { name: 'Product one', title: 'Product one Red', quantity: 1, price: 50 },
    { name: 'Product two', title: 'Product two White', quantity: 1, price: 50 },
  ],
});

test('an order triggers a real delivery of the list item to the hook; unsubscribe stops it', async () => {
  const op = App.triggers.order_created.operation;
  const sub = await appTester(op.performSubscribe, { authData, targetUrl: `${hook.url}/orders` });

  const created = await appTester(App.creates.order_lead.operation.perform, { authData, inputData: orderInput('123') });
  assert.equal(created.success, true);
  assert.equal(created.msg, 'received successfully');
  assert.equal(created.data.order.id, '123');
  assert.equal(created.data.order.total, 120);

  const [delivery] = await received('/orders');
  assert.equal(delivery.headers['content-type'], 'application/json');
  assert.ok(delivery.headers['webhook-signature'], 'the delivery is signed');
  const items = await appTester(op.perform, { authData, cleanedRequest: delivery.body });
  assert.equal(items.length, 1);
  const item = items[0];
  assert.equal(item.id, created.data.order_uuid);
  assert.equal(item.external_id, '123');
  assert.equal(item.total, 120);
  assert.equal(item.items.length, 2);
  assert.equal(item.customer.email, 'john.doe@thiio.com');
  // The sample (performList) has exactly the delivered shape and values.
  const list = await appTester(op.performList, { authData });
  assert.deepEqual(list[0], item);

  await appTester(op.performUnsubscribe, { authData, subscribeData: sub });
  await appTester(App.creates.order_lead.operation.perform, { authData, inputData: orderInput('124') });
  const channels = await admin('GET', `/admin/v1/vendors/${creds.vendor_id}/zapier-channels`);
  assert.deepEqual(channels.data, []);
});

test('customer lead', async () => {
  const res = await appTester(App.creates.customer_lead.operation.perform, {
    authData,
    inputData: { email: 'customer@thiio.com', first_name: 'John', last_name: 'Doe', phone_country: 'US', phone_number: '+17723611127' },
  });
  assert.equal(res.event, 'customer');
  assert.equal(res.source, 'zapier');
  assert.deepEqual(res.contact, { email: 'customer@thiio.com', first_name: 'John', last_name: 'Doe' });
  assert.deepEqual(res.phone, { country: 'US', number: '+17723611127' });
  const customers = await appTester(App.triggers.customer_created.operation.performList, { authData });
  assert.equal(customers.find((c) => c.id === res.customer_id).email, 'customer@thiio.com');
  // A missing required field is a clear error naming it.
  await assert.rejects(
    appTester(App.creates.customer_lead.operation.perform, { authData, inputData: { email: 'x@thiio.com', first_name: 'X', phone_country: 'US', phone_number: '+17723611127' } }),
    /contact\.last_name/,
  );
});

test('shipping tracking update (and the shipping triggers deliver it)', async () => {
  const op = App.triggers.shipping_updated.operation;
  const sub = await appTester(op.performSubscribe, { authData, targetUrl: `${hook.url}/shippings` });
  const order = await appTester(App.creates.order_lead.operation.perform, { authData, inputData: orderInput('200') });
  const shipping = await admin('POST', `/admin/v1/vendors/${creds.vendor_id}/orders/${order.data.order_uuid}/shippings`, { carrier: 'ups' });
  const res = await appTester(App.creates.shipping_tracking.operation.perform, { authData, inputData: { shipping_uuid: shipping.id, carrier: 'dhl', tracking_number: '123' } });
  assert.equal(res.id, shipping.id);
  assert.equal(res.carrier, 'dhl');
  assert.equal(res.tracking_number, '123');
  assert.equal(res.order_id, order.data.order_uuid);
  assert.equal(res.order.id, order.data.order_uuid);
  const [delivery] = await received('/shippings');
  assert.deepEqual(delivery.body, res);
  await appTester(op.performUnsubscribe, { authData, subscribeData: sub });
  await assert.rejects(
    appTester(App.creates.shipping_tracking.operation.perform, { authData, inputData: { shipping_uuid: 'no-such-shipping', carrier: 'dhl', tracking_number: '1' } }),
    /not found/,
  );
});

test('vendor order (seed 001) and its cancelation', async () => {
  const sub = await appTester(App.triggers.subscription_canceled.operation.performSubscribe, { authData, targetUrl: `${hook.url}/canceled` });
  const order = await appTester(App.creates.vendor_order.operation.perform, {
    authData,
    inputData: {
      vendorId: creds.vendor_id, promoCode: 'DIGITAL12', confirm: true, externalOrderId: 'ZAP-ORDER-1', quantity: 1,
      paymentMethod: 'INVOICE', paymentProvider: 'BILLOGRAM', startDate: '2025-01-08', email: 'sub@example.com', fullName: 'Sub Scriber',
    },
  });
  assert.equal(order.responseKey, 'CONTRACT_CREATED_AND_CONFIRMED');
  const canceled = await appTester(App.creates.cancel_subscription.operation.perform, { authData, inputData: { subscription_uuid: order.contractId } });
  assert.equal(canceled.id, order.contractId);
  assert.equal(canceled.status, 'canceled');
  assert.match(canceled.accessible_until, /^\d{4}-\d{2}-\d{2} 23:59:59$/);
  assert.equal(canceled.plan.id, 'DIGITAL12');
  const [delivery] = await received('/canceled');
  assert.equal(delivery.body.id, order.contractId);
  assert.equal(delivery.body.status, 'canceled');
  await appTester(App.triggers.subscription_canceled.operation.performUnsubscribe, { authData, subscribeData: sub });
  // Without the OAuth client the action says what is missing.
  await assert.rejects(
    appTester(App.creates.vendor_order.operation.perform, { authData: { ...authData, client_id: '' }, inputData: { vendorId: creds.vendor_id, promoCode: 'DIGITAL12' } }),
    /Client ID and Client Secret/,
  );
});

test('external purchase (seed 000) with its source and vendor dropdowns', async () => {
  const sources = await appTester(App.triggers.hook_source.operation.perform, { authData });
  assert.ok(sources.some((s) => s.id === creds.extra.hook_source_id), JSON.stringify(sources));
  const vendors = await appTester(App.triggers.hook_vendor.operation.perform, { authData });
  assert.deepEqual(vendors.map((v) => v.id), [creds.vendor_id]);
  const res = await appTester(App.creates.external_purchase.operation.perform, {
    authData,
    inputData: {
      source: sources[0].id, vendorId: vendors[0].id, publisherPurchaseId: 'zap-purchase-1', sku: '1234', poId: '1234',
      startsAt: '2022-11-08T12:49:11.190Z', firstName: 'John', lastName: 'James', email: 'zapier@sesamy.com', publisherUserId: 'user-id-1234',
      deliveryAddressStreet: 'Sveavägen 59', deliveryAddressCity: 'Stockholm', deliveryAddressZip: '113 59', deliveryAddressCountry: 'SE',
    },
  });
  assert.ok(res.purchaseId && res.contractId, JSON.stringify(res));
  assert.equal(res.source, sources[0].id);
  // The purchase is a subscription too.
  const subs = await appTester(App.triggers.subscription_created.operation.performList, { authData });
  assert.ok(subs.some((s) => s.id === res.contractId));
});

test('transactions: the declined trigger and the history polling trigger', async () => {
  const sub = await appTester(App.triggers.transaction_declined.operation.performSubscribe, { authData, targetUrl: `${hook.url}/declined` });
  const customers = await appTester(App.triggers.customer_created.operation.performList, { authData });
  const tr = await admin('POST', `/admin/v1/vendors/${creds.vendor_id}/transactions`, {
    customerId: customers[0].id, status: 'declined', amount: '9.90', currency: 'USD', provider: 'stripe', externalId: 'ch_1', message: 'card declined',
  });
  const [delivery] = await received('/declined');
  assert.equal(delivery.body.id, tr.id);
  assert.equal(delivery.body.amount, 9.9);
  const declined = await appTester(App.triggers.transaction_declined.operation.performList, { authData });
  assert.deepEqual(declined[0], delivery.body);
  assert.deepEqual(await appTester(App.triggers.transaction_approved.operation.performList, { authData }), []);
  await appTester(App.triggers.transaction_declined.operation.performUnsubscribe, { authData, subscribeData: sub });
  const history = await appTester(App.triggers.transaction_history.operation.perform, { authData });
  assert.equal(history[0].transaction_id, tr.id);
  assert.equal(history[0].status, 'declined');
});

test('a 410 Gone from Zapier removes the channel', async () => {
  const sub = await appTester(App.triggers.survey_created.operation.performSubscribe, { authData, targetUrl: `${hook.url}/gone` });
  hook.status = 410;
  try {
    await admin('POST', `/admin/v1/vendors/${creds.vendor_id}/surveys`, { title: 'Survey recusandae', take: 'once', leadCapture: 'at_end' });
    await received('/gone');
    await waitFor('the channel to be removed', async () => {
      const channels = await admin('GET', `/admin/v1/vendors/${creds.vendor_id}/zapier-channels`);
      return channels.data.length === 0;
    });
  } finally {
    hook.status = 200;
  }
  // Zapier may still unsubscribe it; that succeeds.
  const gone = await appTester(App.triggers.survey_created.operation.performUnsubscribe, { authData, subscribeData: sub });
  assert.equal(gone.message, 'Integration Channel deleted');
});
