package console_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"orderhub/hub"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/prometheus/client_golang/prometheus"

	"orderhub"
	"orderhub/connector/salesmanago"
	"orderhub/connector/yespo"
	smfake "orderhub/fake/salesmanago"
	yespofake "orderhub/fake/yespo"
	"orderhub/httpapi"
	"orderhub/manage"
	"orderhub/netguard"
	"orderhub/sqlstore"
)

// connectorBed is the real server with the connectors as cmd/orderhub wires them:
// SALESmanago and Yespo secrets sealed with a key, the Yespo connector on, and the
// outbound guard refusing private targets (as in production), so that the forms'
// base URLs meet the guard's rules. It holds vendors acme and other, an operator, an
// acme vendor-admin and vendor-viewer, and other's SALESmanago account, Yespo
// account and Zapier user.
type connectorBed struct {
	*bed
	Manage   *manage.Service
	OtherSM  string
	OtherZap string
}

func newConnectorBed(t *testing.T) *connectorBed { return newConnectorBedWith(t, netguard.Options{}) }

// newConnectorBedWith is newConnectorBed with the given outbound guard (private
// targets allowed: the connectors can reach fake services on loopback).
func newConnectorBedWith(t *testing.T, opt netguard.Options) *connectorBed {
	t.Helper()
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "connectors.db"), sqlstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	sealer, err := salesmanago.NewSealer(base64.StdEncoding.EncodeToString(key))
	if err != nil || !sealer.Encrypts() {
		t.Fatal("no sealer", err)
	}
	guard := netguard.New(opt)
	yc := yespo.NewConnector(db.Connectors(), sealer, guard.Client())
	srv, err := httpapi.NewServer(ctx, httpapi.Config{Store: hub.Wrap(db.Store(), db), Registry: prometheus.NewRegistry(), Guard: guard, Yespo: yc,
		Salesmanago: httpapi.SalesmanagoOptions{Sealer: sealer}})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() { hs.Close(); db.Close() })
	b := &connectorBed{bed: &bed{t: t, DB: db, URL: hs.URL}, Manage: &manage.Service{Store: hub.Wrap(db.Store(), db), Guard: netguard.New(netguard.Options{AllowPrivate: true}), SMSealer: sealer, Yespo: yc}}
	for _, v := range []*orderhub.Vendor{{ID: "acme", Name: "Acme Media"}, {ID: "other", Name: "Other Media"}} {
		if err := db.Tenants().CreateVendor(ctx, v); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Admin().CreateConsoleUser(ctx, testUser, testPassword); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Admin().CreateScopedConsoleUser(ctx, "acme-ops", testPassword, orderhub.RoleVendorAdmin, "acme"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Admin().CreateScopedConsoleUser(ctx, "acme-viewer", testPassword, orderhub.RoleVendorViewer, "acme"); err != nil {
		t.Fatal(err)
	}
	rec, err := b.Manage.Connectors().CreateSalesmanagoAccount(ctx, "other", &orderhub.SalesmanagoAccountInput{GroupKey: "other-main", BaseURL: "https://app3.salesmanago.com",
		ClientID: "other-client", APISecret: "other-secret", Owner: "owner@other.example"})
	if err != nil {
		t.Fatal(err)
	}
	b.OtherSM = rec.ID
	base, key2 := "https://yespo.io", "other-yespo-key"
	if _, err := b.Manage.Connectors().SaveYespoAccount(ctx, "other", &base, &key2); err != nil {
		t.Fatal(err)
	}
	u := &orderhub.ZapierUser{VendorID: "other", Email: "zap@other.example", Name: "Other Zap"}
	if _, err := b.Manage.Connectors().CreateZapierUser(ctx, u, ""); err != nil {
		t.Fatal(err)
	}
	b.OtherZap = u.ID
	return b
}

// apiRefusal posts body to the admin API and returns the error's field and message.
func apiRefusal(t *testing.T, bd *bed, method, path string, body any) (field, message string) {
	t.Helper()
	_, tok, err := bd.DB.Tenants().CreateAdminToken(context.Background(), "refusal-"+orderhub.NewID("t"))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, bd.URL+path, bytes.NewReader(raw))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct{ Error, Field, Message string }
	_ = json.NewDecoder(res.Body).Decode(&out)
	if res.StatusCode < 400 || out.Message == "" {
		t.Fatalf("%s %s: %d %+v, want an error", method, path, res.StatusCode, out)
	}
	return out.Field, out.Message
}

// zapierLogin reports the status of a Zapier app login.
func zapierLogin(t *testing.T, base, email, password string) int {
	t.Helper()
	raw, _ := json.Marshal(map[string]string{"email": email, "password": password, "integration": "zapier"})
	res, err := http.Post(base+"/api/login", "application/json", bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// expectAudit finds the console's audit entry of action on id and checks that it
// holds none of the secrets and masks the named columns.
func expectAudit(t *testing.T, bd *bed, action, id string, secrets []string, masked ...string) *orderhub.AuditEntry {
	t.Helper()
	e := audited(t, bd, action, id)
	all := string(e.Before) + string(e.After)
	for _, s := range secrets {
		if s != "" && strings.Contains(all, s) {
			t.Fatalf("audit entry %s holds a secret: %s", action, all)
		}
	}
	for _, col := range masked {
		if !strings.Contains(string(e.After), `"`+col+`":"`+orderhub.Masked+`"`) {
			t.Fatalf("audit entry %s: %s not masked in %s", action, col, e.After)
		}
	}
	return e
}

// An operator creates, edits (settings, secrets, mapping) and deletes a SALESmanago
// account, connects and disconnects Yespo, and creates a Zapier user (password
// generated, shown once), resets its password and deletes it — in a real browser.
// Each refused form shows the admin API's message for the same input next to the
// field, base URLs meet the outbound guard as in the API, secrets never reach the
// page again nor the audit log, and every change has its audit entry.
func TestConnectorFormsInABrowser(t *testing.T) {
	chromiumPath(t)
	bd := newConnectorBed(t)
	ctx := context.Background()
	b := asOperator(t, bd.URL)

	// ---- SALESmanago: create ----
	b.do(chromedp.Navigate(bd.URL+"/console/endpoints?vendor=acme"), chromedp.WaitVisible(chromedp.CSS("#manage-connectors")))
	b.submit("#manage-connectors", "#new-sm")
	b.screenshot("40-connectors")
	b.submit("#new-sm", "#sm-form")
	const smSecret, smKey = "sm-api-secret-42", "sm-v3-key-42"
	b.do(
		chromedp.SendKeys(chromedp.CSS("#groupKey"), "acme-main"),
		chromedp.SendKeys(chromedp.CSS("#name"), "Acme newsletter"),
		chromedp.SendKeys(chromedp.CSS("#baseUrl"), "http://app3.salesmanago.com"),
		chromedp.SendKeys(chromedp.CSS("#clientId"), "acme-client"),
		chromedp.SendKeys(chromedp.CSS("#apiSecret"), smSecret),
		chromedp.SendKeys(chromedp.CSS("#owner"), "owner@acme.example"),
	)
	b.screenshot("41-salesmanago-new")
	b.submit("#save", "#baseUrl-error")
	smBody := map[string]any{"groupKey": "acme-new", "baseUrl": "http://app3.salesmanago.com", "clientId": "c", "apiSecret": "s", "owner": "owner@acme.example"}
	field, want := apiRefusal(t, bd.bed, "POST", "/admin/v1/vendors/acme/salesmanago/accounts", smBody)
	if got := b.text("#baseUrl-error"); got != want || field != "baseUrl" || !strings.Contains(want, "https://") {
		t.Fatalf("the form says %q, the API %q (field %s)", got, want, field)
	}
	if v := value(t, b, "#groupKey"); v != "acme-main" {
		t.Fatalf("the refused form lost its group key: %q", v)
	}
	if html, _ := chromedp.Run(b.ctx, chromedp.OuterHTML(chromedp.CSS("html"))); strings.Contains(html, smSecret) {
		t.Fatal("the refused form carries the API secret back")
	}
	b.screenshot("42-salesmanago-refused")
	// A loopback server is refused by the guard too; then the owner by validation.
	b.do(chromedp.SetValue(chromedp.CSS("#baseUrl"), "https://127.0.0.1:8443"), chromedp.SendKeys(chromedp.CSS("#apiSecret"), smSecret))
	b.submit("#save", "#baseUrl-error")
	smBody["baseUrl"] = "https://127.0.0.1:8443"
	if _, want := apiRefusal(t, bd.bed, "POST", "/admin/v1/vendors/acme/salesmanago/accounts", smBody); b.text("#baseUrl-error") != want || !strings.Contains(want, "loopback") {
		t.Fatalf("loopback: the form says %q, the API %q", b.text("#baseUrl-error"), want)
	}
	b.do(chromedp.SetValue(chromedp.CSS("#baseUrl"), "https://app3.salesmanago.com"), chromedp.SetValue(chromedp.CSS("#owner"), "owner at acme"),
		chromedp.SendKeys(chromedp.CSS("#apiSecret"), smSecret))
	b.submit("#save", "#owner-error")
	smBody["baseUrl"], smBody["owner"] = "https://app3.salesmanago.com", "owner at acme"
	if _, want := apiRefusal(t, bd.bed, "POST", "/admin/v1/vendors/acme/salesmanago/accounts", smBody); b.text("#owner-error") != want {
		t.Fatalf("owner: the form says %q, the API %q", b.text("#owner-error"), want)
	}
	b.do(chromedp.SetValue(chromedp.CSS("#owner"), "owner@acme.example"), chromedp.SendKeys(chromedp.CSS("#apiSecret"), smSecret))
	b.submit("#save", "#flash")
	if f := b.text("#flash"); !strings.Contains(f, "acme-main") || !strings.Contains(f, "encrypted") {
		t.Fatalf("flash after create: %q", f)
	}
	accts, err := bd.DB.Connectors().ListSalesmanagoAccounts(ctx, "acme")
	if err != nil || len(accts) != 1 {
		t.Fatalf("acme's accounts: %v %v", accts, err)
	}
	sm := accts[0]
	if sm.GroupKey != "acme-main" || sm.Name != "Acme newsletter" || strings.Contains(sm.SealedSecret, smSecret) || !yespo.IsSealed(sm.SealedSecret) {
		t.Fatalf("created account: %+v", sm)
	}
	if plain, err := bd.Manage.SMSealer.Open(sm.SealedSecret, sm.ID); err != nil || plain != smSecret {
		t.Fatalf("the stored secret opens to %q, %v", plain, err)
	}
	if e := expectAudit(t, bd.bed, "salesmanago-account.create", sm.ID, []string{smSecret}, "api_secret"); e.VendorID != "acme" || e.Before != nil && string(e.Before) != "null" {
		t.Fatalf("create entry: vendor %q before %s", e.VendorID, e.Before)
	}
	if list := b.text("#sm-accounts"); !strings.Contains(list, "acme-main") || strings.Contains(list, "other-main") {
		t.Fatalf("acme's account list: %q", list)
	}

	// ---- SALESmanago: edit ----
	b.do(chromedp.Click(chromedp.CSS("#edit-sm-"+sm.ID)), chromedp.WaitVisible(chromedp.CSS("#sm-form")))
	b.screenshot("43-salesmanago-edit")
	b.do(chromedp.SetValue(chromedp.CSS("#catalogId"), "catalog-1"))
	b.submit("#save", "#apiKey-error")
	if _, want := apiRefusal(t, bd.bed, "PATCH", "/admin/v1/vendors/acme/salesmanago/accounts/"+sm.ID, map[string]any{"catalogId": "catalog-1"}); b.text("#apiKey-error") != want {
		t.Fatalf("edit: the form says %q, the API %q", b.text("#apiKey-error"), want)
	}
	b.do(chromedp.SetValue(chromedp.CSS("#name"), "Acme newsletter (PL)"), chromedp.SendKeys(chromedp.CSS("#apiKey"), smKey))
	b.submit("#save", "#flash")
	got, _ := bd.DB.Connectors().GetSalesmanagoAccount(ctx, "acme", sm.ID)
	if got.Name != "Acme newsletter (PL)" || got.CatalogID != "catalog-1" || !got.HasAPIKey || got.SealedSecret != sm.SealedSecret {
		t.Fatalf("edited account: %+v", got)
	}
	if e := expectAudit(t, bd.bed, "salesmanago-account.update", sm.ID, []string{smSecret, smKey}, "api_key"); !strings.Contains(string(e.Before), `"name":"Acme newsletter"`) {
		t.Fatalf("update entry before: %s", e.Before)
	}
	// The mapping: refused as PUT …/mapping refuses it, then saved.
	b.do(chromedp.Navigate(bd.URL+"/console/salesmanago/"+sm.ID+"/edit"), chromedp.WaitVisible(chromedp.CSS("#mapping-form")),
		chromedp.SetValue(chromedp.CSS("#mapping"), `{"tags": ["vip customer"]}`))
	b.submit("#save-mapping", "#mapping-error")
	_, want = apiRefusal(t, bd.bed, "PUT", "/admin/v1/vendors/acme/salesmanago/accounts/"+sm.ID+"/mapping", map[string]any{"tags": []string{"vip customer"}})
	if got := b.text("#mapping-error"); !strings.HasSuffix(got, want) {
		t.Fatalf("mapping: the form says %q, the API %q", got, want)
	}
	b.screenshot("44-salesmanago-mapping-refused")
	b.do(chromedp.SetValue(chromedp.CSS("#mapping"), `{"tags": ["VIP"]}`))
	b.submit("#save-mapping", "#flash")
	if got, _ := bd.DB.Connectors().GetSalesmanagoAccount(ctx, "acme", sm.ID); len(got.Mapping.Tags) != 1 || got.Mapping.Tags[0] != "VIP" {
		t.Fatalf("mapping: %+v", got.Mapping)
	}
	expectAudit(t, bd.bed, "salesmanago-account.mapping", sm.ID, []string{smSecret, smKey})

	// ---- Yespo ----
	b.do(chromedp.Navigate(bd.URL+"/console/connectors?vendor=acme"), chromedp.WaitVisible(chromedp.CSS("#yespo-acme")))
	b.submit("#yespo-acme", "#yespo-form")
	const yKey = "yespo-api-key-42"
	b.do(chromedp.SetValue(chromedp.CSS("#baseUrl"), "http://yespo.io"), chromedp.SendKeys(chromedp.CSS("#apiKey"), yKey))
	b.submit("#save", "#baseUrl-error")
	if _, want := apiRefusal(t, bd.bed, "PUT", "/admin/v1/vendors/acme/yespo", map[string]any{"baseUrl": "http://yespo.io", "apiKey": "k"}); b.text("#baseUrl-error") != want {
		t.Fatalf("yespo: the form says %q, the API %q", b.text("#baseUrl-error"), want)
	}
	b.screenshot("45-yespo-refused")
	b.do(chromedp.SetValue(chromedp.CSS("#baseUrl"), "https://yespo.io"), chromedp.SendKeys(chromedp.CSS("#apiKey"), yKey))
	b.submit("#save", "#flash")
	ya, err := bd.DB.Connectors().GetYespoAccount(ctx, "acme")
	if err != nil || ya.BaseURL != "https://yespo.io" || !yespo.IsSealed(ya.SealedKey) {
		t.Fatalf("acme's Yespo account: %+v %v", ya, err)
	}
	expectAudit(t, bd.bed, "yespo-account.set", "acme", []string{yKey}, "api_key")
	if list := b.text("#yespo-accounts"); !strings.Contains(list, "set (never shown)") {
		t.Fatalf("yespo list: %q", list)
	}
	b.screenshot("46-connectors-filled")
	b.submit("#yespo-acme", "#delete")
	b.screenshot("47-yespo-edit")
	b.submit("#delete", "#flash")
	if _, err := bd.DB.Connectors().GetYespoAccount(ctx, "acme"); orderhub.ErrorCode(err) != orderhub.ENotFound {
		t.Fatalf("after delete: %v", err)
	}
	expectAudit(t, bd.bed, "yespo-account.delete", "acme", []string{yKey})

	// ---- Zapier users ----
	b.do(chromedp.Click(chromedp.CSS("#new-zapier-user")), chromedp.WaitVisible(chromedp.CSS("#zapier-form")),
		chromedp.SendKeys(chromedp.CSS("#email"), "zap at acme"), chromedp.SendKeys(chromedp.CSS("#name"), "Acme Zap"))
	b.submit("#save", "#email-error")
	if _, want := apiRefusal(t, bd.bed, "POST", "/admin/v1/vendors/acme/zapier-users", map[string]any{"email": "zap at acme"}); b.text("#email-error") != want {
		t.Fatalf("zapier: the form says %q, the API %q", b.text("#email-error"), want)
	}
	b.screenshot("48-zapier-refused")
	b.do(chromedp.SetValue(chromedp.CSS("#email"), "zap@acme.example"))
	b.submit("#save", "#zapier-password")
	pw := b.text("#zapier-password code")
	b.screenshot("49-zapier-created")
	if len(pw) < 20 || zapierLogin(t, bd.URL, "zap@acme.example", pw) != 200 {
		t.Fatalf("the shown password %q does not log in", pw)
	}
	zs, _ := bd.DB.Catalog().ListZapierUsers(ctx, "acme")
	if len(zs) != 1 || zs[0].Name != "Acme Zap" {
		t.Fatalf("acme's Zapier users: %+v", zs)
	}
	zap := zs[0]
	expectAudit(t, bd.bed, "zapier-user.create", zap.ID, []string{pw}, "password_hash")
	b.do(chromedp.Navigate(bd.URL+"/console/connectors?vendor=acme"), chromedp.WaitVisible(chromedp.CSS("#zapier-users")))
	if strings.Contains(b.text("main"), pw) {
		t.Fatal("the password is shown again")
	}
	b.submit("#zapier-users .reset-zapier", "#zapier-password")
	pw2 := b.text("#zapier-password code")
	if pw2 == pw || zapierLogin(t, bd.URL, "zap@acme.example", pw) != 401 || zapierLogin(t, bd.URL, "zap@acme.example", pw2) != 200 {
		t.Fatalf("after the reset the old password still works or the new one %q does not", pw2)
	}
	expectAudit(t, bd.bed, "zapier-user.reset-password", zap.ID, []string{pw, pw2}, "password_hash")
	// Edit: another user's e-mail is refused as PATCH refuses it, then a new name.
	b.do(chromedp.Navigate(bd.URL+"/console/connectors?vendor=acme"), chromedp.WaitVisible(chromedp.CSS("#zapier-users .edit-zapier")))
	b.submit("#zapier-users .edit-zapier", "#zapier-form")
	b.do(chromedp.SetValue(chromedp.CSS("#email"), "zap@other.example"), chromedp.SetValue(chromedp.CSS("#name"), "Acme Zapier"))
	b.submit("#save", "#email-error")
	if _, want := apiRefusal(t, bd.bed, "PATCH", "/admin/v1/vendors/acme/zapier-users/"+zap.ID, map[string]any{"email": "zap@other.example"}); b.text("#email-error") != want {
		t.Fatalf("zapier edit: the form says %q, the API %q", b.text("#email-error"), want)
	}
	b.screenshot("55-zapier-edit-refused")
	b.do(chromedp.SetValue(chromedp.CSS("#email"), "zap@acme.example"))
	b.submit("#save", "#flash")
	if got, _ := bd.DB.Catalog().GetZapierUser(ctx, "acme", zap.ID); got.Name != "Acme Zapier" || got.Email != "zap@acme.example" {
		t.Fatalf("edited Zapier user: %+v", got)
	}
	if e := expectAudit(t, bd.bed, "zapier-user.update", zap.ID, []string{pw, pw2}, "password_hash"); !strings.Contains(string(e.Before), "Acme Zap\"") {
		t.Fatalf("update entry before: %s", e.Before)
	}
	// Disable (the login is refused, the state shows), then enable (the same password works).
	b.submit("#zapier-users .disable-zapier", "#flash")
	if st := b.text("#zapier-users"); !strings.Contains(st, "disabled") || zapierLogin(t, bd.URL, "zap@acme.example", pw2) != 401 {
		t.Fatalf("after disable: %q", st)
	}
	b.screenshot("56-zapier-disabled")
	expectAudit(t, bd.bed, "zapier-user.disable", zap.ID, []string{pw, pw2}, "password_hash")
	b.submit("#zapier-users .enable-zapier", "#flash")
	if zapierLogin(t, bd.URL, "zap@acme.example", pw2) != 200 {
		t.Fatal("the enabled user cannot log in")
	}
	expectAudit(t, bd.bed, "zapier-user.enable", zap.ID, []string{pw, pw2}, "password_hash")
	b.do(chromedp.Navigate(bd.URL+"/console/connectors?vendor=acme"), chromedp.WaitVisible(chromedp.CSS("#zapier-users")))
	b.submit("#zapier-users .delete-zapier", "#flash")
	if _, err := bd.DB.Catalog().GetZapierUser(ctx, "acme", zap.ID); orderhub.ErrorCode(err) != orderhub.ENotFound || zapierLogin(t, bd.URL, "zap@acme.example", pw2) != 401 {
		t.Fatalf("after delete: %v", err)
	}
	expectAudit(t, bd.bed, "zapier-user.delete", zap.ID, nil)

	// ---- SALESmanago: delete ----
	b.do(chromedp.Navigate(bd.URL+"/console/salesmanago/"+sm.ID+"/edit"), chromedp.WaitVisible(chromedp.CSS("#delete")))
	b.submit("#delete", "#flash")
	if _, err := bd.DB.Connectors().GetSalesmanagoAccount(ctx, "acme", sm.ID); orderhub.ErrorCode(err) != orderhub.ENotFound {
		t.Fatalf("after delete: %v", err)
	}
	expectAudit(t, bd.bed, "salesmanago-account.delete", sm.ID, []string{smSecret, smKey})
}

// submit clicks button and waits for the next page's element sel (the page it
// leaves is marked, so an element of the same name there does not count). A query
// that meets the navigation ("Inspected target navigated or closed", seen on a
// loaded machine) is tried again.
func (b *browser) submit(button, sel string) {
	b.t.Helper()
	if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`document.body.setAttribute('data-left', '1'), true`)); err != nil {
		b.t.Fatal(err)
	}
	b.do(chromedp.Click(chromedp.CSS(button)))
	for deadline := time.Now().Add(30 * time.Second); ; {
		err := chromedp.Do(b.ctx, chromedp.WaitVisible(chromedp.CSS("body:not([data-left]) "+sel)))
		if err == nil {
			return
		}
		if !strings.Contains(err.Error(), "navigated or closed") || time.Now().After(deadline) {
			b.t.Fatalf("after clicking %s, waiting for %s: %v", button, sel, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// postFrom submits a form built in the page (as a user editing the page could) and
// returns the error the console answers.
func postFrom(b *browser, action string, fields map[string]string) string {
	b.t.Helper()
	raw, _ := json.Marshal(fields)
	js := `(function(){var f=document.createElement('form');f.method='post';f.action=` + string(mustJSON(action)) + `;
var v=` + string(raw) + `;v.csrf=document.querySelector('input[name=csrf]').value;
for(var k in v){var i=document.createElement('input');i.type='hidden';i.name=k;i.value=v[k];f.appendChild(i);}
document.body.appendChild(f);f.submit();return true;})()`
	if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](js)); err != nil {
		b.t.Fatal(err)
	}
	b.do(chromedp.WaitVisible(chromedp.CSS("#error")))
	return b.text("#error")
}

func mustJSON(v any) []byte { b, _ := json.Marshal(v); return b }

// A vendor-admin sees and manages only its vendor's connector accounts and Zapier
// users: another vendor's records are refused however the URL or form is edited,
// and stay as they were. A vendor-viewer reads without forms.
func TestConnectorFormsRefuseAnotherVendor(t *testing.T) {
	chromiumPath(t)
	bd := newConnectorBed(t)
	ctx := context.Background()
	b := newBrowser(t, bd.URL)
	b.login("acme-ops", testPassword)
	b.do(chromedp.WaitVisible(chromedp.CSS(".who")))
	b.do(chromedp.Navigate(bd.URL+"/console/connectors"), chromedp.WaitVisible(chromedp.CSS("#new-zapier-user")))
	if main := b.text("main"); strings.Contains(main, "other-main") || strings.Contains(main, "zap@other.example") || strings.Contains(b.text("#yespo-accounts"), "other") {
		t.Fatalf("a vendor-admin sees another vendor's records: %q", main)
	}
	b.screenshot("50-connectors-vendor-admin")
	// URL edits: another vendor's SALESmanago account, Yespo account.
	b.wantError("/console/salesmanago/"+bd.OtherSM+"/edit", "not found")
	b.wantError("/console/yespo?vendor=other", "acme")
	b.wantError("/console/zapier-users/"+bd.OtherZap+"/edit", "not found")
	b.screenshot("51-connectors-refused")
	// Form edits: POSTs naming another vendor's records.
	b.do(chromedp.Navigate(bd.URL+"/console/connectors"), chromedp.WaitVisible(chromedp.CSS("#new-zapier-user")))
	for _, p := range []struct {
		action string
		fields map[string]string
		want   string
	}{
		{"/console/salesmanago/" + bd.OtherSM + "/delete", nil, "not found"},
		{"/console/salesmanago/" + bd.OtherSM + "/edit", map[string]string{"name": "hijacked"}, "not found"},
		{"/console/yespo/delete", map[string]string{"vendor": "other"}, "You work with vendor acme"},
		{"/console/yespo", map[string]string{"vendor": "other", "baseUrl": "https://evil.example", "apiKey": "x"}, "You work with vendor acme"},
		{"/console/zapier-users/" + bd.OtherZap + "/reset-password", map[string]string{"vendor": "other"}, "You work with vendor acme"},
		{"/console/zapier-users/" + bd.OtherZap + "/reset-password", map[string]string{"vendor": "acme"}, "not found"},
		{"/console/zapier-users/" + bd.OtherZap + "/delete", map[string]string{"vendor": "acme"}, "not found"},
		{"/console/zapier-users/" + bd.OtherZap + "/disable", map[string]string{"vendor": "acme"}, "not found"},
		{"/console/zapier-users/" + bd.OtherZap + "/edit", map[string]string{"vendor": "acme", "email": "hijack@acme.example"}, "not found"},
		{"/console/zapier-users/" + bd.OtherZap + "/edit", map[string]string{"vendor": "other", "email": "hijack@acme.example"}, "You work with vendor acme"},
		{"/console/zapier-users", map[string]string{"vendor": "other", "email": "x@other.example"}, "You work with vendor acme"},
	} {
		if p.fields == nil {
			p.fields = map[string]string{}
		}
		b.do(chromedp.Navigate(bd.URL+"/console/connectors"), chromedp.WaitVisible(chromedp.CSS("#new-zapier-user")))
		if msg := postFrom(b, p.action, p.fields); !strings.Contains(msg, p.want) {
			t.Fatalf("POST %s %v: %q, want %q", p.action, p.fields, msg, p.want)
		}
	}
	if rec, err := bd.DB.Connectors().GetSalesmanagoAccount(ctx, "other", bd.OtherSM); err != nil || rec.Name != "" {
		t.Fatalf("other's account: %+v %v", rec, err)
	}
	if a, err := bd.DB.Connectors().GetYespoAccount(ctx, "other"); err != nil || a.BaseURL != "https://yespo.io" {
		t.Fatalf("other's Yespo account: %+v %v", a, err)
	}
	if u, err := bd.DB.Catalog().GetZapierUser(ctx, "other", bd.OtherZap); err != nil || u.Email != "zap@other.example" || u.DisabledAt != nil {
		t.Fatalf("other's Zapier user: %+v %v", u, err)
	}
	// Its own vendor's: a Zapier user created with a password it chose (not shown back).
	b.do(chromedp.Navigate(bd.URL+"/console/zapier-users/new"), chromedp.WaitVisible(chromedp.CSS("#zapier-form")),
		chromedp.SendKeys(chromedp.CSS("#email"), "zap@acme.example"), chromedp.SendKeys(chromedp.CSS("#password"), "chosen password 1"))
	b.submit("#save", "dl.facts")
	if main := b.text("main"); strings.Contains(main, "chosen password 1") || zapierLogin(t, bd.URL, "zap@acme.example", "chosen password 1") != 200 {
		t.Fatalf("vendor-admin's own Zapier user: %q", main)
	}
	pg, err := bd.DB.Admin().ListAudit(ctx, orderhub.AuditFilter{Action: "zapier-user.create", Actor: "acme-ops"}, orderhub.Page{Limit: 10})
	if err != nil || len(pg.Data) != 1 || pg.Data[0].VendorID != "acme" || pg.Data[0].Actor.Via != orderhub.ViaConsole || strings.Contains(string(pg.Data[0].After), "chosen password") {
		t.Fatalf("audit of the vendor-admin's create: %+v %v", pg, err)
	}

	// A vendor-viewer reads its vendor's list, without forms.
	v := newBrowser(t, bd.URL)
	v.login("acme-viewer", testPassword)
	v.do(chromedp.WaitVisible(chromedp.CSS(".who")), chromedp.Navigate(bd.URL+"/console/connectors"), chromedp.WaitVisible(chromedp.CSS("#zapier-users")))
	if main := v.text("main"); strings.Contains(main, "Reset password") || strings.Contains(main, "New SALESmanago") || !strings.Contains(main, "zap@acme.example") {
		t.Fatalf("a viewer's list: %q", main)
	}
	for _, p := range []string{"/console/salesmanago/new", "/console/zapier-users/new", "/console/yespo?vendor=acme"} {
		v.wantError(p, "vendor-viewer")
	}
}

// The connection test buttons call SALESmanago and Yespo (fakes on loopback, which
// this bed's guard allows) with the stored, sealed credentials, as POST …/test in
// the admin API does: OK with the right ones; after the secret is changed in the
// edit form to a wrong one, FAILED with SALESmanago's reason.
func TestConnectorConnectionTestsInABrowser(t *testing.T) {
	chromiumPath(t)
	bd := newConnectorBedWith(t, netguard.Options{AllowPrivate: true})
	ctx := context.Background()
	smFake := httptest.NewServer(smfake.New(smfake.Account{ClientID: "acme-client", APISecret: "right-secret", Owner: "owner@acme.example", APIKey: "v3-key", Catalogs: []string{"cat-1"}}))
	defer smFake.Close()
	yFake := httptest.NewServer(yespofake.New("right-yespo-key"))
	defer yFake.Close()
	rec, err := bd.Manage.Connectors().CreateSalesmanagoAccount(ctx, "acme", &orderhub.SalesmanagoAccountInput{GroupKey: "acme-main", BaseURL: smFake.URL, V3BaseURL: smFake.URL,
		ClientID: "acme-client", APISecret: "right-secret", Owner: "owner@acme.example", APIKey: "v3-key", CatalogID: "cat-1"})
	if err != nil {
		t.Fatal(err)
	}
	base, key := yFake.URL, "right-yespo-key"
	if _, err := bd.Manage.Connectors().SaveYespoAccount(ctx, "acme", &base, &key); err != nil {
		t.Fatal(err)
	}

	b := newBrowser(t, bd.URL)
	b.login(testUser, testPassword)
	b.do(chromedp.WaitVisible(chromedp.CSS(".who")),
		chromedp.Navigate(bd.URL+"/console/salesmanago/"+rec.ID+"/edit"), chromedp.WaitVisible(chromedp.CSS("#test-connection")))
	b.submit("#test-connection", "#flash")
	if f := b.text("#flash"); !strings.Contains(f, "OK") || !strings.Contains(f, "catalog cat-1 found") {
		t.Fatalf("SALESmanago test: %q", f)
	}
	b.screenshot("52-salesmanago-test-ok")
	b.do(chromedp.SendKeys(chromedp.CSS("#apiSecret"), "wrong-secret"))
	b.submit("#save", "#flash")
	b.do(chromedp.Navigate(bd.URL+"/console/salesmanago/"+rec.ID+"/edit"), chromedp.WaitVisible(chromedp.CSS("#test-connection")))
	b.submit("#test-connection", "#flash")
	if f := b.text("#flash"); !strings.Contains(f, "FAILED") || !strings.Contains(f, "API v2") {
		t.Fatalf("SALESmanago test with a wrong secret: %q", f)
	}
	b.screenshot("53-salesmanago-test-failed")

	b.do(chromedp.Navigate(bd.URL+"/console/yespo?vendor=acme"), chromedp.WaitVisible(chromedp.CSS("#test-connection")))
	b.submit("#test-connection", "#flash")
	if f := b.text("#flash"); !strings.Contains(f, "OK") {
		t.Fatalf("Yespo test: %q", f)
	}
	b.screenshot("54-yespo-test-ok")
	b.do(chromedp.SendKeys(chromedp.CSS("#apiKey"), "wrong-yespo-key"))
	b.submit("#save", "#flash")
	b.do(chromedp.Navigate(bd.URL+"/console/yespo?vendor=acme"), chromedp.WaitVisible(chromedp.CSS("#test-connection")))
	b.submit("#test-connection", "#flash")
	if f := b.text("#flash"); !strings.Contains(f, "FAILED") {
		t.Fatalf("Yespo test with a wrong key: %q", f)
	}
}
