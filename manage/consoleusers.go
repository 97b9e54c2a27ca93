package manage

import (
	"context"
	"orderhub"
	"strings"
)

// Console users (issue 18): the CLI (`orderhub admin console-user …`) and the
// console's Users page (operators only) make these changes through the functions
// below, so both accept the same usernames, roles and passwords and refuse the same
// input with the same message. There is no admin API route for console users (a
// decision: docs/console.md#console-users). The store keeps at least one active
// operator (orderhub.keepAnOperator).

// ConsoleUserInput is a console user to create, or a role to give one. An empty
// role is operator; Vendor is the vendor of a vendor role.
type ConsoleUserInput struct {
	Username string
	Password string
	Role     string
	Vendor   string
}

func (in *ConsoleUserInput) normalize() {
	in.Username, in.Vendor = strings.TrimSpace(in.Username), strings.TrimSpace(in.Vendor)
	if in.Role = strings.TrimSpace(in.Role); in.Role == "" {
		in.Role = orderhub.RoleOperator
	}
}

// CreateConsoleUser creates a console user with the given password (the caller
// generates one when the user gave none, and shows it once).
func (s *Users) CreateConsoleUser(ctx context.Context, in ConsoleUserInput) (*orderhub.ConsoleUser, error) {
	in.normalize()
	return s.Store.Admin.CreateScopedConsoleUser(ctx, in.Username, in.Password, in.Role, in.Vendor)
}

// SetConsoleUserRole gives a console user another role (and vendor).
func (s *Users) SetConsoleUserRole(ctx context.Context, in ConsoleUserInput) (*orderhub.ConsoleUser, error) {
	in.normalize()
	return s.Store.Admin.SetConsoleUserRole(ctx, in.Username, in.Role, in.Vendor)
}

// ResetConsoleUserPassword gives a console user a new password and ends its
// sessions.
func (s *Users) ResetConsoleUserPassword(ctx context.Context, username, password string) error {
	return s.Store.Admin.SetConsoleUserPassword(ctx, strings.TrimSpace(username), password)
}

// SetConsoleUserDisabled disables a console user (ending its sessions) or enables it.
func (s *Users) SetConsoleUserDisabled(ctx context.Context, username string, disabled bool) error {
	return s.Store.Admin.SetConsoleUserDisabled(ctx, strings.TrimSpace(username), disabled)
}

// DeleteConsoleUser deletes a console user and ends its sessions.
func (s *Users) DeleteConsoleUser(ctx context.Context, username string) error {
	return s.Store.Admin.DeleteConsoleUser(ctx, strings.TrimSpace(username))
}
