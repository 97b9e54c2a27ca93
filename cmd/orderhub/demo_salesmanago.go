package main

import (
	"context"

	"orderhub"
	"orderhub/connector/salesmanago"
	fakesm "orderhub/fake/salesmanago"
	"orderhub/sqlstore"
)

// The demo's SALESmanago: a fake SALESmanago server started in this process (on a
// loopback port), and the demo vendor's account (group_key "demo") pointing at it,
// so that every customer and confirmed order of the demo is synced to it as a
// contact and a PURCHASE event, and seed 002's API can be tried
// (GET <salesmanago_fake_url>/_fake/requests shows what it received).
func seedDemoSalesmanago(ctx context.Context, db *sqlstore.DB, creds *demoCredentials) error {
	acct := fakesm.Account{ClientID: "demo-client", APISecret: demoKey(), Owner: "owner@demo.example",
		APIKey: demoKey(), Catalogs: []string{"demo-catalog"}}
	u, sealer, err := startDemoFake(fakesm.New(acct).Start, salesmanago.SealerFromEnv)
	if err != nil {
		return err
	}
	in := &orderhub.SalesmanagoAccountInput{ID: "sm_demo", GroupKey: "demo", Name: "demo (fake SALESmanago)", BaseURL: u, V3BaseURL: u,
		ClientID: acct.ClientID, APISecret: acct.APISecret, Owner: acct.Owner, APIKey: acct.APIKey, CatalogID: "demo-catalog",
		Mapping: &orderhub.SalesmanagoMapping{Tags: []string{"ORDERHUB_DEMO"}}}
	if _, err := salesmanago.CreateAccount(ctx, db.Connectors(), sealer, creds.VendorID, in); err != nil {
		return err
	}
	creds.Extra["salesmanago_group_key"] = "demo"
	creds.Extra["salesmanago_fake_url"] = u
	creds.Extra["salesmanago_fake_requests"] = u + "/_fake/requests"
	creds.Extra["salesmanago_api"] = creds.BaseURL + "/salesmanago/contacts|events|products (scope salesmanago)"
	return nil
}
