package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"orderhub"
	"orderhub/httpapi"
	"orderhub/manage"
	"orderhub/sqlstore"
)

// The core admin listings (vendors, clients, promo codes, customers, orders,
// contracts, events) page with the same store functions as GET /admin/v1/… and the
// console: newest first, --limit per page, --cursor for the next page (printed after
// the table, or to stderr with --json, whose stdout stays a JSON array).

// listFlags declares --cursor, --limit and the named filters on fs.
type listFlags struct {
	page     orderhub.Page
	filter   orderhub.AdminFilter
	from, to string
}

func newListFlags(fs *flag.FlagSet, filters ...string) *listFlags {
	l := &listFlags{}
	fs.StringVar(&l.page.Cursor, "cursor", "", "the next page: the cursor printed after the previous page")
	fs.IntVar(&l.page.Limit, "limit", orderhub.DefaultPageLimit, fmt.Sprintf("rows per page (1-%d)", orderhub.MaxPageLimit))
	for _, f := range filters {
		switch f {
		case "vendor":
			fs.StringVar(&l.filter.VendorID, "vendor", "", "only this vendor's")
		case "email":
			fs.StringVar(&l.filter.Email, "email", "", "the customer's e-mail")
		case "external-order-id":
			fs.StringVar(&l.filter.ExternalOrderID, "external-order-id", "", "the externalOrderId")
		case "customer":
			fs.StringVar(&l.filter.CustomerID, "customer", "", "the customer's id")
		case "status":
			fs.StringVar(&l.filter.Status, "status", "", "the status")
		case "type":
			fs.StringVar(&l.filter.Type, "type", "", "the event type")
		case "key":
			fs.StringVar(&l.filter.OrderingKey, "key", "", "the ordering key (customer or order id)")
		case "time":
			fs.StringVar(&l.from, "from", "", "created at or after (RFC 3339)")
			fs.StringVar(&l.to, "to", "", "created before (RFC 3339)")
		}
	}
	return l
}

// parse validates the time flags.
func (l *listFlags) parse() error {
	if l.page.Limit < 1 || l.page.Limit > orderhub.MaxPageLimit {
		return orderhub.FieldError(orderhub.EInvalidRequest, "limit", "--limit must be from 1 to %d, got %d", orderhub.MaxPageLimit, l.page.Limit)
	}
	for _, t := range []struct {
		name, v string
		dst     *time.Time
	}{{"from", l.from, &l.filter.From}, {"to", l.to, &l.filter.To}} {
		if t.v == "" {
			continue
		}
		tm, err := time.Parse(time.RFC3339Nano, t.v)
		if err != nil {
			return orderhub.FieldError(orderhub.EInvalidRequest, t.name, "--%s must be an RFC 3339 time such as 2026-11-23T08:00:00Z, got %q", t.name, t.v)
		}
		*t.dst = tm
	}
	return nil
}

// printPage prints one page and, when there is more, how to get the next one.
func printPage[T any](e *adminEnv, pg *orderhub.PageOf[T], header []string, row func(T) []string) error {
	if err := printList(e, pg.Data, header, row); err != nil {
		return err
	}
	if pg.NextCursor != "" {
		w := e.stdout
		if e.json {
			w = e.stderr
		}
		fmt.Fprintf(w, "more: --cursor %s\n", pg.NextCursor)
	}
	return nil
}

// adminList registers a paged listing command.
func adminList[T any](group, help string, filters []string, list func(e *adminEnv, f orderhub.AdminFilter, p orderhub.Page) (*orderhub.PageOf[T], error),
	header []string, row func(T) []string) {
	registerAdmin(group, "list", help, func(fs *flag.FlagSet) func(*adminEnv) error {
		l := newListFlags(fs, filters...)
		return func(e *adminEnv) error {
			if err := l.parse(); err != nil {
				return err
			}
			pg, err := list(e, l.filter, l.page)
			if err != nil {
				return httpapi.PageError(err) // the admin API's words, as before
			}
			return printPage(e, pg, header, row)
		}
	})
}

// seedDemoConsole gives the demo a console user with a generated password.
func seedDemoConsole(ctx context.Context, db *sqlstore.DB, creds *demoCredentials) error {
	pw := randomPassword()
	if _, err := db.Admin().CreateConsoleUser(ctx, "admin", pw); err != nil {
		return err
	}
	creds.Extra["console"] = fmt.Sprintf("%s/console/  (user admin, password %s)", creds.BaseURL, pw)
	return nil
}

// randomPassword is the one password generator of the admin surfaces.
func randomPassword() string { return manage.GeneratePassword() }

// adminCoreCommands registers its admin commands (called once, from adminCommands).
func adminCoreCommands() {
	adminList("vendors", "list vendors (--limit, --cursor)", nil,
		func(e *adminEnv, _ orderhub.AdminFilter, p orderhub.Page) (*orderhub.PageOf[*orderhub.Vendor], error) {
			return e.db.Admin().AdminListVendors(e.ctx, p)
		}, []string{"ID", "NAME", "CREATED"},
		func(v *orderhub.Vendor) []string { return []string{v.ID, v.Name, fmtTime(v.CreatedAt)} })
	adminList("clients", "list OAuth clients, never their secrets (--vendor, --status active|revoked, --limit, --cursor)", []string{"vendor", "status", "time"},
		func(e *adminEnv, f orderhub.AdminFilter, p orderhub.Page) (*orderhub.PageOf[*orderhub.Client], error) {
			return e.db.Admin().AdminListClients(e.ctx, f, p)
		}, []string{"CLIENT ID", "VENDOR", "NAME", "SCOPES", "STATE"},
		func(c *orderhub.Client) []string {
			return []string{c.ID, c.VendorID, c.Name, strings.Join(c.Scopes, " "), stateOf(c.RevokedAt, "revoked")}
		})
	adminList("promos", "list promo codes (--vendor, --limit, --cursor)", []string{"vendor", "time"},
		func(e *adminEnv, f orderhub.AdminFilter, p orderhub.Page) (*orderhub.PageOf[*orderhub.PromoCode], error) {
			return e.db.Admin().AdminListPromoCodes(e.ctx, f, p)
		}, promoHeader, promoRow)
	adminList("events", "list outbox events, newest first (--vendor, --type, --key, --from, --to, --limit, --cursor)", []string{"vendor", "type", "key", "time"},
		func(e *adminEnv, f orderhub.AdminFilter, p orderhub.Page) (*orderhub.PageOf[*orderhub.Event], error) {
			return e.db.Admin().AdminListEvents(e.ctx, f, p)
		}, []string{"VENDOR", "SEQ", "TYPE", "KEY", "ID", "CREATED"},
		func(ev *orderhub.Event) []string {
			return []string{ev.VendorID, fmt.Sprint(ev.Seq), ev.Type, ev.OrderingKey, ev.ID, fmtTime(ev.CreatedAt)}
		})
	adminList("customers", "list customers (--vendor, --email, --from, --to, --limit, --cursor)", []string{"vendor", "email", "time"},
		func(e *adminEnv, f orderhub.AdminFilter, p orderhub.Page) (*orderhub.PageOf[*orderhub.Customer], error) {
			return e.db.Admin().AdminListCustomers(e.ctx, f, p)
		}, []string{"CUSTOMER", "VENDOR", "EMAIL", "NAME", "CREATED"},
		func(c *orderhub.Customer) []string {
			return []string{c.ID, c.VendorID, c.Email, c.FullName, fmtTime(c.CreatedAt)}
		})
	adminList("orders", "list orders (--vendor, --email, --external-order-id, --customer, --status, --from, --to, --limit, --cursor)",
		[]string{"vendor", "email", "external-order-id", "customer", "status", "time"},
		func(e *adminEnv, f orderhub.AdminFilter, p orderhub.Page) (*orderhub.PageOf[*orderhub.Order], error) {
			return e.db.Admin().AdminListOrders(e.ctx, f, p)
		}, []string{"ORDER", "VENDOR", "NUMBER", "EXTERNAL ID", "STATUS", "TOTAL", "CUSTOMER", "CREATED"},
		func(o *orderhub.Order) []string {
			return []string{o.ID, o.VendorID, fmt.Sprint(o.Number), o.ExternalOrderID, o.Status, orderhub.FormatDecimal(int64(o.Total)) + " " + o.Currency, o.CustomerID, fmtTime(o.CreatedAt)}
		})
	adminList("contracts", "list contracts (--vendor, --email, --external-order-id, --customer, --status, --from, --to, --limit, --cursor)",
		[]string{"vendor", "email", "external-order-id", "customer", "status", "time"},
		func(e *adminEnv, f orderhub.AdminFilter, p orderhub.Page) (*orderhub.PageOf[*orderhub.Contract], error) {
			return e.db.Admin().AdminListContracts(e.ctx, f, p)
		}, []string{"CONTRACT", "VENDOR", "EXTERNAL ID", "PRODUCT", "STATUS", "USER", "CREATED"},
		func(c *orderhub.Contract) []string {
			return []string{c.ID, c.VendorID, c.ExternalOrderID, c.ProductName, c.Status, c.UserEmail, fmtTime(c.CreatedAt)}
		})

	registerAdmin("customers", "timeline", "everything that happened to a customer (--id, --limit)", func(fs *flag.FlagSet) func(*adminEnv) error {
		id := fs.String("id", "", "customer id (required)")
		limit := fs.Int("limit", 200, "at most this many entries (1-1000)")
		return func(e *adminEnv) error {
			tl, err := e.db.Admin().CustomerTimeline(e.ctx, *id, *limit)
			if err != nil {
				return err
			}
			rows := [][]string{}
			for _, t := range tl {
				rows = append(rows, []string{fmtTime(t.At), t.Kind, t.ID, t.Status, t.Title})
			}
			return e.print(tl, []string{"AT", "KIND", "ID", "STATUS", "WHAT"}, rows)
		}
	})

	registerAdmin("console-user", "create", "create a web console user (--username, --role, --vendor; --password, or one is generated and printed once)", func(fs *flag.FlagSet) func(*adminEnv) error {
		username := fs.String("username", "", "login name (required)")
		password := fs.String("password", "", fmt.Sprintf("password, at least %d characters (generated when empty)", orderhub.MinConsolePassword))
		role := fs.String("role", orderhub.RoleOperator, "operator (every vendor), vendor-admin or vendor-viewer (one vendor: --vendor)")
		vendor := fs.String("vendor", "", "the vendor of a vendor-admin or vendor-viewer")
		return func(e *adminEnv) error {
			pw, generated := *password, false
			if pw == "" {
				pw, generated = randomPassword(), true
			}
			u, err := e.manage().Users().CreateConsoleUser(e.ctx, manage.ConsoleUserInput{Username: *username, Password: pw, Role: *role, Vendor: *vendor})
			if err != nil {
				return err
			}
			out := struct {
				*orderhub.ConsoleUser
				Password string `json:"password,omitempty"`
			}{ConsoleUser: u}
			shown := "(as given)"
			if generated {
				out.Password, shown = pw, pw
			}
			return e.print(out, []string{"ID", "USERNAME", "PASSWORD (shown once)"}, [][]string{{u.ID, u.Username, shown}})
		}
	})
	registerAdmin("console-user", "set-role", "give a web console user another role (--username, --role, --vendor); the last active operator keeps its role", func(fs *flag.FlagSet) func(*adminEnv) error {
		username := fs.String("username", "", "login name (required)")
		role := fs.String("role", "", "operator (every vendor), vendor-admin or vendor-viewer (one vendor: --vendor) (required)")
		vendor := fs.String("vendor", "", "the vendor of a vendor-admin or vendor-viewer")
		return func(e *adminEnv) error {
			if *role == "" {
				return usageErrorf("--role is required: operator, vendor-admin or vendor-viewer")
			}
			u, err := e.manage().Users().SetConsoleUserRole(e.ctx, manage.ConsoleUserInput{Username: *username, Role: *role, Vendor: *vendor})
			if err != nil {
				return err
			}
			return e.print(u, []string{"USERNAME", "ROLE", "VENDOR"}, [][]string{{u.Username, u.Role, u.VendorID}})
		}
	})
	registerAdmin("console-user", "reset-password", "give a web console user a new password (--username; --password, or one is generated and printed once); ends their sessions", func(fs *flag.FlagSet) func(*adminEnv) error {
		username := fs.String("username", "", "login name (required)")
		password := fs.String("password", "", fmt.Sprintf("the new password, at least %d characters (generated when empty)", orderhub.MinConsolePassword))
		return func(e *adminEnv) error {
			pw, shown := *password, "(as given)"
			if pw == "" {
				pw = randomPassword()
				shown = pw
			}
			if err := e.manage().Users().ResetConsoleUserPassword(e.ctx, *username, pw); err != nil {
				return err
			}
			out := map[string]string{"username": strings.TrimSpace(*username)}
			if *password == "" {
				out["password"] = pw
			}
			return e.print(out, []string{"USERNAME", "PASSWORD (shown once)"}, [][]string{{strings.TrimSpace(*username), shown}})
		}
	})
	registerAdmin("console-user", "delete", "delete a web console user (--username), ending their sessions; the last active operator is kept", func(fs *flag.FlagSet) func(*adminEnv) error {
		username := fs.String("username", "", "login name (required)")
		return func(e *adminEnv) error {
			if err := e.manage().Users().DeleteConsoleUser(e.ctx, *username); err != nil {
				return err
			}
			return e.print(map[string]string{"username": *username, "status": "deleted"}, nil, [][]string{{"deleted " + *username}})
		}
	})
	registerAdmin("console-user", "list", "list web console users", func(fs *flag.FlagSet) func(*adminEnv) error {
		return func(e *adminEnv) error {
			us, err := e.db.Admin().ListConsoleUsers(e.ctx)
			return printListed(e, us, err, []string{"ID", "USERNAME", "ROLE", "VENDOR", "CREATED", "STATE"}, func(u *orderhub.ConsoleUser) []string {
				return []string{u.ID, u.Username, u.Role, u.VendorID, fmtTime(u.CreatedAt), stateOf(u.DisabledAt, "disabled")}
			})
		}
	})
	for _, action := range []string{"disable", "enable"} {
		help := "enable a web console user again (--username)"
		if action == "disable" {
			help = "disable a web console user (--username), ending their sessions; the last active operator is kept"
		}
		registerAdmin("console-user", action, help, func(fs *flag.FlagSet) func(*adminEnv) error {
			username := fs.String("username", "", "login name (required)")
			return func(e *adminEnv) error {
				if err := e.manage().Users().SetConsoleUserDisabled(e.ctx, *username, action == "disable"); err != nil {
					return err
				}
				return e.print(map[string]string{"username": *username, "status": action + "d"}, nil, [][]string{{action + "d " + *username}})
			}
		})
	}
}
