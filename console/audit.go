package console

import (
	"encoding/json"
	"fmt"
	"net/http"
	"orderhub"
	"sort"
	"strings"
	"time"
)

// The audit log page: every change made through the admin API, the console and the
// CLI, newest first, filtered by vendor, actor, action and time, paged by cursor.

// auditRow is an entry as the page shows it: the fields that changed.
type auditRow struct {
	E       *orderhub.AuditEntry
	Changes []fieldChange
	Kind    string // created, deleted, changed, or "" (request only)
}

type fieldChange struct{ Field, Before, After string }

func (c *pageViews) handleAudit(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := orderhub.AuditFilter{}
	data := map[string]any{}
	var problems []string
	text := func(name string) string {
		v := strings.TrimSpace(q.Get(name))
		if !orderhub.IsLineText(v) || len(v) > 200 {
			problems = append(problems, name+" is not a valid filter")
			return ""
		}
		data[name] = v
		return v
	}
	f.VendorID, f.Actor, f.Action = text("vendor"), text("actor"), text("action")
	f.ResourceID = text("resource")
	for _, t := range []struct {
		name string
		dst  *time.Time
	}{{"from", &f.From}, {"to", &f.To}} {
		v := text(t.name)
		if v == "" {
			continue
		}
		tm, err := time.Parse(time.RFC3339, v)
		if err != nil {
			if tm, err = time.Parse("2006-01-02", v); err == nil && t.name == "to" {
				tm = tm.Add(24 * time.Hour) // the whole day
			}
		}
		if err != nil {
			problems = append(problems, t.name+" must be a date (2026-12-01) or an RFC 3339 time")
			continue
		}
		*t.dst = tm
	}
	p := orderhub.Page{Cursor: q.Get("cursor"), Limit: 50}
	vs, err := c.vendors(r)
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	var rows []auditRow
	next := ""
	if len(problems) == 0 {
		pg, err := c.store.Admin.ListAudit(r.Context(), f, p)
		if err != nil {
			c.failErr(w, r, err)
			return
		}
		for _, e := range pg.Data {
			rows = append(rows, describeEntry(e))
		}
		if pg.NextCursor != "" {
			nq := r.URL.Query()
			nq.Set("cursor", pg.NextCursor)
			next = Prefix + "/audit?" + nq.Encode()
		}
	}
	data["Rows"], data["Next"] = rows, next
	v := &view{Title: "Audit log", Nav: "audit", Vendors: vs, Data: data}
	status := http.StatusOK
	if len(problems) > 0 {
		v.Error = strings.Join(problems, "; ") + "."
		status = http.StatusBadRequest
	}
	c.render(w, r, status, "audit", v)
}

// describeEntry lists the fields an entry's change touched.
func describeEntry(e *orderhub.AuditEntry) auditRow {
	row := auditRow{E: e}
	var before, after map[string]any
	_ = json.Unmarshal(e.Before, &before)
	_ = json.Unmarshal(e.After, &after)
	if req, ok := after["request"].(map[string]any); ok && len(after) == 1 && before == nil {
		after = req
		row.Kind = "request" // the change named no row: the request as given
	}
	switch {
	case before == nil && after == nil:
		return row
	case row.Kind != "":
	case before != nil && after != nil:
		row.Kind = "changed"
	case after == nil:
		row.Kind = "deleted"
	default:
		row.Kind = "created"
	}
	keys := map[string]bool{}
	for k := range before {
		keys[k] = true
	}
	for k := range after {
		keys[k] = true
	}
	names := make([]string, 0, len(keys))
	for k := range keys {
		names = append(names, k)
	}
	sort.Strings(names)
	show := func(m map[string]any, k string) string {
		v, ok := m[k]
		if !ok || v == nil {
			return ""
		}
		if s, ok := v.(string); ok {
			return excerpt(s, 120)
		}
		b, _ := json.Marshal(v)
		return excerpt(string(b), 120)
	}
	for _, k := range names {
		b, a := show(before, k), show(after, k)
		if b == a && row.Kind == "changed" {
			continue
		}
		row.Changes = append(row.Changes, fieldChange{k, b, a})
	}
	if len(row.Changes) > 30 {
		n := len(row.Changes) - 30
		row.Changes = append(row.Changes[:30], fieldChange{Field: fmt.Sprintf("… %d more", n)})
	}
	return row
}
