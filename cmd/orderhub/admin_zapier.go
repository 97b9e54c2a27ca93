package main

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"orderhub"
	"orderhub/httpapi"
	"orderhub/sqlstore"
)

// The Zapier API (seed 003) in the CLI: `orderhub admin users create|list|delete`
// manage the vendor's Zapier users, `orderhub admin zapier-channels list` shows
// their REST-hook subscriptions; the demo gets a Zapier user; and zapier endpoints
// get their item-shaped bodies from the delivery engine.

// deliveryBodies are the delivery engine's body builders of HTTP endpoint kinds.
func deliveryBodies(db *sqlstore.DB) map[string]func(*orderhub.ClaimedDelivery) ([]byte, error) {
	return map[string]func(*orderhub.ClaimedDelivery) ([]byte, error){orderhub.EndpointZapier: httpapi.ZapierBody(newZapierStore(db))}
}

var zapierUserHeader = []string{"ID", "VENDOR", "EMAIL", "NAME", "CREATED", "DISABLED"}

func zapierUserRow(u *orderhub.ZapierUser) []string {
	disabled := "-"
	if u.DisabledAt != nil {
		disabled = fmtTime(*u.DisabledAt)
	}
	return []string{u.ID, u.VendorID, u.Email, u.Name, fmtTime(u.CreatedAt), disabled}
}

// printZapierUser prints a Zapier user with the password generated for them, shown
// this once (none when it is empty), or answers err when the call failed.
func printZapierUser(e *adminEnv, u *orderhub.ZapierUser, generated string, err error) error {
	if err != nil || generated == "" {
		return printOne(e, u, err, zapierUserHeader, zapierUserRow)
	}
	out := httpapi.ZapierUserCredentials{ZapierUser: u, Password: generated}
	return e.print(out, append(zapierUserHeader, "PASSWORD (shown once)"), [][]string{append(zapierUserRow(u), generated)})
}

// adminZapierCommands registers its admin commands (called once, from adminCommands).
func adminZapierCommands() {
	registerAdmin("users", "create", "create a Zapier user of a vendor (--vendor, --email, --name, --password; generated and shown once when omitted)", func(fs *flag.FlagSet) func(*adminEnv) error {
		u := &orderhub.ZapierUser{}
		fs.StringVar(&u.VendorID, "vendor", "", "vendor id (required)")
		fs.StringVar(&u.Email, "email", "", "login e-mail, unique across vendors (required)")
		fs.StringVar(&u.Name, "name", "", "display name")
		password := fs.String("password", "", "password (8 to 72 bytes; visible in the process list: omit it to get a generated one)")
		return func(e *adminEnv) error {
			if err := requireFlags([2]string{"vendor", u.VendorID}, [2]string{"email", u.Email}); err != nil {
				return err
			}
			pw, err := e.manage().Connectors().CreateZapierUser(e.ctx, u, *password)
			return printZapierUser(e, u, pw, err)
		}
	})
	registerAdmin("users", "list", "list Zapier users (--vendor)", func(fs *flag.FlagSet) func(*adminEnv) error {
		vendor := fs.String("vendor", "", "only this vendor's users")
		return func(e *adminEnv) error {
			us, err := e.db.Catalog().ListZapierUsers(e.ctx, *vendor)
			return printListed(e, us, err, zapierUserHeader, zapierUserRow)
		}
	})
	registerAdmin("users", "delete", "delete a Zapier user and end their sessions (--vendor, --id)", func(fs *flag.FlagSet) func(*adminEnv) error {
		vendor := fs.String("vendor", "", "vendor id (required)")
		id := fs.String("id", "", "user id (required)")
		return func(e *adminEnv) error {
			if err := requireFlags([2]string{"vendor", *vendor}, [2]string{"id", *id}); err != nil {
				return err
			}
			if err := e.manage().Connectors().DeleteZapierUser(e.ctx, *vendor, *id); err != nil {
				return err
			}
			return deleted(e, "Zapier user", *id)
		}
	})
	registerAdmin("users", "reset-password", "give a Zapier user a new password and end their sessions (--vendor, --id; --password-env NAME, else generated and shown once)", func(fs *flag.FlagSet) func(*adminEnv) error {
		vendor := fs.String("vendor", "", "vendor id (required)")
		id := fs.String("id", "", "user id (required)")
		pwEnv := fs.String("password-env", "", "read the new password from this environment variable (omit it to get a generated one)")
		return func(e *adminEnv) error {
			if err := requireFlags([2]string{"vendor", *vendor}, [2]string{"id", *id}); err != nil {
				return err
			}
			pw := ""
			if *pwEnv != "" {
				if pw = e.getenv(*pwEnv); pw == "" {
					return fmt.Errorf("--password-env %s: the variable is empty or not set", *pwEnv)
				}
			}
			u, generated, err := e.manage().Connectors().ResetZapierPassword(e.ctx, *vendor, *id, pw)
			return printZapierUser(e, u, generated, err)
		}
	})
	for _, x := range []struct {
		verb    string
		enabled bool
		what    string
	}{{"disable", false, "disable a Zapier user: no login, their sessions end at once (--vendor, --id)"}, {"enable", true, "enable a disabled Zapier user again, with the same password (--vendor, --id)"}} {
		registerAdmin("users", x.verb, x.what, func(fs *flag.FlagSet) func(*adminEnv) error {
			vendor := fs.String("vendor", "", "vendor id (required)")
			id := fs.String("id", "", "user id (required)")
			return func(e *adminEnv) error {
				if err := requireFlags([2]string{"vendor", *vendor}, [2]string{"id", *id}); err != nil {
					return err
				}
				u, err := e.manage().Connectors().SetZapierUserEnabled(e.ctx, *vendor, *id, x.enabled)
				return printOne(e, u, err, zapierUserHeader, zapierUserRow)
			}
		})
	}
	registerAdmin("zapier-channels", "list", "list a vendor's live Zapier channels (REST-hook subscriptions) (--vendor)", func(fs *flag.FlagSet) func(*adminEnv) error {
		vendor := fs.String("vendor", "", "vendor id (required)")
		return func(e *adminEnv) error {
			if err := requireFlag("vendor", *vendor); err != nil {
				return err
			}
			cs, err := e.db.Catalog().ListZapierChannels(e.ctx, *vendor)
			if err != nil {
				return err
			}
			rows := [][]string{}
			for _, c := range cs {
				rows = append(rows, []string{c.ID, c.Event, c.Alias, c.URL, fmtTime(c.CreatedAt)})
			}
			return e.print(cs, []string{"ID", "EVENT", "ALIAS", "URL", "CREATED"}, rows)
		}
	})
}

// Demo Zapier user (seed 003's example login e-mail); its password is generated.
const demoZapierEmail = "admin@thiio.com"

func seedDemoZapier(ctx context.Context, db *sqlstore.DB, creds *demoCredentials) error {
	pw := randomPassword()
	u := &orderhub.ZapierUser{VendorID: creds.VendorID, Email: demoZapierEmail, Name: "Demo Zapier user"}
	if err := db.Catalog().CreateZapierUser(ctx, u, pw); err != nil {
		return err
	}
	creds.Extra["zapier_email"] = u.Email
	creds.Extra["zapier_password"] = pw
	creds.Extra["zapier_login_example"] = strings.TrimSpace(fmt.Sprintf(`
curl -s -X POST %s/api/login -H "Content-Type: application/json" -H "Accept: application/json" \
  -d '{"email":"%s","password":"%s","integration":"zapier"}'`, creds.BaseURL, u.Email, pw))
	return nil
}
