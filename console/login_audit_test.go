package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"orderhub"
)

// loginEntries lists the audit entries of console logins, logouts and failed logins.
func loginEntries(t *testing.T, bd *bed) []*orderhub.AuditEntry {
	t.Helper()
	pg, err := bd.DB.Admin().ListAudit(context.Background(), orderhub.AuditFilter{Action: "console-session."}, orderhub.Page{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	return pg.Data
}

// Console logins in a real browser are in the audit log: a wrong password for a
// real user (login-failed), a login and a logout, each with the user and the client
// address and never a password; a failed login for a username that does not exist
// writes nothing; the operator reads them on the Audit log page.
func TestConsoleLoginsAreAuditedInABrowser(t *testing.T) {
	chromiumPath(t)
	bd := newBed(t)
	b := newBrowser(t, bd.URL)
	b.login("no-such-user", "whatever password")
	b.do(chromedp.WaitVisible(chromedp.CSS(".error")))
	b.login(testUser, "a wrong password!")
	b.do(chromedp.WaitVisible(chromedp.CSS(".error")))
	if s := b.text(".error"); !strings.Contains(s, "Wrong username or password") {
		t.Fatalf("wrong password: %q", s)
	}
	bd.waitFor("the failed login's audit entry", func() bool { return len(loginEntries(t, bd)) == 1 })
	b.login(testUser, testPassword)
	b.do(chromedp.WaitVisible(chromedp.CSS(".who")), chromedp.Click(chromedp.CSS(".logout button")), chromedp.WaitVisible(chromedp.CSS("#login-button")))
	b.login(testUser, testPassword)
	b.do(chromedp.WaitVisible(chromedp.CSS(".who")))

	es := loginEntries(t, bd) // newest first
	var actions []string
	for _, e := range es {
		actions = append(actions, e.Action)
		all := string(e.Before) + string(e.After)
		if e.Actor.Name != testUser || e.Actor.Kind != orderhub.ActorUser || !strings.HasPrefix(e.Actor.ID, "cu_") || e.Actor.Via != orderhub.ViaConsole ||
			e.ResourceID != testUser || !strings.Contains(all, `"address":"127.0.0.1"`) {
			t.Errorf("%s: %+v %s", e.Action, e, all)
		}
		if strings.Contains(all, "wrong password") || strings.Contains(all, testPassword) || strings.Contains(all, "whatever") || strings.Contains(all, "no-such-user") {
			t.Errorf("%s shows what was typed: %s", e.Action, all)
		}
	}
	if got := strings.Join(actions, " "); got != "console-session.login console-session.logout console-session.login console-session.login-failed" {
		t.Fatalf("login entries: %s", got)
	}
	b.do(chromedp.Navigate(bd.URL+"/console/audit?action=console-session."), chromedp.WaitVisible(chromedp.CSS("#audit")))
	if s := b.text("#audit"); !strings.Contains(s, "console-session.login-failed") || !strings.Contains(s, "console-session.logout") {
		t.Fatalf("the audit page:\n%s", s)
	}
	b.screenshot("45-audit-logins")
}

// The login throttle bounds what failed logins write to the audit log: throttled
// attempts (429) write nothing, so one client address writes at most 10 entries per
// username (30 in all) per 15 minutes, and none for unknown usernames.
func TestFailedLoginAuditIsBounded(t *testing.T) {
	bd := newBed(t)
	c := newClient(t, bd)
	tok := c.do("GET", "/console/login", nil, nil).csrf(t)
	try := func(user, password string) int {
		t.Helper()
		res := c.do("POST", "/console/login", url.Values{"csrf": {tok}, "username": {user}, "password": {password}}, nil)
		if t := res.csrfOrEmpty(); t != "" {
			tok = t
		}
		return res.Status
	}
	for i := range 25 {
		if st := try("nobody-"+strconv.Itoa(i), "guess"); st != http.StatusUnauthorized {
			t.Fatalf("unknown user %d: %d", i, st)
		}
	}
	for i := range 5 {
		if st := try(testUser, "guess "+strconv.Itoa(i)); st != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i, st)
		}
	}
	for range 20 {
		if st := try(testUser, "guess"); st != http.StatusTooManyRequests {
			t.Fatalf("after 30 failures from one address: %d", st)
		}
	}
	bd.waitFor("five entries", func() bool { return len(loginEntries(t, bd)) >= 5 })
	if es := loginEntries(t, bd); len(es) != 5 {
		t.Fatalf("%d entries, want 5 (the real user's failures before the throttle)", len(es))
	}
}
