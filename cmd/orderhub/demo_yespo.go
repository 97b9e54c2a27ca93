package main

import (
	"context"

	"orderhub/connector/yespo"
	fakeyespo "orderhub/fake/yespo"
	"orderhub/sqlstore"
)

// The demo's Yespo: a fake Yespo server started in this process, and the demo
// vendor's Yespo account pointing at it, so that every order change of the demo is
// forwarded to it (GET <yespo_fake_url>/_fake/state shows what it received).
func seedDemoYespo(ctx context.Context, db *sqlstore.DB, creds *demoCredentials) error {
	key := demoKey()
	f := fakeyespo.New(key)
	f.OrgName = "orderhub demo (fake Yespo)"
	u, sealer, err := startDemoFake(f.Start, yespo.SealerFromEnv)
	if err != nil {
		return err
	}
	if _, err := yespo.NewConnector(db.Connectors(), sealer, nil).SaveAccount(ctx, creds.VendorID, u, key); err != nil {
		return err
	}
	creds.Extra["yespo_fake_url"] = u
	creds.Extra["yespo_fake_state"] = u + "/_fake/state"
	creds.Extra["yespo_order_events"] = creds.BaseURL + "/api/v1/event (scope events)"
	return nil
}
