package console_test

import (
	"context"
	"net/http"
	"net/url"
	"orderhub/hub"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"orderhub"
	"orderhub/manage"
)

// loginAs logs the client in as user and returns the CSRF token of its first page.
func (c *client) loginAs(user, password string) string {
	c.t.Helper()
	lp := c.do("GET", "/console/login", nil, nil)
	res := c.do("POST", "/console/login", url.Values{"csrf": {lp.csrf(c.t)}, "username": {user}, "password": {password}, "next": {"/console/search"}}, nil)
	if res.Status != http.StatusSeeOther {
		c.t.Fatalf("login as %s: %d %s", user, res.Status, res.Body)
	}
	return c.do("GET", "/console/search", nil, nil).csrf(c.t)
}

// An operator manages console users in a real browser: creates one (first with a
// username, a vendor role without a vendor and a password the CLI refuses, each
// message next to its field as package manage words it for the CLI), gets a
// generated password once, changes the role, resets the password and disables the
// user (each ending its sessions), and deletes it; the last active operator can be
// neither disabled nor demoted. Every change is in the audit log without a
// password. A vendor-admin is refused the pages and the forms.
func TestConsoleUserFormsInABrowser(t *testing.T) {
	chromiumPath(t)
	bd := newBed(t)
	ctx := context.Background()
	svc := &manage.Service{Store: hub.Wrap(bd.DB.Store(), bd.DB)}
	cliSays := func(in manage.ConsoleUserInput) string {
		t.Helper()
		_, err := svc.Users().CreateConsoleUser(ctx, in)
		if err == nil {
			t.Fatalf("manage accepted %+v", in)
		}
		return err.(*orderhub.Error).Message
	}
	b := newBrowser(t, bd.URL)
	b.login(testUser, testPassword)
	b.do(chromedp.WaitVisible(chromedp.CSS(".who")),
		chromedp.Navigate(bd.URL+"/console/users"), chromedp.WaitVisible(chromedp.CSS("#users")))
	if s := b.text("#users"); !strings.Contains(s, testUser) || !strings.Contains(s, "operator") {
		t.Fatalf("users page: %q", s)
	}
	b.screenshot("40-users")
	b.do(chromedp.Click(chromedp.CSS("#new-user")), chromedp.WaitVisible(chromedp.CSS("#user-form")))

	// A username the CLI refuses.
	b.do(chromedp.SendKeys(chromedp.CSS("#username"), "acme look"), chromedp.Click(chromedp.CSS("#save")), chromedp.WaitVisible(chromedp.CSS("#username-error")))
	if got, want := b.text("#username-error"), cliSays(manage.ConsoleUserInput{Username: "acme look", Password: testPassword}); got != want {
		t.Fatalf("the form says %q, the CLI %q", got, want)
	}
	b.screenshot("41-user-new-refused")
	// A vendor role without a vendor.
	b.do(chromedp.SetValue(chromedp.CSS("#username"), "acme-look"), chromedp.SetValue(chromedp.CSS("#role"), orderhub.RoleVendorViewer),
		chromedp.Click(chromedp.CSS("#save")), chromedp.WaitVisible(chromedp.CSS("#vendor-error")))
	if got, want := b.text("#vendor-error"), cliSays(manage.ConsoleUserInput{Username: "acme-look", Password: testPassword, Role: orderhub.RoleVendorViewer}); got != want {
		t.Fatalf("the form says %q, the CLI %q", got, want)
	}
	if v := value(t, b, "#username"); v != "acme-look" {
		t.Fatalf("the refused form lost the username: %q", v)
	}
	// A short password.
	b.do(chromedp.SetValue(chromedp.CSS("#vendor"), "acme"), chromedp.SendKeys(chromedp.CSS("#password"), "too short"),
		chromedp.Click(chromedp.CSS("#save")), chromedp.WaitVisible(chromedp.CSS("#password-error")))
	if got, want := b.text("#password-error"), cliSays(manage.ConsoleUserInput{Username: "acme-look", Password: "too short", Role: orderhub.RoleVendorViewer, Vendor: "acme"}); got != want {
		t.Fatalf("the form says %q, the CLI %q", got, want)
	}
	// No password: one is generated and shown once.
	b.do(chromedp.Click(chromedp.CSS("#save")), chromedp.WaitVisible(chromedp.CSS("#new-password"))) // the refused form does not keep the password
	pw := b.text("#new-password code")
	b.screenshot("42-user-created")
	if tok, _, err := bd.DB.Admin().ConsoleLogin(ctx, "acme-look", pw, time.Hour); err != nil {
		t.Fatalf("login with the generated password: %v", err)
	} else if s, err := bd.DB.Admin().ConsoleSessionByToken(ctx, tok); err != nil || s.Role != orderhub.RoleVendorViewer || s.VendorID != "acme" {
		t.Fatalf("the new user's session: %+v %v", s, err)
	}
	if e := audited(t, bd, "console-user.create", "acme-look"); e.VendorID != "acme" || strings.Contains(string(e.After), pw) || !strings.Contains(string(e.After), `"password_hash":"[masked]"`) {
		t.Fatalf("audit entry of the create: %+v %s", e, e.After)
	}

	// The user page: another role.
	b.do(chromedp.Navigate(bd.URL+"/console/users/acme-look"), chromedp.WaitVisible(chromedp.CSS("#role-form")),
		chromedp.SetValue(chromedp.CSS("#role"), orderhub.RoleVendorAdmin), chromedp.Click(chromedp.CSS("#save-role")), chromedp.WaitVisible(chromedp.CSS("#flash")))
	if u, _ := bd.DB.Admin().GetConsoleUser(ctx, "acme-look"); u.Role != orderhub.RoleVendorAdmin || u.VendorID != "acme" {
		t.Fatalf("after the role change: %+v", u)
	}
	if e := audited(t, bd, "console-user.set-role", "acme-look"); !strings.Contains(string(e.Before), orderhub.RoleVendorViewer) || !strings.Contains(string(e.After), orderhub.RoleVendorAdmin) {
		t.Fatalf("audit entry of the role change: %s → %s", e.Before, e.After)
	}
	b.screenshot("43-user")
	// A new password ends the user's sessions; a short one is refused next to the field.
	tok, _, err := bd.DB.Admin().ConsoleLogin(ctx, "acme-look", pw, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	b.do(chromedp.SendKeys(chromedp.CSS("#password"), "short"), chromedp.Click(chromedp.CSS("#reset-password")), chromedp.WaitVisible(chromedp.CSS("#password-error")))
	if !strings.Contains(b.text("#password-error"), "12 to 72 bytes") {
		t.Fatalf("short new password: %q", b.text("#password-error"))
	}
	b.do(chromedp.SetValue(chromedp.CSS("#password"), "a brand new passphrase"), chromedp.Click(chromedp.CSS("#reset-password")), chromedp.WaitVisible(chromedp.CSS("#flash")))
	if _, err := bd.DB.Admin().ConsoleSessionByToken(ctx, tok); err == nil {
		t.Fatal("the session outlived the password reset")
	}
	if _, _, err := bd.DB.Admin().ConsoleLogin(ctx, "acme-look", "a brand new passphrase", time.Hour); err != nil {
		t.Fatalf("login with the new password: %v", err)
	}
	if e := audited(t, bd, "console-user.reset-password", "acme-look"); strings.Contains(string(e.Before)+string(e.After), "passphrase") {
		t.Fatalf("the audit entry shows the password: %s", e.After)
	}
	// Disable (its sessions end), enable.
	tok, _, _ = bd.DB.Admin().ConsoleLogin(ctx, "acme-look", "a brand new passphrase", time.Hour)
	b.do(chromedp.Click(chromedp.CSS("#disable-user")), chromedp.WaitVisible(chromedp.CSS("#enable-user")))
	if _, err := bd.DB.Admin().ConsoleSessionByToken(ctx, tok); err == nil {
		t.Fatal("the session outlived disabling the user")
	}
	audited(t, bd, "console-user.disable", "acme-look")
	b.do(chromedp.Click(chromedp.CSS("#enable-user")), chromedp.WaitVisible(chromedp.CSS("#disable-user")))
	audited(t, bd, "console-user.enable", "acme-look")

	// The last active operator is neither disabled nor demoted.
	b.do(chromedp.Navigate(bd.URL+"/console/users/"+testUser), chromedp.WaitVisible(chromedp.CSS("#disable-user")),
		chromedp.Click(chromedp.CSS("#disable-user")), chromedp.WaitVisible(chromedp.CSS("#access-error")))
	if s := b.text("#access-error"); !strings.Contains(s, "last active operator") {
		t.Fatalf("disabling the last operator: %q", s)
	}
	b.screenshot("44-user-last-operator")
	b.do(chromedp.SetValue(chromedp.CSS("#role"), orderhub.RoleVendorViewer), chromedp.SetValue(chromedp.CSS("#vendor"), "acme"),
		chromedp.Click(chromedp.CSS("#save-role")), chromedp.WaitVisible(chromedp.CSS("#form-error")))
	if s := b.text("#form-error"); !strings.Contains(s, "last active operator") {
		t.Fatalf("demoting the last operator: %q", s)
	}
	if u, _ := bd.DB.Admin().GetConsoleUser(ctx, testUser); u.Role != orderhub.RoleOperator || u.DisabledAt != nil {
		t.Fatalf("the last operator changed: %+v", u)
	}

	// A vendor-admin (acme-look now) is refused the pages and the forms.
	c := newClient(t, bd)
	csrf := c.loginAs("acme-look", "a brand new passphrase")
	for _, p := range []string{"/console/users", "/console/users/new", "/console/users/" + testUser} {
		if res := c.do("GET", p, nil, nil); res.Status != http.StatusForbidden || !strings.Contains(res.Body, "Only operators manage console users") {
			t.Fatalf("a vendor-admin GET %s: %d", p, res.Status)
		}
	}
	for _, p := range []string{"/console/users", "/console/users/" + testUser + "/disable", "/console/users/" + testUser + "/delete", "/console/users/acme-look/role"} {
		form := url.Values{"csrf": {csrf}, "username": {"sneaky"}, "password": {testPassword}, "role": {orderhub.RoleOperator}}
		if res := c.do("POST", p, form, nil); res.Status != http.StatusForbidden {
			t.Fatalf("a vendor-admin POST %s: %d", p, res.Status)
		}
	}
	if u, _ := bd.DB.Admin().GetConsoleUser(ctx, "acme-look"); u.Role != orderhub.RoleVendorAdmin {
		t.Fatalf("the vendor-admin changed its own role: %+v", u)
	}
	if res := c.do("GET", "/console/endpoints", nil, nil); !strings.Contains(res.Body, "acme-look") || strings.Contains(res.Body, `href="/console/users"`) {
		t.Fatal("a vendor-admin's nav links to the users page")
	}

	// Delete: its sessions end with it.
	b.do(chromedp.Navigate(bd.URL+"/console/users/acme-look"), chromedp.WaitVisible(chromedp.CSS("#delete-user")),
		chromedp.Click(chromedp.CSS("#delete-user")), chromedp.WaitVisible(chromedp.CSS("#users")))
	if _, err := bd.DB.Admin().GetConsoleUser(ctx, "acme-look"); orderhub.ErrorCode(err) != orderhub.ENotFound {
		t.Fatalf("the deleted user: %v", err)
	}
	if res := c.do("GET", "/console/endpoints", nil, nil); res.Status != http.StatusSeeOther {
		t.Fatalf("the deleted user's session: %d", res.Status)
	}
	if e := audited(t, bd, "console-user.delete", "acme-look"); e.After != nil && string(e.After) != "null" {
		t.Fatalf("audit entry of the delete: %s → %s", e.Before, e.After)
	}
}

// An operator changing its own account: demoting itself sends it to a page it may
// still see; a new password of its own ends its session too (back to the login).
func TestConsoleUserChangesItsOwnAccount(t *testing.T) {
	bd := newBed(t)
	ctx := context.Background()
	if _, err := bd.DB.Admin().CreateConsoleUser(ctx, "ops2", testPassword); err != nil {
		t.Fatal(err)
	}
	c := newClient(t, bd)
	csrf := c.loginAs(testUser, testPassword)
	res := c.do("POST", "/console/users/"+testUser+"/role", url.Values{"csrf": {csrf}, "role": {orderhub.RoleVendorViewer}, "vendor": {"acme"}}, nil)
	if res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/console/" {
		t.Fatalf("demoting itself: %d %s", res.Status, res.Header.Get("Location"))
	}
	if res := c.do("GET", "/console/users", nil, nil); res.Status != http.StatusForbidden {
		t.Fatalf("the demoted user on the users page: %d", res.Status)
	}
	c = newClient(t, bd)
	csrf = c.loginAs("ops2", testPassword)
	res = c.do("POST", "/console/users/ops2/password", url.Values{"csrf": {csrf}, "password": {"another long passphrase"}}, nil)
	if res.Status != http.StatusSeeOther || res.Header.Get("Location") != "/console/login" {
		t.Fatalf("a new password of its own: %d %s", res.Status, res.Header.Get("Location"))
	}
	if res := c.do("GET", "/console/search", nil, nil); res.Status != http.StatusSeeOther {
		t.Fatalf("the session after its own new password: %d", res.Status)
	}
	c.loginAs("ops2", "another long passphrase")
}
