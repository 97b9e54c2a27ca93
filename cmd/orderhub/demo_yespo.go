package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"

	"orderhub/connector/yespo"
	fakeyespo "orderhub/fake/yespo"
	"orderhub/sqlstore"
)

// The demo's Yespo: a fake Yespo server started in this process, and the demo
// vendor's Yespo account pointing at it, so that every order change of the demo is
// forwarded to it (GET <yespo_fake_url>/_fake/state shows what it received).
func seedDemoYespo(ctx context.Context, db *sqlstore.DB, creds *demoCredentials) error {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	key := hex.EncodeToString(b)
	f := fakeyespo.New(key)
	f.OrgName = "orderhub demo (fake Yespo)"
	u, err := f.Start("127.0.0.1:0")
	if err != nil {
		return err
	}
	sealer, err := yespo.SealerFromEnv(os.Getenv)
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
