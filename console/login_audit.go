package console

import (
	"context"
	"net/http"
	"orderhub"
	"time"

	"orderhub/throttle"
)

// Console logins in the audit log (issue 18): a login (console-session.login, in
// the same transaction as the new session), a logout (console-session.logout, with
// the session's deletion) and a failed login of an existing user
// (console-session.login-failed), each with the client address, never a password.
//
// A failed login for a username that does not exist is not recorded (it is logged
// at warn level, as before): anyone can type any username, so recording those would
// let anyone who reaches the login form write rows of their choosing into the audit
// log. A failure for a real user is recorded — after the login throttle (at most 10
// per username and 30 in all per client address every 15 minutes; throttled
// attempts write nothing) and after the bcrypt comparison the attempt costs anyway,
// so each entry costs the attacker as much as the server's password check does —
// and it is written in the background, so that the answer takes no longer for an
// existing user than for an unknown one (no username oracle by timing). At most
// maxLoginAuditWrites such writes run at once; beyond that an entry is dropped and
// the drop logged.

const (
	actionLogin       = "console-session.login"
	actionLoginFailed = "console-session.login-failed"
	actionLogout      = "console-session.logout"
)

const maxLoginAuditWrites = 8

var loginAuditSlots = make(chan struct{}, maxLoginAuditWrites)

// loginChange describes a login, logout or failed login of user u from r's client.
func loginChange(r *http.Request, action string, u *orderhub.ConsoleUser) *orderhub.Change {
	return &orderhub.Change{
		Actor:  orderhub.Actor{Kind: orderhub.ActorUser, ID: u.ID, Name: u.Username, Via: orderhub.ViaConsole},
		Action: action, ResourceType: "console-session", ResourceID: u.Username, VendorID: u.VendorID,
		Request: map[string]any{"address": throttle.Source(r)},
	}
}

// loginUser returns the console user the login form names, nil when there is none.
func (c *console) loginUser(r *http.Request) *orderhub.ConsoleUser {
	name := r.PostForm.Get("username")
	if name == "" || len(name) > 64 || !orderhub.IsLineText(name) {
		return nil
	}
	u, err := c.store.Admin.GetConsoleUser(r.Context(), name)
	if err != nil {
		return nil
	}
	return u
}

// recordFailedLogin records a failed login of the existing user u in the background.
func (c *console) recordFailedLogin(r *http.Request, u *orderhub.ConsoleUser) {
	ch := loginChange(r, actionLoginFailed, u)
	if u.DisabledAt != nil {
		ch.Request.(map[string]any)["disabledUser"] = true
	}
	select {
	case loginAuditSlots <- struct{}{}:
	default:
		c.log.Warn("console: audit entry of a failed login dropped (too many at once)", "username", u.Username)
		return
	}
	ctx := context.WithoutCancel(r.Context())
	go func() {
		defer func() { <-loginAuditSlots }()
		ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := c.store.Admin.RecordAudit(ctx, ch); err != nil {
			c.log.Error("console: audit entry of a failed login", "username", u.Username, "err", err)
		}
	}()
}
