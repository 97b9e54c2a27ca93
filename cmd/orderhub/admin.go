package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"orderhub"
	"orderhub/hub"
	"orderhub/manage"
	"orderhub/netguard"
	"orderhub/sealing"
	"orderhub/sqlstore"
)

// adminEnv is what an admin command runs with.
type adminEnv struct {
	ctx    context.Context
	db     *sqlstore.DB
	stdout io.Writer
	stderr io.Writer
	json   bool
	getenv func(string) string // the environment (ORDERHUB_SECRET_KEY, …)
}

// print writes v as JSON (--json) or as a table of the given columns.
func (e *adminEnv) print(v any, header []string, rows [][]string) error {
	if e.json {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
	if header != nil {
		fmt.Fprintln(tw, strings.Join(header, "\t"))
	}
	for _, r := range rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
	}
	return tw.Flush()
}

// manage returns the service the admin API and the console call too (package
// manage), so that a command refuses what they refuse: every admin command that
// changes something makes the change there and only parses its own flags.
func (e *adminEnv) manage() *manage.Service { return e.manageTargets(false) }

// manageTargets is manage for a command that registers target URLs, checked by the
// outbound guard's registration rules (allowPrivate: --allow-private-targets).
func (e *adminEnv) manageTargets(allowPrivate bool) *manage.Service {
	return &manage.Service{Store: hub.Wrap(e.db.Store(), e.db), Guard: netguard.New(netguard.Options{AllowPrivate: allowPrivate})}
}

// adminCommand declares its flags on fs and returns the function that runs it.
type adminCommand struct {
	help  string
	setup func(fs *flag.FlagSet) func(env *adminEnv) error
}

// adminCommands returns the admin commands by group and action, registered once by
// the groups' functions listed here (explicitly: no init() registration).
var adminCommands = sync.OnceValue(func() map[string]map[string]adminCommand {
	for _, group := range []func(){
		adminVendorCommands, adminCoreCommands, adminAuditCommands, adminCatalogCommands, adminDeliveryCommands,
		adminQuotaCommands, adminRetentionCommands, adminSalesmanagoCommands, adminYespoCommands, adminZapierCommands,
		adminSecretsCommands,
	} {
		group()
	}
	return adminRegistry
})

// connectorWirings are the connectors serve wires in (their Senders, their admin
// API options), listed here explicitly: before, each connector's command group
// appended itself to a global while the admin commands were registered, so serve
// saw the connectors only once something had listed those commands.
func connectorWirings() []func(e *connectorEnv) error {
	return []func(e *connectorEnv) error{wireSalesmanago, wireYespo}
}

// adminRegistry is filled by registerAdmin while adminCommands runs the groups.
var adminRegistry = map[string]map[string]adminCommand{}

// registerAdmin adds `orderhub admin GROUP ACTION`.
func registerAdmin(group, action, help string, setup func(fs *flag.FlagSet) func(env *adminEnv) error) {
	if adminRegistry[group] == nil {
		adminRegistry[group] = map[string]adminCommand{}
	}
	adminRegistry[group][action] = adminCommand{help: help, setup: setup}
}

func adminUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: orderhub admin <group> <action> [--db DSN] [--json] [flags]")
	fmt.Fprintln(w, "\ncommands:")
	var groups []string
	for g := range adminCommands() {
		groups = append(groups, g)
	}
	sort.Strings(groups)
	for _, g := range groups {
		var actions []string
		for a := range adminCommands()[g] {
			actions = append(actions, a)
		}
		sort.Strings(actions)
		for _, a := range actions {
			fmt.Fprintf(w, "  %-28s %s\n", g+" "+a, adminCommands()[g][a].help)
		}
	}
}

func runAdmin(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		adminUsage(stdout)
		return nil
	}
	cmd, args, err := findAdmin(args)
	if err != nil {
		return err
	}
	fs := newFlags("admin "+args[0]+" "+args[1], stderr)
	dsn := dbFlag(fs, getenv)
	asJSON := fs.Bool("json", false, "print machine-readable JSON")
	runFn := cmd.setup(fs)
	if err := parseFlags(fs, args[2:]); err != nil {
		return ignoreHelp(err)
	}
	if fs.NArg() > 0 {
		return usageErrorf("unexpected arguments: %s (every value goes with a flag, e.g. --id X; `orderhub admin %s -h` lists them)", strings.Join(fs.Args(), " "), args[0]+" "+args[1])
	}
	// An admin command works on an existing database: it never creates one (a
	// mistyped --db, or a relative path run from another directory, would otherwise
	// make an empty database and report everything as not found), and its errors
	// say which database they are about.
	db, err := sqlstore.Open(ctx, *dsn, sqlstore.Options{MustExist: true})
	if err != nil {
		return err
	}
	defer db.Close()
	sealer, err := sealing.FromEnv(getenv)
	if err != nil {
		return err
	}
	db.Tenants().SetSealer(sealer) // webhook signing secrets are written and read sealed
	// The audit log records the change the command makes, if any (sqlstore/audit.go).
	ctx = orderhub.WithChange(ctx, cliChange(args[0], args[1], fs))
	if err := runFn(&adminEnv{ctx: ctx, db: db, stdout: stdout, stderr: stderr, json: *asJSON, getenv: getenv}); err != nil {
		return fmt.Errorf("%w (database %s)", err, sqlstore.DescribeDSN(*dsn))
	}
	return nil
}

// findAdmin returns the command named by the first two words of args (three for
// groups such as "salesmanago accounts") and the rest of args. A name that is not a
// command is a usage error naming it, with the closest command when one is near.
func findAdmin(args []string) (adminCommand, []string, error) {
	if len(args) >= 3 && adminCommands()[args[0]+" "+args[1]] != nil {
		args = append([]string{args[0] + " " + args[1]}, args[2:]...)
	}
	if len(args) >= 2 {
		if cmd, ok := adminCommands()[args[0]][args[1]]; ok {
			return cmd, args, nil
		}
	}
	var words []string // the words before the first flag
	for _, a := range args {
		if strings.HasPrefix(a, "-") || len(words) == 3 {
			break
		}
		words = append(words, a)
	}
	const hint = "`orderhub admin help` lists every command"
	if len(words) == 1 && adminCommands()[words[0]] != nil {
		return adminCommand{}, nil, usageErrorf("%q needs an action: orderhub admin %s %s", words[0], words[0], strings.Join(adminActions(words[0]), "|"))
	}
	typed := strings.Join(words, " ")
	if typed == "" {
		return adminCommand{}, nil, usageErrorf("missing admin command; %s", hint)
	}
	// The nearest command, comparing each with as many typed words as it has.
	best, bestD := "", -1
	for g, actions := range adminCommands() {
		for a := range actions {
			name := g + " " + a
			n := len(strings.Fields(name))
			if n > len(words) {
				continue
			}
			d := editDistance(strings.Join(words[:n], " "), name)
			if d <= max(2, len(name)/4) && (bestD < 0 || d < bestD || d == bestD && name < best) {
				best, bestD = name, d
			}
		}
	}
	msg := fmt.Sprintf("unknown admin command %q", typed)
	if g := words[0]; adminCommands()[g] != nil {
		msg += fmt.Sprintf(" (%q has %s)", g, strings.Join(adminActions(g), ", "))
	}
	if best != "" {
		return adminCommand{}, nil, usageErrorf("%s; did you mean `orderhub admin %s`? %s", msg, best, hint)
	}
	return adminCommand{}, nil, usageErrorf("%s; %s", msg, hint)
}

func adminActions(group string) []string {
	var as []string
	for a := range adminCommands()[group] {
		as = append(as, a)
	}
	sort.Strings(as)
	return as
}

// cliResources names the resource type of each command group in the audit log.
var cliResources = map[string]string{
	"promos": "promo-code", "token": "admin-token", "mappings": "product-mapping", "yespo": "yespo-account",
	"users": "zapier-user", "retention": "retention", "salesmanago accounts": "salesmanago-account",
}

// cliChange describes the change a command may make for the audit log: the action
// (resource type and verb, as the admin API names it), the resource named by its
// flags (--id, --username; --vendor for a vendor's settings) and the flags given
// (secrets masked).
func cliChange(group, action string, fs *flag.FlagSet) *orderhub.Change {
	rt := cliResources[group]
	if rt == "" {
		rt = strings.TrimSuffix(strings.TrimSuffix(group, "s"), "-")
		if strings.HasSuffix(group, "ies") {
			rt = strings.TrimSuffix(group, "ies") + "y"
		}
	}
	verb := action
	if rt == "endpoint" && action == "rotate" {
		verb = "rotate-secret"
	}
	c := &orderhub.Change{Actor: orderhub.CLIActor, Action: rt + "." + verb, ResourceType: rt}
	flags := map[string]any{}
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "db" || f.Name == "json" {
			return
		}
		flags[f.Name] = f.Value.String()
	})
	get := func(name string) string { s, _ := flags[name].(string); return s }
	c.VendorID = get("vendor")
	c.ResourceID = get("id")
	if rt == "console-user" {
		c.ResourceID = get("username")
	}
	if rt == "promo-code" {
		c.ResourceID = get("code")
	}
	if rt == "yespo-account" || rt == "retention" || rt == "quota" {
		c.ResourceID = c.VendorID
	}
	c.Request = flags
	return c
}

func fmtTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// stateOf is a record's STATE column: "active", or what happened to it at at
// (revoked, disabled) and when.
func stateOf(at *time.Time, what string) string {
	if at == nil {
		return "active"
	}
	return what + " " + fmtTime(*at)
}

// adminVendorCommands registers its admin commands (called once, from adminCommands).
func adminVendorCommands() {
	registerAdmin("vendors", "create", "create a vendor (--id, --name)", func(fs *flag.FlagSet) func(*adminEnv) error {
		id := fs.String("id", "", "vendor id (generated when empty)")
		name := fs.String("name", "", "display name")
		return func(e *adminEnv) error {
			v := &orderhub.Vendor{ID: *id, Name: *name}
			if err := e.manage().Vendors().CreateVendor(e.ctx, v); err != nil {
				return err
			}
			return e.print(v, []string{"ID", "NAME"}, [][]string{{v.ID, v.Name}})
		}
	})
	registerAdmin("vendors", "update", "rename a vendor or set who may embed its portal (--id, --name, --frame-ancestors); vendors are never deleted", func(fs *flag.FlagSet) func(*adminEnv) error {
		id := fs.String("id", "", "vendor id (required; it never changes)")
		fs.String("name", "", "new display name")
		fa := fs.String("frame-ancestors", "", `origins that may embed the vendor's portal, comma-separated (https://shop.example); "" for none`)
		return func(e *adminEnv) error {
			if *id == "" {
				return orderhub.Errorf(orderhub.EInvalidRequest, "--id is required")
			}
			var in manage.VendorUpdate
			setGiven(fs, map[string]any{"name": &in.Name})
			if given(fs, "frame-ancestors") {
				list := strings.FieldsFunc(*fa, func(r rune) bool { return r == ',' || r == ' ' })
				if list == nil {
					list = []string{}
				}
				in.FrameAncestors = &list
			}
			if in.Name == nil && in.FrameAncestors == nil {
				return orderhub.Errorf(orderhub.EInvalidRequest, "give --name, --frame-ancestors or both")
			}
			v, err := e.manage().Vendors().UpdateVendor(e.ctx, *id, in)
			if err != nil {
				return err
			}
			return e.print(v, []string{"ID", "NAME", "FRAME ANCESTORS"}, [][]string{{v.ID, v.Name, strings.Join(v.FrameAncestors, " ")}})
		}
	})
	registerAdmin("clients", "create", "create an OAuth client (--vendor, --scopes); prints the secret once", func(fs *flag.FlagSet) func(*adminEnv) error {
		vendor := fs.String("vendor", "", "vendor id (required)")
		id := fs.String("id", "", "client id (generated when empty)")
		name := fs.String("name", "", "description")
		scopes := fs.String("scopes", orderhub.ScopeVendorOrders, "space- or comma-separated scopes: "+strings.Join(orderhub.KnownScopes, ", "))
		return func(e *adminEnv) error {
			if *vendor == "" {
				return orderhub.Errorf(orderhub.EInvalidRequest, "--vendor is required")
			}
			c := &orderhub.Client{ID: *id, VendorID: *vendor, Name: *name, Scopes: strings.FieldsFunc(*scopes, func(r rune) bool { return r == ',' || r == ' ' })}
			secret, err := e.manage().Vendors().CreateClient(e.ctx, c)
			if err != nil {
				return err
			}
			out := struct {
				*orderhub.Client
				ClientSecret string `json:"clientSecret"`
			}{c, secret}
			return e.print(out, []string{"CLIENT ID", "VENDOR", "SCOPES", "SECRET (shown once)"},
				[][]string{{c.ID, c.VendorID, strings.Join(c.Scopes, " "), secret}})
		}
	})
	registerAdmin("clients", "revoke", "revoke an OAuth client (--id)", func(fs *flag.FlagSet) func(*adminEnv) error {
		id := fs.String("id", "", "client id (required)")
		return func(e *adminEnv) error {
			if _, err := e.manage().Vendors().RevokeClient(e.ctx, *id); err != nil {
				return err
			}
			return e.print(map[string]string{"clientId": *id, "status": "revoked"}, nil, [][]string{{"revoked " + *id}})
		}
	})
	registerAdmin("clients", "rotate-secret", "give an OAuth client a new secret (--id); prints it once, the old one stops at once", func(fs *flag.FlagSet) func(*adminEnv) error {
		id := fs.String("id", "", "client id (required)")
		return func(e *adminEnv) error {
			if *id == "" {
				return orderhub.Errorf(orderhub.EInvalidRequest, "--id is required")
			}
			c, secret, err := e.manage().Vendors().RotateClientSecret(e.ctx, *id)
			if err != nil {
				return err
			}
			out := struct {
				*orderhub.Client
				ClientSecret string `json:"clientSecret"`
			}{c, secret}
			return e.print(out, []string{"CLIENT ID", "VENDOR", "NEW SECRET (shown once)"}, [][]string{{c.ID, c.VendorID, secret}})
		}
	})

	registerAdmin("promos", "create", "create a promo code (--vendor, --code, --product, --price, --currency, --billing-period, --binding-months, --delivery)", func(fs *flag.FlagSet) func(*adminEnv) error {
		p := &orderhub.PromoCode{}
		fs.StringVar(&p.VendorID, "vendor", "", "vendor id (required)")
		fs.StringVar(&p.Code, "code", "", "promo code (required)")
		fs.StringVar(&p.ProductName, "product", "", "product name (required)")
		fs.StringVar(&p.Price, "price", "", "price per billing period, e.g. 99.00 (required)")
		fs.StringVar(&p.Currency, "currency", "SEK", "ISO 4217 currency")
		fs.StringVar(&p.BillingPeriod, "billing-period", "month", "billing period: "+strings.Join(orderhub.BillingPeriods, ", "))
		fs.IntVar(&p.BindingMonths, "binding-months", 0, "binding period in months")
		fs.StringVar(&p.Delivery, "delivery", orderhub.DeliveryDigital, "digital, print or bundle (print + digital)")
		return func(e *adminEnv) error {
			return printOne(e, p, e.manage().Vendors().CreatePromoCode(e.ctx, p), promoHeader, promoRow)
		}
	})
	registerAdmin("promos", "update", "change a promo code (--vendor, --code; --product, --price, --currency, --billing-period, --binding-months, --delivery while no contract uses it; --active=false deactivates it)", func(fs *flag.FlagSet) func(*adminEnv) error {
		vendor := fs.String("vendor", "", "vendor id (required)")
		code := fs.String("code", "", "promo code (required)")
		fs.String("product", "", "product name")
		fs.String("price", "", "price per billing period, e.g. 99.00")
		fs.String("currency", "", "ISO 4217 currency")
		fs.String("billing-period", "", "billing period: "+strings.Join(orderhub.BillingPeriods, ", "))
		fs.Int("binding-months", 0, "binding period in months")
		fs.String("delivery", "", "digital, print or bundle")
		fs.Bool("active", true, "false deactivates the code (it refuses new orders; its contracts keep it), true activates it again")
		return func(e *adminEnv) error {
			if *vendor == "" || *code == "" {
				return orderhub.Errorf(orderhub.EInvalidRequest, "--vendor and --code are required")
			}
			var in orderhub.PromoCodeUpdate
			setGiven(fs, map[string]any{"product": &in.ProductName, "price": &in.Price, "currency": &in.Currency, "billing-period": &in.BillingPeriod,
				"binding-months": &in.BindingMonths, "delivery": &in.Delivery, "active": &in.Active})
			p, err := e.manage().Vendors().UpdatePromoCode(e.ctx, *vendor, *code, in)
			return printOne(e, p, err, promoHeader, promoRow)
		}
	})
	registerAdmin("promos", "delete", "delete a promo code no contract uses (--vendor, --code); a used one: promos update --active=false", func(fs *flag.FlagSet) func(*adminEnv) error {
		vendor := fs.String("vendor", "", "vendor id (required)")
		code := fs.String("code", "", "promo code (required)")
		return func(e *adminEnv) error {
			if *vendor == "" || *code == "" {
				return orderhub.Errorf(orderhub.EInvalidRequest, "--vendor and --code are required")
			}
			if err := e.manage().Vendors().DeletePromoCode(e.ctx, *vendor, *code); err != nil {
				return err
			}
			return e.print(map[string]string{"vendorId": *vendor, "code": *code, "status": "deleted"}, nil, [][]string{{"deleted " + *code}})
		}
	})
	registerAdmin("token", "create", "create an admin API token (--name, --role, --vendor); prints it once", func(fs *flag.FlagSet) func(*adminEnv) error {
		name := fs.String("name", "admin", "description")
		role := fs.String("role", orderhub.RoleOperator, "operator (every vendor), vendor-admin or vendor-viewer (one vendor: --vendor)")
		vendor := fs.String("vendor", "", "the vendor of a vendor-admin or vendor-viewer token")
		return func(e *adminEnv) error {
			t, secret, err := e.manage().Users().CreateAdminToken(e.ctx, *name, *role, *vendor)
			if err != nil {
				return err
			}
			out := struct {
				*orderhub.AdminToken
				Token string `json:"token"`
			}{t, secret}
			return e.print(out, []string{"ID", "NAME", "ROLE", "VENDOR", "TOKEN (shown once)"}, [][]string{{t.ID, t.Name, t.Role, t.VendorID, secret}})
		}
	})
	registerAdmin("token", "list", "list admin tokens", func(fs *flag.FlagSet) func(*adminEnv) error {
		return func(e *adminEnv) error {
			ts, err := e.db.Tenants().ListAdminTokens(e.ctx)
			return printListed(e, nonNil(ts), err, []string{"ID", "NAME", "ROLE", "VENDOR", "CREATED", "STATE"}, func(t *orderhub.AdminToken) []string {
				return []string{t.ID, t.Name, t.Role, t.VendorID, fmtTime(t.CreatedAt), stateOf(t.RevokedAt, "revoked")}
			})
		}
	})
	registerAdmin("token", "revoke", "revoke an admin token (--id)", func(fs *flag.FlagSet) func(*adminEnv) error {
		id := fs.String("id", "", "token id (required)")
		return func(e *adminEnv) error {
			if err := e.manage().Users().RevokeAdminToken(e.ctx, *id); err != nil {
				return err
			}
			return e.print(map[string]string{"id": *id, "status": "revoked"}, nil, [][]string{{"revoked " + *id}})
		}
	})
}

var promoHeader = []string{"VENDOR", "CODE", "PRODUCT", "PRICE", "PERIOD", "BINDING", "DELIVERY", "STATE"}

func promoRow(p *orderhub.PromoCode) []string {
	state := "active"
	if !p.Active {
		state = "deactivated"
	}
	return []string{p.VendorID, p.Code, p.ProductName, p.Price + " " + p.Currency, p.BillingPeriod, fmt.Sprintf("%d months", p.BindingMonths), p.Delivery, state}
}

// nonNil makes an empty list print as [] in JSON.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
