// Package seedexample holds the request examples of the API seeds
// (../shared/seeds), verbatim, so that every test that sends "the seed's example"
// sends the same bytes.
package seedexample

import "encoding/json"

// PurchaseWith returns Purchase with fields replaced (a nil value deletes the
// field), as JSON. It panics if a value cannot be encoded (a test's mistake).
func PurchaseWith(changes map[string]any) []byte {
	var m map[string]any
	if err := json.Unmarshal([]byte(Purchase), &m); err != nil {
		panic(err)
	}
	for k, v := range changes {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return b
}

// Purchase is seed 000's "Sample hook payload" as JSON (the seed writes it as a
// JavaScript object literal: single quotes, unquoted keys, a trailing comma).
const Purchase = `{
    "source": "sesamy-source-id-1234",
    "vendorId": "vendor-id-1234",
    "publisherPurchaseId": "purchase-id-1234",
    "sku": "1234",
    "poId": "1234",
    "startsAt": "2022-11-08T12:49:11.190Z",
    "endsAt": "2022-12-08T12:49:11.190Z",
    "firstName": "John",
    "lastName": "James",
    "email": "zapier@sesamy.com",
    "userId": "1234",
    "publisherUserId": "user-id-1234",
    "notes": "Note..",
    "productId": "product-1234",
    "deliveryAddressFirstName": "John",
    "deliveryAddressLastName": "James",
    "deliveryAddressCo": "",
    "deliveryAddressStreet": "Sveavägen 59",
    "deliveryAddressCity": "Stockholm",
    "deliveryAddressZip": "113 59",
    "deliveryAddressCountry": "SE",
    "billingAddressFirstName": "John",
    "billingAddressLastName": "James",
    "billingAddressCo": "",
    "billingAddressStreet": "Sveavägen 59",
    "billingAddressCity": "Stockholm",
    "billingAddressZip": "113 59",
    "billingAddressCountry": "SE"
}`

// VendorOrder is the request body of seed 001's "Request Body" section, verbatim.
const VendorOrder = `{
"externalOrderId": "ORDER-2025-001234",
"quantity": 1,
"paymentMethod": "INVOICE",
"paymentProvider": "BILLOGRAM",
"startDate": "2025-01-08",
"userData": {
"email": "customer@example.com",
"fullName": "John Doe",
"phone": "+46701234567",
"address": {
"firstName": "John",
"lastName": "Doe",
"street": "Example Street 123",
"zip": "12345",
"city": "Stockholm",
"country": "SE"
},
"extraData": {
"flowyCustomerNumber": "987654321",
"seller": "Jane Smith",
"leadSourceName": "Winter Campaign 2025"
}
},
"vendorData": {
"promoCode": "PROMOCODE",
"seller": "tm-team",
"sellerRequestId": "987654321"
}
}`

// OrderCreated is seed 004's own orderCreated example, verbatim.
const OrderCreated = `{
	"eventTypeKey": "orderCreated",
	"keyValue": "380501234567",
	"params": [{
		"name": "phone",
		"value": "380501234567"
	}, {
		"name": "externalOrderId",
		"value": "12345679"
	}, {
		"name": "externalCustomerId",
		"value": "AV13760"
	}, {
		"name": "totalCost",
		"value": "258.0"
	}, {
		"name": "status",
		"value": "INITIALIZED"
	}, {
		"name": "date",
		"value": "2020-05-14T10:11:00"
	}, {
		"name": "currency",
		"value": "UAH"
	}, {
		"name": "items",
		"value": [{
			"externalItemId": "200600",
			"name": "Super Device",
			"category": "devices",
			"quantity": 1,
			"cost": 990,
			"url": "http://example.com/item/200600",
			"imageUrl": "http://example.com/item/200600/image.png",
			"description": "High quality"
		}]
	}]
}`
