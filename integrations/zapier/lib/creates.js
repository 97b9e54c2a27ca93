'use strict';

const { baseUrl, json, oauthToken } = require('./http');

// The actions: the four of seed 003, the External Purchase (seed 000) and the
// vendor order (seed 001).

// action is a create (an action) of the app: its key, noun, label, description and
// operation (inputFields, perform, sample).
const action = (key, noun, label, description, operation) => ({ key, noun, display: { label, description }, operation });

const post = async (z, bundle, path, body, method = 'POST', headers = {}) => {
  const response = await z.request({ url: `${baseUrl(bundle)}${path}`, method, body, headers, skipThrowForStatus: true });
  return json(z, response);
};

const contactFields = [
  { key: 'email', label: 'E-mail', required: true },
  { key: 'first_name', label: 'First Name', required: true },
  { key: 'last_name', label: 'Last Name', required: true },
  { key: 'phone_country', label: 'Phone Country', required: true, helpText: 'ISO 3166-1 alpha-2 code, e.g. `US`.' },
  { key: 'phone_number', label: 'Phone Number', required: true, helpText: 'E.g. `+17723611127`.' },
  { key: 'source', label: 'Source', required: false, default: 'zapier' },
];

const lead = (d, event) => ({
  event,
  source: d.source || 'zapier',
  contact: { email: d.email, first_name: d.first_name, last_name: d.last_name },
  phone: { country: d.phone_country, number: d.phone_number },
});

// The parts of a lead's billing and shipping address (fields prefix_part).
const addressParts = ['first_name', 'last_name', 'line1', 'line2', 'city', 'state', 'zip_code', 'country'];

const addressFields = (prefix, label, required) =>
  addressParts.map((f) => ({
    key: `${prefix}_${f}`,
    label: `${label} ${f.replace('_', ' ')}`,
    required: required && f !== 'line2',
  }));

const address = (d, prefix) => {
  const a = {};
  for (const f of addressParts) {
    a[f] = d[`${prefix}_${f}`] === undefined ? '' : d[`${prefix}_${f}`];
  }
  return a;
};

const customerLead = action('customer_lead', 'Lead', 'Create Lead with Customer Note', 'Creates or updates a customer (matched by e-mail).', {
  inputFields: contactFields,
  perform: (z, bundle) => post(z, bundle, '/api/zapier/store-customer-order', lead(bundle.inputData, 'customer')),
  sample: { event: 'customer', source: 'zapier', contact: { email: 'customer@thiio.com', first_name: 'John', last_name: 'Doe' }, phone: { country: 'US', number: '+17723611127' }, customer_id: '47918949-43e1-47db-976c-e81caa23ffb1' },
});

const orderLead = action('order_lead', 'Order', 'Create Lead with Order Note', 'Creates or updates a customer and their order (matched by order id).', {
  inputFields: [
    ...contactFields,
    ...addressFields('billing', 'Billing', true),
    ...addressFields('shipping', 'Shipping', false),
    { key: 'order_id', label: 'Order ID', required: true, helpText: 'Your order id; sending it again updates the same order.' },
    { key: 'order_type', label: 'Order Type', required: true, default: 'success' },
    { key: 'order_user_id', label: 'Order User ID', required: true },
    { key: 'order_date', label: 'Order Date', required: true, helpText: 'E.g. `2024-08-14`.' },
    { key: 'order_shipping', label: 'Shipping', required: true, type: 'number' },
    { key: 'order_taxes', label: 'Taxes', required: true, type: 'number' },
    { key: 'order_total', label: 'Total', required: true, type: 'number' },
    {
      key: 'items',
      label: 'Items',
      required: true,
      children: [
        { key: 'name', label: 'Name', required: true },
        { key: 'title', label: 'Title', required: true },
        { key: 'quantity', label: 'Quantity', required: true, type: 'integer' },
        { key: 'price', label: 'Price', required: true, type: 'number' },
      ],
    },
  ],
  perform: (z, bundle) => {
    const d = bundle.inputData;
    const body = lead(d, 'order');
    body.billing_address = address(d, 'billing');
    const shipping = address(d, 'shipping');
    if (Object.values(shipping).some((v) => v !== '')) {
      body.shipping_address = shipping;
    }
    body.order = {
      id: d.order_id, type: d.order_type, user_id: d.order_user_id, date: d.order_date,
      shipping: d.order_shipping, taxes: d.order_taxes, total: d.order_total,
      items: (d.items || []).map((it) => ({ name: it.name, title: it.title, quantity: it.quantity, price: it.price })),
    };
    return post(z, bundle, '/api/zapier/store-customer-order', body);
  },
  sample: { success: true, msg: 'received successfully', err: '', data: { event: 'order', source: 'zapier', order_uuid: 'cd500928-4f8d-415a-bf57-07f8cd73c86d', customer_id: '47918949-43e1-47db-976c-e81caa23ffb1' } },
});

const shippingTracking = action('shipping_tracking', 'Shipping', 'Update Shipping Tracking Info', "Sets a shipping's carrier and tracking number.", {
  inputFields: [
    { key: 'shipping_uuid', label: 'Shipping ID', required: true },
    { key: 'carrier', label: 'Carrier', required: true, helpText: 'E.g. `dhl`.' },
    { key: 'tracking_number', label: 'Tracking Number', required: true },
    { key: 'tracking_url', label: 'Tracking URL', required: false },
  ],
  perform: (z, bundle) => {
    const d = bundle.inputData;
    const body = { carrier: d.carrier, tracking_number: d.tracking_number };
    if (d.tracking_url) {
      body.tracking_url = d.tracking_url;
    }
    return post(z, bundle, `/api/zapier/update-shipping-tracking-info/${encodeURIComponent(d.shipping_uuid)}`, body, 'PUT');
  },
  sample: { id: '7862121f-b903-43bf-ae31-d77ecd585f12', carrier: 'dhl', tracking_number: '123', order_id: 'cd500928-4f8d-415a-bf57-07f8cd73c86d' },
});

const cancelSubscription = action('cancel_subscription', 'Subscription', 'Cancel Subscription', 'Cancels a subscription; it stays accessible until the end of its paid period.', {
  inputFields: [{ key: 'subscription_uuid', label: 'Subscription ID', required: true }],
  perform: (z, bundle) => post(z, bundle, `/api/zapier/subscriptions/${encodeURIComponent(bundle.inputData.subscription_uuid)}/cancel`, {}),
  sample: { id: 'e7df6809-2917-4cd6-b368-2bb8080a3b8c', status: 'canceled', accessible_until: '2024-08-15 23:59:59' },
});

// Seed 000: Sesamy's External Purchase, with source and vendor dropdowns.
const purchaseText = ['publisherPurchaseId', 'sku', 'poId', 'productId', 'startsAt', 'endsAt', 'firstName', 'lastName', 'email', 'userId', 'publisherUserId', 'notes'];
const purchaseAddressParts = ['FirstName', 'LastName', 'Co', 'Street', 'City', 'Zip', 'Country'];
const externalPurchase = action('external_purchase', 'Purchase', 'Create External Purchase', 'Records a purchase made outside orderhub (a confirmed subscription).', {
  inputFields: [
    { key: 'source', label: 'Source', required: true, dynamic: 'hook_source.id.name' },
    { key: 'vendorId', label: 'Vendor', required: true, dynamic: 'hook_vendor.id.name' },
    ...purchaseText.map((k) => ({ key: k, label: k, required: false })),
    ...purchaseAddressParts.map((p) => ({ key: `deliveryAddress${p}`, label: `Delivery address ${p}`, required: false })),
    ...purchaseAddressParts.map((p) => ({ key: `billingAddress${p}`, label: `Billing address ${p}`, required: false })),
  ],
  perform: async (z, bundle) => {
    const token = await oauthToken(z, bundle, 'externalPurchases');
    const body = {};
    for (const [k, v] of Object.entries(bundle.inputData)) {
      if (v !== undefined && v !== null && v !== '') {
        body[k] = v;
      }
    }
    return post(z, bundle, '/hooks/purchases', body, 'POST', { Authorization: `Bearer ${token}` });
  },
  sample: { purchaseId: 'b0f5c7e2-0000-4000-8000-000000000000', contractId: '3c688b38-32b4-450c-a4b5-1b9c5397ce7c', source: 'sesamy-source-id-1234', vendorId: 'vendor-id-1234' },
});

// Seed 001: the Vendor Order API (an OAuth client of the vendor with the scope
// paymentsContractThirdPartyOnboarding).
const orderAddressParts = ['firstName', 'lastName', 'street', 'zip', 'city', 'country'];
const vendorOrder = action('vendor_order', 'Vendor Order', 'Create Vendor Order', 'Inserts a subscription order (contract) for a promo code.', {
  inputFields: [
    { key: 'vendorId', label: 'Vendor', required: true, dynamic: 'hook_vendor.id.name' },
    { key: 'promoCode', label: 'Promo Code', required: true },
    { key: 'confirm', label: 'Confirm', required: false, type: 'boolean', default: 'true' },
    { key: 'externalOrderId', label: 'External Order ID', required: true, helpText: 'Unique per order; sending it again is safe.' },
    { key: 'quantity', label: 'Quantity', required: false, type: 'integer', default: '1' },
    { key: 'paymentMethod', label: 'Payment Method', required: true, choices: ['INVOICE', 'CARD', 'DIRECT_DEBIT', 'SWISH', 'KLARNA', 'PAYPAL'] },
    { key: 'paymentProvider', label: 'Payment Provider', required: true },
    { key: 'startDate', label: 'Start Date', required: false, helpText: 'YYYY-MM-DD; today when empty.' },
    { key: 'email', label: 'E-mail', required: true },
    { key: 'fullName', label: 'Full Name', required: false },
    { key: 'phone', label: 'Phone', required: false },
    ...orderAddressParts.map((k) => ({ key: `address_${k}`, label: `Address ${k}`, required: false })),
  ],
  perform: async (z, bundle) => {
    const d = bundle.inputData;
    const token = await oauthToken(z, bundle, 'paymentsContractThirdPartyOnboarding');
    const userData = { email: d.email };
    if (d.fullName) userData.fullName = d.fullName;
    if (d.phone) userData.phone = d.phone;
    const addr = {};
    for (const k of orderAddressParts) {
      if (d[`address_${k}`]) addr[k] = d[`address_${k}`];
    }
    if (Object.keys(addr).length) userData.address = addr;
    const body = { externalOrderId: d.externalOrderId, quantity: Number(d.quantity || 1), paymentMethod: d.paymentMethod, paymentProvider: d.paymentProvider, userData };
    if (d.startDate) body.startDate = d.startDate;
    const confirm = d.confirm === undefined || d.confirm === true || String(d.confirm).toLowerCase() === 'true';
    const path = `/payments/vendor/${encodeURIComponent(d.vendorId)}/promos/code/${encodeURIComponent(d.promoCode)}?confirm=${confirm}`;
    return post(z, bundle, path, body, 'POST', { Authorization: `Bearer ${token}` });
  },
  sample: { contractId: '3948343b-a379-448f-939c-82da80b4a5fc', responseKey: 'CONTRACT_CREATED_AND_CONFIRMED' },
});

const creates = {};
for (const c of [customerLead, orderLead, shippingTracking, cancelSubscription, externalPurchase, vendorOrder]) {
  creates[c.key] = c;
}

module.exports = { creates };
