'use strict';

// The trigger events of orderhub's Zapier API (seed 003) and the perform list whose
// items have exactly the shape of each hook's body. Keep in step with
// zapier/zapier.go (Events) — test/app.test.js checks it against the live API.
module.exports = [
  { event: 'customer-created', noun: 'Customer', label: 'New Customer', list: 'customers' },
  { event: 'customer-updated', noun: 'Customer', label: 'Updated Customer', list: 'customers' },
  { event: 'order-created', noun: 'Order', label: 'New Order', list: 'orders' },
  { event: 'order-updated', noun: 'Order', label: 'Updated Order', list: 'orders' },
  { event: 'shipping-created', noun: 'Shipping', label: 'New Shipping', list: 'shippings' },
  { event: 'shipping-updated', noun: 'Shipping', label: 'Updated Shipping', list: 'shippings' },
  { event: 'subscription-created', noun: 'Subscription', label: 'New Subscription', list: 'subscriptions' },
  { event: 'subscription-activated', noun: 'Subscription', label: 'Activated Subscription', list: 'subscriptions', status: 'active' },
  { event: 'subscription-canceled', noun: 'Subscription', label: 'Canceled Subscription', list: 'subscriptions', status: 'canceled' },
  { event: 'transaction-approved', noun: 'Transaction', label: 'Approved Transaction', list: 'transactions', status: 'approved' },
  { event: 'transaction-declined', noun: 'Transaction', label: 'Declined Transaction', list: 'transactions', status: 'declined' },
  { event: 'survey-created', noun: 'Survey', label: 'New Survey', list: 'surveys' },
];
