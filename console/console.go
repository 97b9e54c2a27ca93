// Package console is orderhub's admin web console, served at /console: server-rendered
// html/template pages over the store, with embedded static files (no CDN; it works
// offline) and a little JavaScript for live counters and confirm dialogs.
//
// Operators log in with a console user's password (orderhub admin console-user
// create; bcrypt hash). A session is a random token in an HttpOnly, SameSite=Lax
// cookie (Secure over TLS) whose hash is stored with the session's CSRF token; every
// form carries that token (synchronizer token pattern) and every POST is refused
// without it. The login form, before any session exists, is protected by a
// double-submit token.
package console

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"orderhub"
	"orderhub/manage"
	"orderhub/netguard"
	"orderhub/throttle"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// loginThrottle limits failed logins (package throttle): 10 failures for one
// username from one address within 15 minutes refuse that username from that
// address, 30 from one address refuse the address, until the window ends (429,
// without checking the password). The user, from another address, still logs in;
// unknown usernames count like wrong passwords.
var loginThrottle = throttle.Config{PerPair: 10, PerSource: 30, Window: 15 * time.Minute}

// Prefix is where the console is mounted.
const Prefix = "/console"

const (
	sessionCookie = "orderhub_console"
	loginCookie   = "orderhub_console_login"
	flashCookie   = "orderhub_console_flash"
	// SessionTTL is how long a console session lasts.
	SessionTTL = 12 * time.Hour
)

// Config holds the console's dependencies.
type Config struct {
	// Store is the store the console reads and (through Manage) writes.
	Store  orderhub.Store
	Logger *slog.Logger
	// SecureCookies marks cookies Secure even when the request did not arrive over
	// TLS here (behind a TLS-terminating proxy). Requests over TLS, or with
	// X-Forwarded-Proto: https, always get Secure cookies.
	SecureCookies bool
	// Now returns the current time (default time.Now); it times the login throttle.
	Now func() time.Time
	// Guard checks the target URLs the console's forms register (default
	// netguard.Default(); the admin API passes its own).
	Guard *netguard.Guard
	// Manage is the admin API's service (its sealers and connectors); nil: one over
	// Store and Guard.
	Manage *manage.Service
}

type console struct {
	store  orderhub.Store
	log    *slog.Logger
	secure bool
	pages  map[string]*template.Template
	mux    *http.ServeMux
	logins *throttle.Limiter // failed logins (package throttle)
	dash   *orderhub.DashboardCache
	manage *manage.Service // the admin API's rules and store calls (manage.go)
}

// Handler returns the console's handler; mount it at Prefix + "/".
func Handler(cfg Config) http.Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	c := &console{store: cfg.Store, log: cfg.Logger, secure: cfg.SecureCookies, mux: http.NewServeMux(), logins: throttle.New(loginThrottle, cfg.Now)}
	c.dash = orderhub.NewDashboardCache(cfg.Store.Admin, cfg.Store.Now, 2*time.Second)
	if cfg.Guard == nil {
		cfg.Guard = netguard.Default()
	}
	c.manage = cfg.Manage
	if c.manage == nil {
		c.manage = &manage.Service{Store: cfg.Store, Guard: cfg.Guard}
	}
	c.pages = pages()
	c.routes()
	return c
}

// pages parses the templates once per process.
var pages = sync.OnceValue(parsePages)

func parsePages() map[string]*template.Template {
	funcs := template.FuncMap{
		"time":    fmtTime,
		"ago":     ago,
		"money":   func(m orderhub.Money) string { return orderhub.FormatDecimal(int64(m)) },
		"join":    strings.Join,
		"excerpt": excerpt,
		// endpoint names an endpoint by its description when it has one (names:
		// endpointNames), by its id otherwise.
		"endpoint": func(names map[string]string, id string) string {
			if n := names[id]; n != "" {
				return n
			}
			return id
		},
		"statusClass": func(s string) string {
			switch strings.ToLower(s) {
			case "delivered", "confirmed", "active", "ok", "healthy":
				return "ok"
			case "dead", "canceled", "cancelled", "disabled", "revoked", "failing":
				return "bad"
			case "failed", "pending":
				return "warn"
			}
			return ""
		},
		"q": url.QueryEscape,
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		panic(err)
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" {
			continue
		}
		pages[base] = template.Must(template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", n))
	}
	return pages
}

func fmtTime(t any) string {
	switch v := t.(type) {
	case time.Time:
		if v.IsZero() {
			return "—"
		}
		return v.UTC().Format("2006-01-02 15:04:05Z")
	case *time.Time:
		if v == nil {
			return "—"
		}
		return fmtTime(*v)
	}
	return fmt.Sprint(t)
}

func ago(t any) string {
	var tm time.Time
	switch v := t.(type) {
	case time.Time:
		tm = v
	case *time.Time:
		if v == nil {
			return "—"
		}
		tm = *v
	}
	if tm.IsZero() {
		return "—"
	}
	d := time.Since(tm).Round(time.Second)
	if d < 0 {
		return "in " + (-d).String()
	}
	return d.String() + " ago"
}

func excerpt(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8Start(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

func (c *console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	c.mux.ServeHTTP(w, r)
}

// ---- sessions and CSRF ----

type ctxKey struct{}

// session returns the request's console session (set by auth).
func session(r *http.Request) *orderhub.ConsoleSession {
	s, _ := r.Context().Value(ctxKey{}).(*orderhub.ConsoleSession)
	return s
}

func (c *console) secureRequest(r *http.Request) bool {
	return c.secure || r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

func (c *console) setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{
		Name: name, Value: value, Path: Prefix + "/", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: c.secureRequest(r),
	})
}

// auth requires a session; without one, pages redirect to the login page and POSTs
// are refused. POSTs must also carry the session's CSRF token.
func (c *console) auth(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var s *orderhub.ConsoleSession
		if ck, err := r.Cookie(sessionCookie); err == nil && ck.Value != "" && len(ck.Value) < 200 {
			s, _ = c.store.Admin.ConsoleSessionByToken(r.Context(), ck.Value)
		}
		if s == nil {
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				http.Redirect(w, r, Prefix+"/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			c.fail(w, r, http.StatusUnauthorized, "Not logged in", "Your session has ended. Log in again.")
			return
		}
		if r.Method == http.MethodPost {
			if !sameOrigin(r) {
				c.fail(w, r, http.StatusForbidden, "Cross-site request refused", "This form was posted from another site.")
				return
			}
			r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
			if err := r.ParseForm(); err != nil {
				c.fail(w, r, http.StatusBadRequest, "Bad form", "The form could not be read.")
				return
			}
			tok := r.PostForm.Get("csrf")
			if tok == "" || subtle.ConstantTimeCompare([]byte(tok), []byte(s.CSRFToken)) != 1 {
				c.fail(w, r, http.StatusForbidden, "CSRF token missing or wrong", "The form's security token is missing or stale. Reload the page and try again.")
				return
			}
		}
		if s.VendorID != "" && !c.scopeRequest(w, r, s) {
			return
		}
		ctx := context.WithValue(r.Context(), ctxKey{}, s)
		if r.Method == http.MethodPost && !strings.HasSuffix(r.Pattern, "/logout") {
			ctx = orderhub.WithChange(ctx, consoleChange(r, s))
		}
		h(w, r.WithContext(ctx))
	}
}

// consoleChange describes the change a console form makes for the audit log: its
// action from the route, its user, and the form (without its CSRF token).
func consoleChange(r *http.Request, s *orderhub.ConsoleSession) *orderhub.Change {
	ch := &orderhub.Change{Actor: orderhub.Actor{Kind: orderhub.ActorUser, ID: s.UserID, Name: s.Username, Via: orderhub.ViaConsole}}
	ch.Action, ch.ResourceType, ch.ResourceID = orderhub.DescribeRoute(r.Method, r.Pattern, r.PathValue)
	form := map[string]any{}
	for k, v := range r.PostForm {
		if k != "csrf" {
			form[k] = strings.Join(v, ",")
		}
	}
	ch.VendorID, _ = form["vendor"].(string)
	ch.Request = form
	return ch
}

// operatorPages are the console pages about every vendor at once: a vendor-scoped
// session does not see them.
var operatorPages = map[string]bool{"GET " + Prefix + "/{$}": true, "GET " + Prefix + "/stats.json": true}

// scopeRequest confines a vendor-scoped session (roles vendor-admin, vendor-viewer)
// to its vendor, however the URL is edited: another vendor in ?vendor= is 403, the
// cross-vendor pages are 403 (the dashboard sends it to its endpoints), a viewer's
// POST is 403, and every page without a ?vendor= gets the session's. Records named
// by id are checked by their pages (mayShow, scopeVendor): another vendor's is 404.
func (c *console) scopeRequest(w http.ResponseWriter, r *http.Request, s *orderhub.ConsoleSession) bool {
	r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, s))
	if r.Method == http.MethodPost && s.Role != orderhub.RoleVendorAdmin && !strings.HasSuffix(r.Pattern, "/logout") {
		c.fail(w, r, http.StatusForbidden, "Read only", "Your role ("+s.Role+") can look at vendor "+s.VendorID+" but not change it.")
		return false
	}
	q := r.URL.Query()
	if v := q.Get("vendor"); v != "" && v != s.VendorID {
		c.fail(w, r, http.StatusForbidden, "Not your vendor", "You work with vendor "+s.VendorID+"; this page asks for vendor "+v+".")
		return false
	}
	if r.Pattern == "GET "+Prefix+"/{$}" {
		http.Redirect(w, r, Prefix+"/endpoints", http.StatusSeeOther)
		return false
	}
	if operatorPages[r.Pattern] {
		c.fail(w, r, http.StatusForbidden, "Operators only", "This page shows every vendor; you work with vendor "+s.VendorID+".")
		return false
	}
	if r.Method == http.MethodGet {
		q.Set("vendor", s.VendorID)
		r.URL.RawQuery = q.Encode()
	}
	return true
}

// scopeVendor is the vendor a session is confined to ("" for an operator): the
// store's vendor argument, which refuses another vendor's records as not found.
func scopeVendor(r *http.Request) string {
	if s := session(r); s != nil {
		return s.VendorID
	}
	return ""
}

// mayShow reports whether the session may see a record of vendor.
func mayShow(r *http.Request, vendor string) bool {
	v := scopeVendor(r)
	return v == "" || v == vendor
}

// sameOrigin refuses POSTs whose Origin (sent by browsers) names another host.
func sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" || o == "null" {
		return o == ""
	}
	u, err := url.Parse(o)
	return err == nil && u.Host == r.Host
}

func randomToken() string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// ---- rendering ----

// view is what every page template gets.
type view struct {
	Title   string
	Nav     string
	User    string
	Scope   string // the vendor of a vendor-scoped session
	Role    string // the session's role (operator, vendor-admin, vendor-viewer)
	CSRF    string
	Flash   string
	Error   string
	Data    any
	Vendors []*orderhub.Vendor
}

func (c *console) render(w http.ResponseWriter, r *http.Request, status int, page string, v *view) {
	t, ok := c.pages[page]
	if !ok {
		panic("console: no page " + page)
	}
	if s := session(r); s != nil {
		v.User, v.CSRF, v.Scope, v.Role = s.Username, s.CSRFToken, s.VendorID, s.Role
	}
	if ck, err := r.Cookie(flashCookie); err == nil && v.Flash == "" {
		v.Flash, _ = url.QueryUnescape(ck.Value)
		c.setCookie(w, r, flashCookie, "", -1)
	}
	var b strings.Builder
	if err := t.Execute(&b, v); err != nil {
		c.log.Error("console: render", "page", page, "err", err)
		http.Error(w, "Internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(b.String()))
}

// fail renders an error page.
func (c *console) fail(w http.ResponseWriter, r *http.Request, status int, title, msg string) {
	c.render(w, r, status, "error", &view{Title: title, Error: msg})
}

// failErr renders an error from the store: domain errors with their status and
// message, anything else as an internal error (logged in full).
func (c *console) failErr(w http.ResponseWriter, r *http.Request, err error) {
	var e *orderhub.Error
	if errors.As(err, &e) {
		status := http.StatusBadRequest
		switch e.Code {
		case orderhub.ENotFound, orderhub.EContractNotFound, orderhub.EPromoCodeNotFound:
			status = http.StatusNotFound
		case orderhub.EConflict:
			status = http.StatusConflict
		case orderhub.EUnauthorized:
			status = http.StatusUnauthorized
		}
		c.fail(w, r, status, http.StatusText(status), e.Message)
		return
	}
	c.log.Error("console", "path", r.URL.Path, "err", err)
	c.fail(w, r, http.StatusInternalServerError, "Internal error", "Something went wrong; the server log has the details.")
}

// back redirects after a POST (post/redirect/get) with a flash message for the next
// page. The message travels in a short-lived cookie rather than the URL, so that
// nobody can craft a console link that displays text of their choosing.
func (c *console) back(w http.ResponseWriter, r *http.Request, path, flash string) {
	if flash != "" {
		c.setCookie(w, r, flashCookie, url.QueryEscape(excerpt(flash, 2000)), 60)
	}
	http.Redirect(w, r, Prefix+path, http.StatusSeeOther)
}
