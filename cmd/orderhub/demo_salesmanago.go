package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"

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
	secret := make([]byte, 16)
	_, _ = rand.Read(secret)
	key := make([]byte, 16)
	_, _ = rand.Read(key)
	acct := fakesm.Account{ClientID: "demo-client", APISecret: hex.EncodeToString(secret), Owner: "owner@demo.example",
		APIKey: hex.EncodeToString(key), Catalogs: []string{"demo-catalog"}}
	f := fakesm.New(acct)
	u, err := f.Start("127.0.0.1:0")
	if err != nil {
		return err
	}
	sealer, err := salesmanago.SealerFromEnv(os.Getenv)
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
