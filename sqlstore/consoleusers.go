package sqlstore

import (
	"context"
	"database/sql"

	"golang.org/x/crypto/bcrypt"

	"orderhub"
)

// Managing console users (issue 18): change a user's role, reset its password,
// delete it — beside CreateScopedConsoleUser, ListConsoleUsers and
// SetConsoleUserDisabled (admin.go). package manage calls these for the CLI and the
// console alike. None of them leaves the console without an active operator
// (keepAnOperator): that would leave nobody to manage users and vendors but the
// database's host.

// hashConsolePassword checks a console password (MinConsolePassword to 72 bytes:
// bcrypt reads no further) and returns its bcrypt hash.
func hashConsolePassword(password string) ([]byte, error) {
	if len(password) < orderhub.MinConsolePassword || len(password) > 72 {
		return nil, orderhub.FieldError(orderhub.EInvalidRequest, "password", "The password must be %d to 72 bytes long.", orderhub.MinConsolePassword)
	}
	return bcrypt.GenerateFromPassword([]byte(password), BcryptCost)
}

// requireRoleVendor checks that the vendor of a vendor role exists.
func (tx *Tx) requireRoleVendor(vendorID string) error {
	if vendorID == "" {
		return nil
	}
	if err := tx.requireVendor(vendorID); err != nil {
		if orderhub.ErrorCode(err) == orderhub.ENotFound {
			return orderhub.FieldError(orderhub.ENotFound, "vendorId", "Vendor %q not found.", vendorID)
		}
		return err
	}
	return nil
}

// keepAnOperator refuses a change (what: "disabling it", …) that takes the console
// user id out of the active operators when it is the last one.
func (tx *Tx) keepAnOperator(id, username, what string) error {
	var role string
	var disabled sql.NullInt64
	if err := tx.queryRow(`SELECT role, disabled_at FROM console_users WHERE id = $1`, id).Scan(&role, &disabled); err != nil {
		return err
	}
	if role != orderhub.RoleOperator || disabled.Valid {
		return nil
	}
	var others int
	if err := tx.queryRow(`SELECT COUNT(*) FROM console_users WHERE role = $1 AND disabled_at IS NULL AND id <> $2`, orderhub.RoleOperator, id).Scan(&others); err != nil {
		return err
	}
	if others == 0 {
		return orderhub.FieldError(orderhub.EConflict, "username", "Console user %q is the last active operator; %s would leave nobody to manage the console. Make another operator first.", username, what)
	}
	return nil
}

// consoleUserID returns the id of a console user by username.
func (tx *Tx) consoleUserID(username string) (string, error) {
	var id string
	if err := tx.queryRow(`SELECT id FROM console_users WHERE username = $1`, username).Scan(&id); err != nil {
		return "", notFound(err, orderhub.ENotFound, "Console user %q not found.", username)
	}
	return id, nil
}

// GetConsoleUser returns a console user by username (never its password hash).
func (sub Admin) GetConsoleUser(ctx context.Context, username string) (*orderhub.ConsoleUser, error) {
	return readOne(ctx, sub.db, scanConsoleUser, `SELECT `+consoleUserColumns+` FROM console_users WHERE username = $1`, []any{username},
		orderhub.ENotFound, "Console user %q not found.", username)
}

// consoleUserColumns are what scanConsoleUser reads (never the password hash).
const consoleUserColumns = `id, username, role, vendor_id, created_at, disabled_at`

func scanConsoleUser(sc interface{ Scan(...any) error }) (*orderhub.ConsoleUser, error) {
	u := &orderhub.ConsoleUser{}
	var created int64
	var disabled sql.NullInt64
	var vendor sql.NullString
	if err := sc.Scan(&u.ID, &u.Username, &u.Role, &vendor, &created, &disabled); err != nil {
		return nil, err
	}
	u.CreatedAt, u.DisabledAt, u.VendorID = fromMicros(created), fromNullMicros(disabled), vendor.String
	return u, nil
}

// SetConsoleUserRole gives a console user another role (vendorID: the vendor of a
// vendor role). It takes effect at the user's next request: sessions read the role
// from the user. The last active operator keeps its role.
func (sub Admin) SetConsoleUserRole(ctx context.Context, username, role, vendorID string) (*orderhub.ConsoleUser, error) {
	if err := ValidateRole(role, vendorID); err != nil {
		return nil, err
	}
	err := sub.db.Write(ctx, func(tx *Tx) error {
		id, err := tx.consoleUserID(username)
		if err != nil {
			return err
		}
		if err := tx.requireRoleVendor(vendorID); err != nil {
			return err
		}
		if role != orderhub.RoleOperator {
			if err := tx.keepAnOperator(id, username, "making it "+role); err != nil {
				return err
			}
		}
		_, err = tx.exec(`UPDATE console_users SET role = $2, vendor_id = $3 WHERE id = $1`, id, role, nullString(vendorID))
		return err
	})
	if err != nil {
		return nil, err
	}
	return sub.GetConsoleUser(ctx, username)
}

// SetConsoleUserPassword gives a console user a new password and ends its sessions.
func (sub Admin) SetConsoleUserPassword(ctx context.Context, username, password string) error {
	hash, err := hashConsolePassword(password)
	if err != nil {
		return err
	}
	return sub.db.Write(ctx, func(tx *Tx) error {
		id, err := tx.consoleUserID(username)
		if err != nil {
			return err
		}
		if _, err := tx.exec(`UPDATE console_users SET password_hash = $2 WHERE id = $1`, id, string(hash)); err != nil {
			return err
		}
		_, err = tx.exec(`DELETE FROM console_sessions WHERE user_id = $1`, id)
		return err
	})
}

// DeleteConsoleUser deletes a console user and its sessions (its audit entries
// stay, naming it). The last active operator is not deleted.
func (sub Admin) DeleteConsoleUser(ctx context.Context, username string) error {
	return sub.db.Write(ctx, func(tx *Tx) error {
		id, err := tx.consoleUserID(username)
		if err != nil {
			return err
		}
		if err := tx.keepAnOperator(id, username, "deleting it"); err != nil {
			return err
		}
		if _, err := tx.exec(`DELETE FROM console_sessions WHERE user_id = $1`, id); err != nil {
			return err
		}
		_, err = tx.exec(`DELETE FROM console_users WHERE id = $1`, id)
		return err
	})
}

// RecordAudit writes an audit entry for c alone: for what is worth recording but
// changes no row of its own (a failed console login). It is its own write request.
func (sub Admin) RecordAudit(ctx context.Context, c *orderhub.Change) error {
	return sub.db.Write(orderhub.WithChange(ctx, c), func(*Tx) error { return nil })
}
