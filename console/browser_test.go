package console_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"orderhub"
	"orderhub/hub"
)

// chromiumPath finds Debian's Chromium (scripts/ensure-chromium.sh installs it), or
// the browser named by ORDERHUB_CHROMIUM. Without one the browser tests skip loudly
// on a developer machine and fail with CI=true.
func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("ORDERHUB_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	msg := "NO CHROMIUM: the console's real-browser tests did not run. Install it with scripts/ensure-chromium.sh (apt-get install chromium) or set ORDERHUB_CHROMIUM."
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Log(msg)
	t.Skip(msg)
	return ""
}

// browser is a headless Chromium tab with its own profile in a temp dir.
type browser struct {
	t    *testing.T
	ctx  context.Context
	base string
	shot string // screenshot directory
}

func newBrowser(t *testing.T, base string) *browser {
	t.Helper()
	exe := chromiumPath(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		// Chromium's own temporary files (org.chromium.Chromium.*) go to a directory
		// the test removes, not to the machine's temp dir.
		chromedp.Env("TMPDIR=" + t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelTab(); cancelAlloc() })
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start %s: %v", exe, err)
	}
	// Confirm dialogs (replay, disable, …) are accepted, as an operator would.
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			t.Logf("confirm dialog: %q (accepted)", ev.Message)
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: true})
		}
	}()
	dir := filepath.Join(t.TempDir(), "screenshots")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if d := os.Getenv("ORDERHUB_SCREENSHOTS"); d != "" { // keep them for a look
		dir = d
		_ = os.MkdirAll(dir, 0o755)
	}
	return &browser{t: t, ctx: ctx, base: base, shot: dir}
}

func (b *browser) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatal(err)
	}
}

// text returns the text of the first element css names (waiting for it). A query
// that meets a page still being replaced ("No node with given id found", "navigated
// or closed": seen on a loaded machine) is tried again.
func (b *browser) text(css string) string {
	b.t.Helper()
	for try := 0; ; try++ {
		s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(css)))
		if err == nil {
			return s
		}
		if try == 20 || !strings.Contains(err.Error(), "No node with given id") && !strings.Contains(err.Error(), "navigated or closed") {
			b.t.Fatalf("text of %s: %v", css, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (b *browser) location() string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.t.Fatal(err)
	}
	return s
}

// screenshot writes the whole page as NAME.png into the test's screenshot dir.
func (b *browser) screenshot(name string) {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100)) // quality 100: PNG
	if err != nil {
		b.t.Fatal(err)
	}
	p := filepath.Join(b.shot, name+".png")
	if err := os.WriteFile(p, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot %s (%d bytes)", p, len(png))
}

func (b *browser) login(user, password string) {
	b.t.Helper()
	b.do(
		chromedp.Navigate(b.base+"/console/login"),
		chromedp.WaitVisible(chromedp.CSS("#login-button")),
		chromedp.SendKeys(chromedp.CSS("#username"), user),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS("#login-button")),
		chromedp.WaitReady(chromedp.CSS("body")),
	)
}

// The operator's path through the console in a real browser: a wrong password is
// refused; log in, find an order by the customer's e-mail, open the customer's
// timeline and a dead delivery, replay it against the receiver (which answers 200
// now) and see it delivered; a form posted without its CSRF token is refused.
func TestConsoleInABrowser(t *testing.T) {
	exe := chromiumPath(t) // skip before starting the server when there is no browser
	t.Logf("browser: %s", exe)
	bd := newBed(t)
	b := newBrowser(t, bd.URL)

	// A wrong password is refused.
	b.login(testUser, "not the password")
	b.do(chromedp.WaitVisible(chromedp.CSS("#error")))
	if msg := b.text("#error"); !strings.Contains(msg, "Wrong username or password") {
		t.Fatalf("wrong password: %q", msg)
	}
	if loc := b.location(); !strings.HasSuffix(loc, "/console/login") {
		t.Fatalf("wrong password led to %s", loc)
	}
	b.screenshot("01-login-refused")

	// The right one opens the dashboard.
	b.login(testUser, testPassword)
	b.do(chromedp.WaitVisible(chromedp.CSS("#live")))
	if dead := b.text(`[data-k="dead"]`); dead != "2" {
		t.Fatalf("dashboard dead letters: %q", dead)
	}
	if failing := b.text("#failing"); !strings.Contains(failing, bd.Endpoint.Description) {
		t.Fatalf("failing endpoints: %q", failing)
	}
	if minutes := b.text("#activity tr.minutes"); !strings.Contains(minutes, "UTC") || !strings.HasSuffix(strings.TrimSpace(minutes), "now") {
		t.Fatalf("the activity chart's time labels: %q", minutes)
	}
	// The browser finds the icon (the page's SVG, and /favicon.ico at the root).
	for _, u := range []string{"/console/static/favicon.svg", "/favicon.ico"} {
		st, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`fetch("`+u+`").then(r => r.ok && r.headers.get("content-type").startsWith("image/") ? r.status : -r.status)`,
			chromedp.EvalAwaitPromise))
		if err != nil || st != 200 {
			t.Fatalf("the browser fetching %s: %d %v", u, st, err)
		}
	}
	b.screenshot("02-dashboard")

	// Find the order by e-mail with the header's search box.
	b.do(
		chromedp.SendKeys(chromedp.CSS(`header input[name="q"]`), testEmail+"\r"),
		chromedp.WaitVisible(chromedp.CSS("#orders")),
	)
	if orders := b.text("#orders"); !strings.Contains(orders, testOrder) || !strings.Contains(orders, "199.00 SEK") {
		t.Fatalf("search results: %q", orders)
	}
	b.screenshot("03-search")

	// The customer's timeline shows the order, its events and their dead deliveries.
	b.do(
		chromedp.Click(chromedp.CSS("#orders a.customer-link")),
		chromedp.WaitVisible(chromedp.CSS("#timeline")),
	)
	tl := b.text("#timeline")
	for _, w := range []string{"order #1 " + testOrder, "event order-created", "event customer-created", "delivery of order-created", "dead"} {
		if !strings.Contains(tl, w) {
			t.Fatalf("timeline lacks %q: %s", w, tl)
		}
	}
	b.screenshot("04-customer-timeline")

	// Open the dead delivery of order-created.
	var target *orderhub.Delivery
	for _, d := range bd.deliveries(orderhub.DeliveryDead) {
		if d.EventType == "order-created" {
			target = d
		}
	}
	if target == nil {
		t.Fatal("no dead order-created delivery")
	}
	b.do(
		chromedp.Click(chromedp.CSS(`#timeline a[href="/console/deliveries/`+target.ID+`"]`)),
		chromedp.WaitVisible(chromedp.CSS("#attempts")),
	)
	if st := b.text("#delivery-status"); st != "dead" {
		t.Fatalf("delivery status %q", st)
	}
	if at := b.text("#attempts"); !strings.Contains(at, "HTTP 500") || !strings.Contains(at, "crm is down for maintenance") || !strings.Contains(at, " ms") {
		t.Fatalf("attempts: %q", at)
	}
	b.screenshot("05-dead-delivery")

	// The CRM is back: replay (through the confirm dialog) and watch it be delivered.
	bd.ReceiverStatus.Store(200)
	b.do(
		chromedp.Click(chromedp.CSS("#replay")),
		chromedp.WaitVisible(chromedp.CSS("#flash")),
	)
	if f := b.text("#flash"); !strings.Contains(f, "queued again") {
		t.Fatalf("flash: %q", f)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		st := b.text("#delivery-status")
		if st == "delivered" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the replayed delivery is still %q", st)
		}
		time.Sleep(100 * time.Millisecond)
		b.do(chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#delivery-status")))
	}
	if at := b.text("#attempts"); !strings.Contains(at, "HTTP 200") {
		t.Fatalf("attempts after replay: %q", at)
	}
	b.screenshot("06-delivered")

	// A form posted without its CSRF token is refused: remove the token from the other
	// dead delivery's replay form, then submit it.
	var other *orderhub.Delivery
	for _, d := range bd.deliveries(orderhub.DeliveryDead) {
		other = d
	}
	if other == nil {
		t.Fatal("no other dead delivery")
	}
	b.do(
		chromedp.Navigate(bd.URL+"/console/deliveries/"+other.ID),
		chromedp.WaitVisible(chromedp.CSS("#replay")),
	)
	if _, err := chromedp.Run(b.ctx, chromedp.Evaluate[bool](`document.querySelector('#replay-form input[name="csrf"]').remove(), true`)); err != nil {
		t.Fatal(err)
	}
	b.submit("#replay", "#error")
	if msg := b.text("#error"); !strings.Contains(msg, "security token is missing") {
		t.Fatalf("post without CSRF token: %q", msg)
	}
	if title, _ := chromedp.Run(b.ctx, chromedp.Title()); !strings.Contains(title, "CSRF") {
		t.Fatalf("error page title %q", title)
	}
	b.screenshot("07-csrf-refused")
	if d, _ := bd.DB.Deliveries().GetDelivery(context.Background(), "", other.ID); d.Status != orderhub.DeliveryDead {
		t.Fatalf("the refused replay changed the delivery: %s", d.Status)
	}

	// The other main pages render; screenshots for a look.
	for _, p := range []struct{ path, wait, name string }{
		{"/console/endpoints", "table.endpoints", "08-endpoints"},
		{"/console/endpoints/" + bd.Endpoint.ID, "#deliveries", "09-endpoint"},
		{"/console/dead-letters", "#dead", "10-dead-letters"},
		{"/console/catalog", "#promos", "11-catalog"},
		{"/console/credentials", "#clients", "12-credentials"},
		{"/console/ignored", "#no-ignored", "13-ignored"},
	} {
		b.do(chromedp.Navigate(bd.URL+p.path), chromedp.WaitVisible(chromedp.CSS(p.wait)))
		b.screenshot(p.name)
	}

	// Bulk replay from the dead letters page: select all, replay, all delivered.
	b.do(
		chromedp.Navigate(bd.URL+"/console/dead-letters"),
		chromedp.WaitVisible(chromedp.CSS("#select-all")),
		chromedp.Click(chromedp.CSS("#select-all")),
		chromedp.Click(chromedp.CSS("#replay-selected")),
		chromedp.WaitVisible(chromedp.CSS("#flash")),
	)
	if f := b.text("#flash"); !strings.Contains(f, "1 deliveries queued again") {
		t.Fatalf("bulk replay: %q", f)
	}
	bd.waitFor("everything delivered", func() bool { return len(bd.deliveries(orderhub.DeliveryDelivered)) == 2 })

	// The dashboard's counters are live: two new dead letters show up without a reload.
	bd.ReceiverStatus.Store(500)
	b.do(chromedp.Navigate(bd.URL+"/console/"), chromedp.WaitVisible(chromedp.CSS("#live")))
	// (The figures may be up to 2 s old, and the counters refresh every 5 s.)
	deadline = time.Now().Add(20 * time.Second)
	for b.text(`[data-k="dead"]`) != "0" {
		if time.Now().After(deadline) {
			t.Fatalf("dead letters after the replays: %q", b.text(`[data-k="dead"]`))
		}
		time.Sleep(200 * time.Millisecond)
	}
	if _, _, err := hub.NewOrders(bd.DB).UpsertOrder(context.Background(), &orderhub.OrderInput{VendorID: "acme", ExternalOrderID: "WEB-1002", Source: "webshop",
		Status: orderhub.OrderInitialized, Customer: orderhub.Customer{Email: "bob@example.com"}}); err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(20 * time.Second)
	for b.text(`[data-k="dead"]`) != "2" {
		if time.Now().After(deadline) {
			t.Fatalf("the live counter still shows %q dead letters", b.text(`[data-k="dead"]`))
		}
		time.Sleep(200 * time.Millisecond)
	}

	// Log out: the console is closed again.
	b.do(
		chromedp.Navigate(bd.URL+"/console/"),
		chromedp.WaitVisible(chromedp.CSS(".logout button")),
		chromedp.Click(chromedp.CSS(".logout button")),
		chromedp.WaitVisible(chromedp.CSS("#login-button")),
		chromedp.Navigate(bd.URL+"/console/dead-letters"),
		chromedp.WaitVisible(chromedp.CSS("#login-button")),
	)
}

// asOperator opens a browser on the console at base, logged in as the test
// operator (the set-up most browser tests start with).
func asOperator(t *testing.T, base string) *browser {
	b := newBrowser(t, base)
	b.login(testUser, testPassword)
	b.do(chromedp.WaitVisible(chromedp.CSS(".who")))
	return b
}

// openForm opens page, follows its link (a CSS selector) and waits for the form.
func (b *browser) openForm(page, link, form string) {
	b.do(
		chromedp.Navigate(page),
		chromedp.WaitVisible(chromedp.CSS(link)),
		chromedp.Click(chromedp.CSS(link)),
		chromedp.WaitVisible(chromedp.CSS(form)),
	)
}
