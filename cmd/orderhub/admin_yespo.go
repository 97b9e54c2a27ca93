package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"

	"orderhub"
	"orderhub/connector/yespo"
	"orderhub/httpapi"
	"orderhub/netguard"
	"orderhub/sqlstore"
)

// Yespo in the CLI: the connector's wiring into serve (its delivery Sender and the
// account admin API), and `orderhub admin yespo …`.

// adminYespoCommands registers its admin commands (called once, from adminCommands).
func adminYespoCommands() {
	registerAdmin("yespo", "set", "connect a vendor's Yespo account (--vendor, --base-url, --api-key-env NAME | --api-key-file PATH)", func(fs *flag.FlagSet) func(*adminEnv) error {
		vendor := fs.String("vendor", "", "vendor id")
		base := fs.String("base-url", "https://yespo.io", "Yespo base URL (https://yespo.io or https://esputnik.com)")
		keyEnv := fs.String("api-key-env", "", "read the API key from this environment variable")
		keyFile := fs.String("api-key-file", "", "read the API key from this file (first line)")
		allow := allowPrivateFlag(fs)
		return func(e *adminEnv) error {
			if err := checkTarget(e.ctx, *allow, "--base-url", *base, true); err != nil {
				return err
			}
			key, err := secretFlag("--api-key", *keyEnv, *keyFile, "%s holds no API key")
			if err != nil {
				return err
			}
			c, err := yespoConnector(e.db)
			if err != nil {
				return err
			}
			if key == "" {
				if _, err := e.db.Connectors().GetYespoAccount(e.ctx, *vendor); err != nil {
					return fmt.Errorf("a new account needs --api-key-env or --api-key-file: %w", err)
				}
			}
			svc := e.manageTargets(*allow)
			svc.Yespo = c
			var apiKey *string // nil: keep the stored key
			if key != "" {
				apiKey = &key
			}
			a, err := svc.Connectors().SaveYespoAccount(e.ctx, *vendor, base, apiKey)
			if err != nil {
				return err
			}
			return printYespo(e, a)
		}
	})
	registerAdmin("yespo", "show", "show a vendor's Yespo account (never the API key)", func(fs *flag.FlagSet) func(*adminEnv) error {
		vendor := fs.String("vendor", "", "vendor id")
		return func(e *adminEnv) error {
			a, err := e.db.Connectors().GetYespoAccount(e.ctx, *vendor)
			if err != nil {
				return err
			}
			return printYespo(e, a)
		}
	})
	registerAdmin("yespo", "test", "test a vendor's Yespo account (Yespo's account/info with the stored key)", func(fs *flag.FlagSet) func(*adminEnv) error {
		vendor := fs.String("vendor", "", "vendor id")
		allow := allowPrivateFlag(fs)
		return func(e *adminEnv) error {
			c, err := yespoConnector(e.db)
			if err != nil {
				return err
			}
			c.HTTP = netguard.New(netguard.Options{AllowPrivate: *allow}).Client()
			info, err := c.TestAccount(e.ctx, *vendor)
			if err != nil {
				return fmt.Errorf("connection test failed: %w", err)
			}
			if e.json {
				_, err := fmt.Fprintf(e.stdout, "%s\n", info)
				return err
			}
			_, err = fmt.Fprintf(e.stdout, "ok: Yespo accepted the key; account/info: %s\n", info)
			return err
		}
	})
	registerAdmin("yespo", "delete", "delete a vendor's Yespo account and its delivery endpoint", func(fs *flag.FlagSet) func(*adminEnv) error {
		vendor := fs.String("vendor", "", "vendor id")
		return func(e *adminEnv) error {
			if err := e.manage().Connectors().DeleteYespoAccount(e.ctx, *vendor); err != nil {
				return err
			}
			_, err := fmt.Fprintf(e.stdout, "deleted the Yespo account of %s\n", *vendor)
			return err
		}
	})
	registerAdmin("yespo", "ignored", "list order events ignored as Yespo would, most recently seen first (--vendor, --reason, --limit, --cursor)", func(fs *flag.FlagSet) func(*adminEnv) error {
		vendor := fs.String("vendor", "", "vendor id")
		reason := fs.String("reason", "", "only this reason (an error code, e.g. ContactNotFoundError)")
		p := orderhub.Page{}
		fs.IntVar(&p.Limit, "limit", 50, "rows per page (1..1000)")
		fs.StringVar(&p.Cursor, "cursor", "", "the next page: the cursor printed after the previous page")
		return func(e *adminEnv) error {
			if _, err := e.db.Tenants().GetVendor(e.ctx, *vendor); err != nil {
				return err
			}
			if p.Limit <= 0 {
				p.Limit = 50 // as before the cursor
			}
			p.Limit = min(p.Limit, 1000)
			pg, err := e.db.Connectors().ListIgnoredEventPage(e.ctx, orderhub.IgnoredEventFilter{VendorID: *vendor, Reason: *reason}, p)
			if err != nil {
				return httpapi.PageError(err)
			}
			return printPage(e, pg, []string{"ID", "LAST SEEN", "TYPE", "ORDER", "REASON", "COUNT", "MESSAGE"}, func(r *orderhub.IgnoredEvent) []string {
				return []string{r.ID, fmtTime(r.LastSeenAt), r.EventType, r.ExternalOrderID, r.Reason, strconv.FormatInt(r.Count, 10), r.Message}
			})
		}
	})

}

// wireYespo adds the Yespo Sender to the delivery engine and the account admin API
// to the server. ORDERHUB_SECRET_KEY seals API keys; without it they are stored
// as-is (logged once as a warning).
func wireYespo(e *connectorEnv) error {
	sealer, err := connectorSealer(e, yespo.SealerFromEnv, "Yespo API keys")
	if err != nil {
		return err
	}
	e.api.Yespo = yespo.NewConnector(e.db.Connectors(), sealer, e.guard.Client())
	e.senders[orderhub.EndpointYespo] = yespo.NewSender(connectorStore(e.db), sealer, e.guard.Client())
	return nil
}

// yespoConnector is the connector of the admin CLI (the key from the environment).
func yespoConnector(db *sqlstore.DB) (*yespo.Connector, error) {
	sealer, err := yespo.SealerFromEnv(os.Getenv)
	if err != nil {
		return nil, err
	}
	return yespo.NewConnector(db.Connectors(), sealer, nil), nil
}

func printYespo(e *adminEnv, a *orderhub.YespoAccount) error {
	view := map[string]any{"vendorId": a.VendorID, "baseUrl": a.BaseURL, "endpointId": a.EndpointID, "apiKeySet": a.SealedKey != "",
		"apiKeyEncrypted": yespo.IsSealed(a.SealedKey), "createdAt": a.CreatedAt, "updatedAt": a.UpdatedAt}
	enc := "no (ORDERHUB_SECRET_KEY not set)"
	if yespo.IsSealed(a.SealedKey) {
		enc = "yes"
	}
	return e.print(view, []string{"VENDOR", "BASE URL", "ENDPOINT", "KEY ENCRYPTED", "UPDATED"},
		[][]string{{a.VendorID, a.BaseURL, a.EndpointID, enc, fmtTime(a.UpdatedAt)}})
}
