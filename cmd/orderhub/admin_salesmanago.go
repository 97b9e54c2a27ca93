package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"

	"orderhub"
	"orderhub/connector/salesmanago"
	"orderhub/httpapi"
	"orderhub/netguard"
)

// SALESmanago in the CLI: the connector's wiring into serve (its delivery Sender and
// the options of the seed 002 API), and `orderhub admin salesmanago accounts …`.

// adminSalesmanagoCommands registers its admin commands (called once, from adminCommands).
func adminSalesmanagoCommands() {
	const g = "salesmanago accounts"
	registerAdmin(g, "create", "connect a SALESmanago account (--vendor, --group-key, --base-url, --client-id, --owner, --api-secret-env|--api-secret-file, [--api-key-env|--api-key-file, --catalog-id, --mapping|--mapping-file])", func(fs *flag.FlagSet) func(*adminEnv) error {
		in := &orderhub.SalesmanagoAccountInput{}
		vendor := fs.String("vendor", "", "vendor id")
		fs.StringVar(&in.ID, "id", "", "account id (generated when empty)")
		fs.StringVar(&in.GroupKey, "group-key", "", "group_key that selects this account in seed 002's requests (unique across vendors)")
		fs.StringVar(&in.Name, "name", "", "description")
		fs.StringVar(&in.BaseURL, "base-url", "", "the account's v2 server, e.g. https://app3.salesmanago.com")
		fs.StringVar(&in.V3BaseURL, "v3-base-url", "", "API v3 base URL (default "+orderhub.SalesmanagoDefaultV3BaseURL+")")
		fs.StringVar(&in.ClientID, "client-id", "", "SALESmanago clientId")
		fs.StringVar(&in.Owner, "owner", "", "the SALESmanago user's e-mail the calls are made as (owner)")
		fs.StringVar(&in.CatalogID, "catalog-id", "", "v3 product catalog id (for POST /salesmanago/products)")
		secretEnv := fs.String("api-secret-env", "", "read the apiSecret from this environment variable")
		secretFile := fs.String("api-secret-file", "", "read the apiSecret from this file (first line)")
		keyEnv := fs.String("api-key-env", "", "read the v3 API key from this environment variable")
		keyFile := fs.String("api-key-file", "", "read the v3 API key from this file (first line)")
		mapping := fs.String("mapping", "", "the field mapping as JSON (see docs/salesmanago.md)")
		mappingFile := fs.String("mapping-file", "", "read the field mapping JSON from this file")
		allow := allowPrivateFlag(fs)
		return func(e *adminEnv) error {
			var err error
			for f, v := range map[string]string{"--base-url": in.BaseURL, "--v3-base-url": in.V3BaseURL} {
				if err := checkTarget(e.ctx, *allow, f, v, true); err != nil {
					return err
				}
			}
			if in.APISecret, err = smSecretFlag("--api-secret", *secretEnv, *secretFile); err != nil {
				return err
			}
			if in.APISecret == "" {
				return errors.New("the apiSecret is required: give --api-secret-env NAME or --api-secret-file PATH (never on the command line)")
			}
			if in.APIKey, err = smSecretFlag("--api-key", *keyEnv, *keyFile); err != nil {
				return err
			}
			if in.Mapping, err = smMappingFlag(*mapping, *mappingFile); err != nil {
				return err
			}
			sealer, err := salesmanago.SealerFromEnv(os.Getenv)
			if err != nil {
				return err
			}
			svc := e.manageTargets(*allow)
			svc.SMSealer = sealer
			rec, err := svc.Connectors().CreateSalesmanagoAccount(e.ctx, *vendor, in)
			if err != nil {
				return err
			}
			if !sealer.Encrypts() {
				fmt.Fprintln(os.Stderr, "warning: ORDERHUB_SECRET_KEY is not set: the account's secrets are stored unencrypted")
			}
			return printSMAccounts(e, rec, []*orderhub.SalesmanagoAccountRecord{rec})
		}
	})
	registerAdmin(g, "list", "list SALESmanago accounts (--vendor; never the secrets)", func(fs *flag.FlagSet) func(*adminEnv) error {
		vendor := fs.String("vendor", "", "only this vendor's accounts")
		return func(e *adminEnv) error {
			l, err := e.db.Connectors().ListSalesmanagoAccounts(e.ctx, *vendor)
			if err != nil {
				return err
			}
			return printSMAccounts(e, l, l)
		}
	})
	registerAdmin(g, "update", "change an account's settings or rotate its secrets, keeping its id and endpoint (--vendor, --id, and any of --name, --base-url, --v3-base-url, --client-id, --owner, --catalog-id, --api-secret-env|--api-secret-file, --api-key-env|--api-key-file)", func(fs *flag.FlagSet) func(*adminEnv) error {
		vendor := fs.String("vendor", "", "vendor id")
		id := fs.String("id", "", "account id")
		fs.String("name", "", "description")
		fs.String("base-url", "", "the account's v2 server")
		fs.String("v3-base-url", "", "API v3 base URL")
		fs.String("client-id", "", "SALESmanago clientId")
		fs.String("owner", "", "the SALESmanago user's e-mail")
		fs.String("catalog-id", "", "v3 product catalog id")
		secretEnv := fs.String("api-secret-env", "", "read the new apiSecret from this environment variable")
		secretFile := fs.String("api-secret-file", "", "read the new apiSecret from this file (first line)")
		keyEnv := fs.String("api-key-env", "", "read the new v3 API key from this environment variable")
		allow := allowPrivateFlag(fs)
		keyFile := fs.String("api-key-file", "", "read the new v3 API key from this file (first line)")
		return func(e *adminEnv) error {
			p := &orderhub.SalesmanagoAccountPatch{}
			setGiven(fs, map[string]any{"name": &p.Name, "base-url": &p.BaseURL, "v3-base-url": &p.V3BaseURL, "client-id": &p.ClientID,
				"owner": &p.Owner, "catalog-id": &p.CatalogID})
			secret, err := smSecretFlag("--api-secret", *secretEnv, *secretFile)
			if err != nil {
				return err
			}
			if secret != "" {
				p.APISecret = &secret
			}
			key, err := smSecretFlag("--api-key", *keyEnv, *keyFile)
			if err != nil {
				return err
			}
			if key != "" {
				p.APIKey = &key
			}
			sealer, err := salesmanago.SealerFromEnv(os.Getenv)
			if err != nil {
				return err
			}
			for f, v := range map[string]*string{"--base-url": p.BaseURL, "--v3-base-url": p.V3BaseURL} {
				if v != nil {
					if err := checkTarget(e.ctx, *allow, f, *v, true); err != nil {
						return err
					}
				}
			}
			svc := e.manageTargets(*allow)
			svc.SMSealer = sealer
			rec, err := svc.Connectors().UpdateSalesmanagoAccount(e.ctx, *vendor, *id, p)
			if err != nil {
				return err
			}
			return printSMAccounts(e, rec, []*orderhub.SalesmanagoAccountRecord{rec})
		}
	})
	registerAdmin(g, "mapping", "replace an account's field mapping (--vendor, --id, --mapping|--mapping-file)", func(fs *flag.FlagSet) func(*adminEnv) error {
		vendor := fs.String("vendor", "", "vendor id")
		id := fs.String("id", "", "account id")
		mapping := fs.String("mapping", "", "the field mapping as JSON")
		mappingFile := fs.String("mapping-file", "", "read the field mapping JSON from this file")
		return func(e *adminEnv) error {
			m, err := smMappingFlag(*mapping, *mappingFile)
			if err != nil {
				return err
			}
			if m == nil {
				return errors.New("give --mapping JSON or --mapping-file PATH")
			}
			rec, err := e.manage().Connectors().SetSalesmanagoMapping(e.ctx, *vendor, *id, m)
			if err != nil {
				return err
			}
			return printSMAccounts(e, rec, []*orderhub.SalesmanagoAccountRecord{rec})
		}
	})
	registerAdmin(g, "delete", "delete a SALESmanago account and its delivery endpoint (--vendor, --id)", func(fs *flag.FlagSet) func(*adminEnv) error {
		vendor := fs.String("vendor", "", "vendor id")
		id := fs.String("id", "", "account id")
		return func(e *adminEnv) error {
			if err := e.manage().Connectors().DeleteSalesmanagoAccount(e.ctx, *vendor, *id); err != nil {
				return err
			}
			return e.print(map[string]string{"id": *id, "status": "deleted"}, nil, [][]string{{"deleted SALESmanago account " + *id}})
		}
	})
	registerAdmin(g, "test", "test an account's credentials against SALESmanago (--vendor, --id)", func(fs *flag.FlagSet) func(*adminEnv) error {
		vendor := fs.String("vendor", "", "vendor id")
		id := fs.String("id", "", "account id")
		allow := allowPrivateFlag(fs)
		return func(e *adminEnv) error {
			rec, err := e.db.Connectors().GetSalesmanagoAccount(e.ctx, *vendor, *id)
			if err != nil {
				return err
			}
			sealer, err := salesmanago.SealerFromEnv(os.Getenv)
			if err != nil {
				return err
			}
			cl, err := salesmanago.ClientFor(rec, sealer, netguard.New(netguard.Options{AllowPrivate: *allow}).Client())
			if err != nil {
				return err
			}
			r := cl.Test(e.ctx, rec.CatalogID)
			if e.json {
				if err := e.print(r, nil, nil); err != nil {
					return err
				}
			} else {
				fmt.Fprintf(e.stdout, "API v2 (contacts, events): %s\n", okOr(r.V2OK, r.V2Error))
				if r.V3Checked {
					fmt.Fprintf(e.stdout, "API v3 (products):         %s\n", okOr(r.V3OK && r.V3Error == "", r.V3Error))
				} else {
					fmt.Fprintln(e.stdout, "API v3 (products):         not configured (no v3 API key)")
				}
			}
			if !r.OK {
				return errors.New("the connection test failed")
			}
			return nil
		}
	})
}

func okOr(ok bool, msg string) string {
	if ok {
		return "ok"
	}
	return "FAILED: " + msg
}

// wireSalesmanago adds the SALESmanago Sender to the delivery engine and the sealer
// to the API. ORDERHUB_SECRET_KEY seals account secrets; without it they are stored
// as-is (logged once as a warning).
func wireSalesmanago(e *connectorEnv) error {
	sealer, err := connectorSealer(e, salesmanago.SealerFromEnv, "SALESmanago account secrets")
	if err != nil {
		return err
	}
	e.api.Salesmanago = httpapi.SalesmanagoOptions{Sealer: sealer, HTTPClient: e.guard.Client()}
	e.senders[orderhub.EndpointSalesmanago] = salesmanago.NewSender(connectorStore(e.db), sealer, e.guard.Client())
	return nil
}

// connectorSealer is a connector's sealer of ORDERHUB_SECRET_KEY (fromEnv is the
// connector's SealerFromEnv); without the key, what (its secrets) is stored as-is,
// which is logged once as a warning.
func connectorSealer[S interface{ Encrypts() bool }](e *connectorEnv, fromEnv func(getenv func(string) string) (S, error), what string) (S, error) {
	sealer, err := fromEnv(e.getenv)
	if err == nil && !sealer.Encrypts() && e.log != nil {
		e.log.Warn("ORDERHUB_SECRET_KEY is not set: " + what + " are stored unencrypted")
	}
	return sealer, err
}

// smSecretFlag reads an account secret from --NAME-env or --NAME-file.
func smSecretFlag(flagName, envName, file string) (string, error) {
	return secretFlag(flagName, envName, file, "%s is empty")
}

func smMappingFlag(inline, file string) (*orderhub.SalesmanagoMapping, error) {
	raw := []byte(inline)
	switch {
	case inline != "" && file != "":
		return nil, errors.New("give --mapping or --mapping-file, not both")
	case file != "":
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, err
		}
		raw = b
	case inline == "":
		return nil, nil
	}
	var m orderhub.SalesmanagoMapping
	if err := orderhub.ReadJSON(raw, &m, orderhub.JSONOptions{KnownFields: true}); err != nil {
		return nil, fmt.Errorf("the mapping: %s", orderhub.ErrorMessage(err))
	}
	return &m, nil
}

func printSMAccounts(e *adminEnv, v any, l []*orderhub.SalesmanagoAccountRecord) error {
	rows := [][]string{}
	for _, a := range l {
		state := "enabled"
		if !a.Enabled {
			state = "disabled: " + a.DisabledReason
		}
		sync := strings.Join(a.Mapping.SyncedEventTypes(), " ")
		rows = append(rows, []string{a.ID, a.VendorID, a.GroupKey, a.BaseURL, a.ClientID, a.Owner, a.CatalogID, state, sync})
	}
	return e.print(v, []string{"ID", "VENDOR", "GROUP KEY", "BASE URL", "CLIENT ID", "OWNER", "CATALOG", "STATE", "SYNCED EVENTS"}, rows)
}
