package main

import (
	"flag"
	"strings"

	"orderhub"
	"orderhub/httpapi"
)

// `orderhub admin audit list|show`: the audit log (sqlstore/audit.go) with the
// filters of GET /admin/v1/audit (vendor, actor, action, resourceType, resourceId,
// from, to, cursor, limit) and the same store function.

// adminAuditCommands registers its admin commands (called once, from adminCommands).
func adminAuditCommands() {
	registerAdmin("audit", "list", "list the audit log, newest first (--vendor, --actor, --action, --resource-type, --resource-id, --from, --to, --limit, --cursor)", func(fs *flag.FlagSet) func(*adminEnv) error {
		l := newListFlags(fs, "vendor", "time")
		actor := fs.String("actor", "", "an actor's id or name (a console user, an admin token, cli, portal)")
		action := fs.String("action", "", "an action (endpoint.rotate-secret), or a prefix ending in a dot (endpoint.)")
		resourceType := fs.String("resource-type", "", "the resource type (endpoint, client, console-user, …)")
		resourceID := fs.String("resource-id", "", "the resource's id")
		return func(e *adminEnv) error {
			if err := l.parse(); err != nil {
				return err
			}
			f := orderhub.AuditFilter{VendorID: l.filter.VendorID, Actor: *actor, Action: *action, ResourceType: *resourceType, ResourceID: *resourceID, From: l.filter.From, To: l.filter.To}
			if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
				return orderhub.FieldError(orderhub.EInvalidRequest, "to", "--to must be after --from")
			}
			pg, err := e.db.Admin().ListAudit(e.ctx, f, l.page)
			if err != nil {
				return httpapi.PageError(err) // the admin API's words, as before
			}
			return printPage(e, pg, []string{"AT", "ACTOR", "VIA", "ACTION", "RESOURCE", "VENDOR", "ENTRY"}, func(a *orderhub.AuditEntry) []string {
				who := a.Actor.Name
				if who == "" {
					who = a.Actor.ID
				}
				return []string{fmtTime(a.At), a.Actor.Kind + ":" + who, a.Actor.Via, a.Action, strings.TrimSpace(a.ResourceType + " " + a.ResourceID), a.VendorID, a.ID}
			})
		}
	})
	registerAdmin("audit", "show", "show one audit entry with its before and after values (--id)", func(fs *flag.FlagSet) func(*adminEnv) error {
		id := fs.String("id", "", "the entry's id (aud_…, the ENTRY column of audit list)")
		return func(e *adminEnv) error {
			a, err := e.db.Admin().GetAudit(e.ctx, strings.TrimSpace(*id))
			if err != nil {
				return err
			}
			return e.print(a, []string{"FIELD", "VALUE"}, [][]string{
				{"id", a.ID}, {"at", fmtTime(a.At)}, {"actor", a.Actor.Kind + ":" + a.Actor.Name + " (" + a.Actor.ID + ", via " + a.Actor.Via + ")"},
				{"action", a.Action}, {"resource", a.ResourceType + " " + a.ResourceID}, {"vendor", a.VendorID},
				{"before", string(a.Before)}, {"after", string(a.After)},
			})
		}
	})
}
