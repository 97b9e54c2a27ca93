'use strict';

const events = require('./events');
const { baseUrl, json, oauthToken } = require('./http');

// One REST-hook trigger per orderhub event: performSubscribe creates an
// Integration Channel, performUnsubscribe deletes it, perform returns the hook's
// body (an item, the same shape as the perform list's), performList fetches recent
// items for samples.

const key = (event) => event.replace(/-/g, '_');

const list = async (z, bundle, name, status) => {
  const response = await z.request({ url: `${baseUrl(bundle)}/api/zapier/${name}`, params: { limit: 25 }, skipThrowForStatus: true });
  const items = json(z, response);
  return status ? items.filter((it) => it.status === status) : items;
};

const hookTrigger = (ev) => ({
  key: key(ev.event),
  noun: ev.noun,
  display: {
    label: ev.label,
    description: `Triggers when orderhub records a ${ev.event.replace('-', ' ')} event.`,
  },
  operation: {
    type: 'hook',
    performSubscribe: async (z, bundle) => {
      const response = await z.request({
        url: `${baseUrl(bundle)}/api/integrations/${bundle.authData.integration_uuid}/channels`,
        method: 'POST',
        body: { url: bundle.targetUrl, method: 'zapier', alias: `Zapier - ${ev.label}`, event: ev.event },
        skipThrowForStatus: true,
      });
      // {id, metadata} is kept as bundle.subscribeData.
      return json(z, response).data;
    },
    performUnsubscribe: async (z, bundle) => {
      const response = await z.request({
        url: `${baseUrl(bundle)}/api/channels/${encodeURIComponent(bundle.subscribeData.id)}`,
        method: 'DELETE',
        skipThrowForStatus: true,
      });
      return json(z, response);
    },
    // orderhub POSTs the item itself (a JSON object).
    perform: (z, bundle) => [bundle.cleanedRequest],
    performList: (z, bundle) => list(z, bundle, ev.list, ev.status),
    sample: samples[ev.list],
  },
});

// Samples in the shape of the lists (docs/zapier.md).
const order = {
  id: 'cd500928-4f8d-415a-bf57-07f8cd73c86d', number: 114, type: 'success', source: 'zapier', env: 'live', receipt_sent_at: null,
  is_shippable: true, subtotal_pre_tax: 675, shipping_pre_tax: 27, subtotal: 675, discount: 0, shipping: 27, taxes: 0, total: 702,
  metadata: null, recurrent: false, payment_method: null, coupon: null, created_at: '2024-07-30 11:50:44', shipping_overwritten: false,
  lucas_call_sid: null, external_id: '123', status: 'INITIALIZED', currency: 'USD', date: '2024-07-30', updated_at: '2024-07-30 11:50:44',
  customer: { id: '47918949-43e1-47db-976c-e81caa23ffb1', email: 'john.doe@thiio.com', first_name: 'John', last_name: 'Doe', phone: '+15124713434' },
  items: [{ name: 'Product one', title: 'Product one Red', quantity: 1, price: 675 }],
  billing_address: null, shipping_address: null,
};
const customer = { id: '47918949-43e1-47db-976c-e81caa23ffb1', email: 'john.doe@thiio.com', first_name: 'John', last_name: 'Doe', phone: '+15124713434' };
const transaction = {
  id: '0f0d6c1e-7a55-4f1f-a3a8-3d1d4ef1d0a1', status: 'declined', amount: 9.9, currency: 'USD', provider: 'stripe', external_id: 'ch_1',
  message: 'card declined', customer_id: customer.id, order_id: null, subscription_id: null, created_at: '2024-08-12 22:31:00', customer,
};
const samples = {
  customers: {
    first_name: 'krista', last_name: 'durgan', email: 'durganfb5a8jf3@gmail.com', id: '47918949-43e1-47db-976c-e81caa23ffb1', url: null,
    type: 'customer', date: '2024-08-12', customer_since: '2024-08-12T22:31:00Z', lifetime_value: 0, activations_count: 0,
    phone: null, external_id: null, address: null, updated_at: '2024-08-12 22:31:00',
  },
  orders: order,
  shippings: {
    id: '7862121f-b903-43bf-ae31-d77ecd585f12', carrier: 'dhl', tracking_number: '123', tracking_url: null, external_id: null,
    created_at: '2024-07-30 12:12:16', order_id: order.id, order, updated_at: '2024-07-30 12:12:16',
  },
  subscriptions: {
    id: 'e7df6809-2917-4cd6-b368-2bb8080a3b8c', env: 'live', coupon: 'DIGITAL12',
    plan: { id: 'DIGITAL12', name: 'Digital subscription, 12 months', period: 'month', quantity: 1, trial_days: 0, type: 'digital', binding_months: 12 },
    product_variation_plan: { id: 'DIGITAL12', unit_price: 99, shipping_price: 0, amount: 99 }, current_plan_intervals: 1,
    product: { id: null, name: 'Digital subscription, 12 months', type: 'digital', has_variations: false, main_image: null },
    product_variation: null, status: 'canceled', amount: 99, on_grace_period: true, period_started_at: '2024-07-30 00:00:00',
    accessible_until: '2025-07-29 23:59:59', next_payment_date: null, created_at: '2024-07-30 14:26:46', updated_at: '2024-07-30 14:39:02',
    metadata: null, external_order_id: 'ORDER-2025-001234', origin: 'vendor-order', quantity: 1, currency: 'SEK',
    canceled_at: '2024-07-30 14:39:02', customer,
  },
  surveys: {
    id: '5b7f2a8e-1c3d-4e5f-8a9b-0c1d2e3f4a5b', title: 'Survey recusandae sint tempora voluptatibus modi', description: 'Laudantium repudiandae est ea corporis.',
    take: 'once', capture_name: true, capture_phone: true, capture_at_end: true, status: true, start_question_id: null, lead_capture: 'at_end',
    metadata: { end: { x_position: 890, y_position: 100 }, start: { x_position: 100, y_position: 100 } }, created_at: '2024-08-12 22:31:00',
  },
  transactions: transaction,
};

const triggers = {};
for (const ev of events) {
  const t = hookTrigger(ev);
  triggers[t.key] = t;
}

// Transaction status changes: orderhub has no hook for them, so a polling trigger
// over the transaction-histories list (Zapier dedupes on id).
triggers.transaction_history = {
  key: 'transaction_history',
  noun: 'Transaction History',
  display: { label: 'New Transaction Status Change', description: 'Triggers when a transaction is approved or declined (polling).' },
  operation: {
    perform: (z, bundle) => list(z, bundle, 'transaction-histories'),
    sample: { id: '1a2b3c4d-0000-4000-8000-000000000001', transaction_id: transaction.id, status: 'declined', message: 'card declined', created_at: '2024-08-12 22:31:00', transaction },
  },
};

// Hidden triggers behind the External Purchase's dropdowns (seed 000).
const dropdown = (name, path, label) => ({
  key: name,
  noun: label,
  display: { label: `List ${label}s`, description: `Lists your ${label.toLowerCase()}s (for dropdowns).`, hidden: true },
  operation: {
    perform: async (z, bundle) => {
      const token = await oauthToken(z, bundle, 'externalPurchases');
      const response = await z.request({ url: `${baseUrl(bundle)}${path}`, headers: { Authorization: `Bearer ${token}` }, skipThrowForStatus: true });
      return json(z, response);
    },
    sample: { id: 'sesamy-source-id-1234', name: 'Sesamy Zap' },
  },
});
triggers.hook_source = dropdown('hook_source', '/hooks/sources', 'Source');
triggers.hook_vendor = dropdown('hook_vendor', '/hooks/vendors', 'Vendor');

module.exports = { triggers, key };
