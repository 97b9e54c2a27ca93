package console

import (
	"net/http"
	"net/url"
	"strings"

	"orderhub"
	"orderhub/manage"
)

// Console users (operators only): list, create (a password given or generated and
// shown once), change the role, reset the password (ends the user's sessions),
// disable / enable (disabling ends its sessions), delete. Every change goes through
// package manage, as `orderhub admin console-user …` does; the store keeps at least
// one active operator. There is no admin API route for console users (a decision:
// docs/console.md#console-users).

func (c *userForms) manageUserRoutes() {
	m := c.mux
	const p = Prefix
	m.HandleFunc("GET "+p+"/users", c.auth(c.handleUsers))
	m.HandleFunc("GET "+p+"/users/new", c.auth(c.handleNewUser))
	m.HandleFunc("POST "+p+"/users", c.auth(c.handleCreateUser))
	m.HandleFunc("GET "+p+"/users/{username}", c.auth(c.handleUser))
	m.HandleFunc("POST "+p+"/users/{username}/{action}", c.auth(c.handleUserAction))
}

func (c *userForms) handleUsers(w http.ResponseWriter, r *http.Request) {
	if c.operatorOnly(w, r, "console users") {
		return
	}
	users, err := c.store.Admin.ListConsoleUsers(r.Context())
	if err != nil {
		c.failErr(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "users", &view{Title: "Console users", Nav: "users", Data: users})
}

// userForm is the new-user form, the user page's forms, and what they answer.
type userForm struct {
	New      bool
	User     *orderhub.ConsoleUser // the user page's user
	Username string
	Role     string
	Vendor   string
	Roles    []string
	Vendors  []*orderhub.Vendor
	Err      formError
	Form     string // which form of the user page was refused: role, password, state, delete
	// Password is a generated password, shown once.
	Password string
	Self     bool // the user page shows the session's own user
}

// RoleErr is the message of a refused role or vendor (field "role" or "vendorId")
// of the form that set them: the new-user form or the user page's role form.
func (f *userForm) RoleErr(field string) string {
	if f.Err.Field == field && (f.New || f.Form == "role") {
		return f.Err.Message
	}
	return ""
}

// TopErr is the message of a refused change of the user page that is not shown
// next to a field or button (e.g. demoting the last operator).
func (f *userForm) TopErr() string {
	switch {
	case f.Form == "state" || f.Form == "delete", f.Form == "password" && f.Err.Field == "password":
		return ""
	case f.RoleErr("role") != "" || f.RoleErr("vendorId") != "":
		return ""
	}
	return f.Err.Message
}

func (c *userForms) userFormPage(w http.ResponseWriter, r *http.Request, status int, f *userForm) {
	f.Roles = orderhub.Roles
	if f.Vendors == nil {
		f.Vendors, _ = c.vendors(r)
	}
	if f.New {
		title := "New console user"
		if f.Password != "" {
			title = "Console user " + f.Username
		}
		c.render(w, r, status, "user", &view{Title: title, Nav: "users", Data: f})
		return
	}
	f.Self = session(r) != nil && f.User != nil && session(r).UserID == f.User.ID
	c.render(w, r, status, "user", &view{Title: "Console user " + f.User.Username, Nav: "users", Data: f})
}

func (c *userForms) handleNewUser(w http.ResponseWriter, r *http.Request) {
	if c.operatorOnly(w, r, "console users") {
		return
	}
	c.userFormPage(w, r, http.StatusOK, &userForm{New: true, Role: orderhub.RoleOperator})
}

func (c *userForms) handleCreateUser(w http.ResponseWriter, r *http.Request) {
	if c.operatorOnly(w, r, "console users") {
		return
	}
	f := &userForm{New: true, Username: strings.TrimSpace(r.PostForm.Get("username")), Role: r.PostForm.Get("role"), Vendor: r.PostForm.Get("vendor")}
	pw, generated := r.PostForm.Get("password"), false
	if pw == "" {
		pw, generated = generatePassword(), true
	}
	u, err := c.manage.Users().CreateConsoleUser(change(r, "console-user.create", f.Username, ""), manage.ConsoleUserInput{Username: f.Username, Password: pw, Role: f.Role, Vendor: f.Vendor})
	if err != nil {
		c.userRefused(w, r, f, err)
		return
	}
	if !generated {
		c.back(w, r, "/users/"+url.PathEscape(u.Username), "Console user "+u.Username+" created.")
		return
	}
	f.Username, f.Role, f.Vendor, f.Password = u.Username, u.Role, u.VendorID, pw
	c.userFormPage(w, r, http.StatusOK, f)
}

// userRefused renders the form again with the store's message, or the error page.
func (c *userForms) userRefused(w http.ResponseWriter, r *http.Request, f *userForm, err error) {
	fe, ok := refused(err)
	if !ok {
		c.failErr(w, r, err)
		return
	}
	f.Err = fe
	status := http.StatusBadRequest
	if orderhub.ErrorCode(err) == orderhub.EConflict {
		status = http.StatusConflict
	}
	c.userFormPage(w, r, status, f)
}

// managedUser reads the console user named by the path.
func (c *userForms) managedUser(w http.ResponseWriter, r *http.Request) (*orderhub.ConsoleUser, bool) {
	if c.operatorOnly(w, r, "console users") {
		return nil, false
	}
	name := r.PathValue("username")
	if name == "" || len(name) > 64 || !orderhub.IsLineText(name) {
		c.fail(w, r, http.StatusNotFound, "Not found", "No such console user.")
		return nil, false
	}
	u, err := c.store.Admin.GetConsoleUser(r.Context(), name)
	if err != nil {
		c.failErr(w, r, err)
		return nil, false
	}
	return u, true
}

func (c *userForms) handleUser(w http.ResponseWriter, r *http.Request) {
	u, ok := c.managedUser(w, r)
	if !ok {
		return
	}
	c.userFormPage(w, r, http.StatusOK, &userForm{User: u, Username: u.Username, Role: u.Role, Vendor: u.VendorID})
}

func (c *userForms) handleUserAction(w http.ResponseWriter, r *http.Request) {
	u, ok := c.managedUser(w, r)
	if !ok {
		return
	}
	f := &userForm{User: u, Username: u.Username, Role: u.Role, Vendor: u.VendorID}
	path := "/users/" + url.PathEscape(u.Username)
	var err error
	switch action := r.PathValue("action"); action {
	case "role":
		f.Form, f.Role, f.Vendor = "role", r.PostForm.Get("role"), r.PostForm.Get("vendor")
		_, err = c.manage.Users().SetConsoleUserRole(change(r, "console-user.set-role", u.Username, ""), manage.ConsoleUserInput{Username: u.Username, Role: f.Role, Vendor: f.Vendor})
		if err == nil {
			if session(r).UserID == u.ID && f.Role != orderhub.RoleOperator {
				path = "/" // no longer an operator: the Users page would refuse it
			}
			c.back(w, r, path, "Console user "+u.Username+" is now "+describeRole(f.Role, f.Vendor)+".")
			return
		}
	case "password":
		f.Form = "password"
		pw, generated := r.PostForm.Get("password"), false
		if pw == "" {
			pw, generated = generatePassword(), true
		}
		err = c.manage.Users().ResetConsoleUserPassword(change(r, "console-user.reset-password", u.Username, ""), u.Username, pw)
		if err == nil {
			if session(r).UserID == u.ID {
				// The operator's own password: its sessions, this one too, have ended.
				c.setCookie(w, r, sessionCookie, "", -1)
				http.Redirect(w, r, Prefix+"/login", http.StatusSeeOther)
				return
			}
			if generated {
				f.Password = pw
				r.AddCookie(&http.Cookie{Name: flashCookie, Value: url.QueryEscape("New password of " + u.Username + " set; their sessions have ended.")})
				c.userFormPage(w, r, http.StatusOK, f)
				return
			}
			c.back(w, r, path, "New password of "+u.Username+" set; their sessions have ended.")
			return
		}
	case "disable", "enable":
		f.Form = "state"
		err = c.manage.Users().SetConsoleUserDisabled(change(r, "console-user."+action, u.Username, ""), u.Username, action == "disable")
		if err == nil {
			msg := "Console user " + u.Username + " enabled."
			if action == "disable" {
				msg = "Console user " + u.Username + " disabled; their sessions have ended."
			}
			c.back(w, r, path, msg)
			return
		}
	case "delete":
		f.Form = "delete"
		err = c.manage.Users().DeleteConsoleUser(change(r, "console-user.delete", u.Username, ""), u.Username)
		if err == nil {
			c.back(w, r, "/users", "Console user "+u.Username+" deleted; their sessions have ended.")
			return
		}
	default:
		c.fail(w, r, http.StatusNotFound, "Not found", "There is no action "+action+" on console users.")
		return
	}
	c.userRefused(w, r, f, err)
}

// describeRole names a role for people: "an operator", "vendor-admin of acme".
func describeRole(role, vendor string) string {
	if role == orderhub.RoleOperator || role == "" {
		return "an operator"
	}
	return role + " of " + vendor
}

// generatePassword makes a password for a user created or reset without one
// (shown once): 144 random bits.
func generatePassword() string { return randomToken() }
