package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/bcrypt"

	"orderhub"
)

// Zapier API storage (seed 003): users with bcrypt password hashes, integrations,
// login sessions (opaque tokens stored as SHA-256 hashes) and channels, which are
// delivery endpoints of kind zapier.

// ZapierTokenPrefix starts every Zapier session token.
const ZapierTokenPrefix = "ohz_"

// BcryptCost is the work factor of the password hashes of console and Zapier users
// (bcrypt's default, ~50 ms on a quiet core); tests lower it.
var BcryptCost = bcrypt.DefaultCost

// zapierDummyHash is compared against when a login names an unknown e-mail, so that the
// answer takes as long as for a known one.
// It is made on first use (a bcrypt hash takes tens of milliseconds), at the cost
// of the current BcryptCost.
var zapierDummyHash = sync.OnceValue(func() []byte {
	h, _ := bcrypt.GenerateFromPassword([]byte("orderhub dummy password"), BcryptCost)
	return h
})

// Password limits: bcrypt reads at most 72 bytes.
const (
	MinPasswordLength = 8
	MaxPasswordBytes  = 72
)

// ValidatePassword checks a new password's length.
func ValidatePassword(p string) error {
	if utf8.RuneCountInString(p) < MinPasswordLength {
		return orderhub.FieldError(orderhub.EInvalidRequest, "password", "The password must be at least %d characters long.", MinPasswordLength)
	}
	if len(p) > MaxPasswordBytes {
		return orderhub.FieldError(orderhub.EInvalidRequest, "password", "The password must be at most %d bytes long.", MaxPasswordBytes)
	}
	return nil
}

// CreateZapierUser creates a Zapier user of u.VendorID with a password (stored as a
// bcrypt hash). An e-mail already in use (by any vendor) is a conflict.
func (sub Catalog) CreateZapierUser(ctx context.Context, u *orderhub.ZapierUser, password string) error {
	email, ok := orderhub.NormalizeEmail(u.Email)
	if !ok {
		return orderhub.FieldError(orderhub.EInvalidEmail, "email", "%q is not a valid e-mail address.", u.Email)
	}
	u.Email = email
	u.Name = strings.TrimSpace(u.Name)
	if err := validZapierName(u.Name); err != nil {
		return err
	}
	if err := ValidatePassword(password); err != nil {
		return err
	}
	// The slow hash runs here, never in the writer goroutine.
	hash, err := bcrypt.GenerateFromPassword([]byte(password), BcryptCost)
	if err != nil {
		return err
	}
	if u.ID == "" {
		u.ID = orderhub.NewUUID()
	}
	return sub.db.Write(ctx, func(tx *Tx) error {
		if err := tx.requireVendorQuota(u.VendorID, orderhub.QuotaZapierUsers); err != nil {
			return err
		}
		u.CreatedAt = tx.now
		var id string
		err := tx.queryRow(`INSERT INTO zapier_users (id, vendor_id, email, name, password_hash, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (email) DO NOTHING RETURNING id`,
			u.ID, u.VendorID, u.Email, u.Name, string(hash), micros(tx.now)).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return orderhub.FieldError(orderhub.EConflict, "email", "A Zapier user with e-mail %q exists already.", u.Email)
		}
		return err
	})
}

const zapierUserColumns = `id, vendor_id, email, name, created_at, disabled_at`

func scanZapierUser(sc interface{ Scan(...any) error }) (*orderhub.ZapierUser, error) {
	u := &orderhub.ZapierUser{}
	var created int64
	var disabled sql.NullInt64
	if err := sc.Scan(&u.ID, &u.VendorID, &u.Email, &u.Name, &created, &disabled); err != nil {
		return nil, err
	}
	u.CreatedAt = fromMicros(created)
	if disabled.Valid {
		t := fromMicros(disabled.Int64)
		u.DisabledAt = &t
	}
	return u, nil
}

// ListZapierUsers returns a vendor's Zapier users (every vendor's when vendorID is
// empty), oldest first.
func (sub Catalog) ListZapierUsers(ctx context.Context, vendorID string) ([]*orderhub.ZapierUser, error) {
	return queryAll(ctx, sub.db, `SELECT `+zapierUserColumns+` FROM zapier_users WHERE ($1 = '' OR vendor_id = $1) ORDER BY created_at, id`, scanZapierUser, vendorID)
}

// GetZapierUser returns one Zapier user of a vendor.
func (sub Catalog) GetZapierUser(ctx context.Context, vendorID, id string) (*orderhub.ZapierUser, error) {
	return readOne(ctx, sub.db, scanZapierUser, `SELECT `+zapierUserColumns+` FROM zapier_users WHERE vendor_id = $1 AND id = $2`, []any{vendorID, id},
		orderhub.ENotFound, "Zapier user %q not found.", id)
}

// DeleteZapierUser deletes a Zapier user and ends their sessions at once. Their
// channels stay (they belong to the vendor's Zaps, which Zapier unsubscribes).
func (sub Catalog) DeleteZapierUser(ctx context.Context, vendorID, id string) error {
	return sub.db.Write(ctx, func(tx *Tx) error {
		if _, err := tx.exec(`DELETE FROM zapier_sessions WHERE user_id = $1 AND vendor_id = $2`, id, vendorID); err != nil {
			return err
		}
		return tx.changed(orderhub.Errorf(orderhub.ENotFound, "Zapier user %q not found.", id),
			`DELETE FROM zapier_users WHERE vendor_id = $1 AND id = $2`, vendorID, id)
	})
}

func validZapierName(name string) error {
	if len(name) > 200 || !utf8.ValidString(name) {
		return orderhub.FieldError(orderhub.EInvalidRequest, "name", "The name must be valid text of at most 200 bytes.")
	}
	return nil
}

// UpdateZapierUser changes a Zapier user's e-mail (their login) and name; nil keeps
// one. An e-mail another user (of any vendor) has is a conflict. The user's sessions
// stay: they belong to the user, not to the e-mail.
func (sub Catalog) UpdateZapierUser(ctx context.Context, vendorID, id string, email, name *string) (*orderhub.ZapierUser, error) {
	if email != nil {
		e, ok := orderhub.NormalizeEmail(*email)
		if !ok {
			return nil, orderhub.FieldError(orderhub.EInvalidEmail, "email", "%q is not a valid e-mail address.", *email)
		}
		email = &e
	}
	if name != nil {
		n := strings.TrimSpace(*name)
		if err := validZapierName(n); err != nil {
			return nil, err
		}
		name = &n
	}
	err := sub.db.Write(ctx, func(tx *Tx) error {
		cur, err := scanZapierUser(tx.queryRow(`SELECT `+zapierUserColumns+` FROM zapier_users WHERE vendor_id = $1 AND id = $2`, vendorID, id))
		if err != nil {
			return notFound(err, orderhub.ENotFound, "Zapier user %q not found.", id)
		}
		if email == nil {
			email = &cur.Email
		}
		if name == nil {
			name = &cur.Name
		}
		var n int
		if err := tx.queryRow(`SELECT COUNT(*) FROM zapier_users WHERE email = $1 AND id <> $2`, *email, id).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return orderhub.FieldError(orderhub.EConflict, "email", "A Zapier user with e-mail %q exists already.", *email)
		}
		_, err = tx.exec(`UPDATE zapier_users SET email = $3, name = $4, updated_at = $5 WHERE vendor_id = $1 AND id = $2`, vendorID, id, *email, *name, micros(tx.now))
		return err
	})
	if err != nil {
		return nil, err
	}
	return sub.GetZapierUser(ctx, vendorID, id)
}

// SetZapierUserPassword gives a Zapier user a new password (stored as a bcrypt hash)
// and ends their sessions at once.
func (sub Catalog) SetZapierUserPassword(ctx context.Context, vendorID, id, password string) (*orderhub.ZapierUser, error) {
	if err := ValidatePassword(password); err != nil {
		return nil, err
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(password), BcryptCost)
	if err != nil {
		return nil, err
	}
	err = sub.db.Write(ctx, func(tx *Tx) error {
		if err := tx.changed(orderhub.Errorf(orderhub.ENotFound, "Zapier user %q not found.", id),
			`UPDATE zapier_users SET password_hash = $3, updated_at = $4 WHERE vendor_id = $1 AND id = $2`, vendorID, id, string(hash), micros(tx.now)); err != nil {
			return err
		}
		_, err = tx.exec(`DELETE FROM zapier_sessions WHERE user_id = $1 AND vendor_id = $2`, id, vendorID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return sub.GetZapierUser(ctx, vendorID, id)
}

// SetZapierUserEnabled disables a Zapier user (they cannot log in; their sessions
// end at once) or enables them again (with the same password). Setting the state a
// user is in changes nothing.
func (sub Catalog) SetZapierUserEnabled(ctx context.Context, vendorID, id string, enabled bool) (*orderhub.ZapierUser, error) {
	err := sub.db.Write(ctx, func(tx *Tx) error {
		var disabled sql.NullInt64
		if err := tx.queryRow(`SELECT disabled_at FROM zapier_users WHERE vendor_id = $1 AND id = $2`, vendorID, id).Scan(&disabled); err != nil {
			return notFound(err, orderhub.ENotFound, "Zapier user %q not found.", id)
		}
		if enabled {
			if disabled.Valid {
				_, err := tx.exec(`UPDATE zapier_users SET disabled_at = NULL, updated_at = $3 WHERE vendor_id = $1 AND id = $2`, vendorID, id, micros(tx.now))
				return err
			}
			return nil
		}
		if !disabled.Valid {
			if _, err := tx.exec(`UPDATE zapier_users SET disabled_at = $3, updated_at = $3 WHERE vendor_id = $1 AND id = $2`, vendorID, id, micros(tx.now)); err != nil {
				return err
			}
		}
		_, err := tx.exec(`DELETE FROM zapier_sessions WHERE user_id = $1 AND vendor_id = $2`, id, vendorID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return sub.GetZapierUser(ctx, vendorID, id)
}

// ZapierLogin checks a user's e-mail and password and opens a session of ttl through
// the named integration, creating the vendor's integration uuid on first use. It
// returns the opaque session token (only its hash is stored).
func (sub Catalog) ZapierLogin(ctx context.Context, email, password, integration string, ttl time.Duration) (*orderhub.ZapierUser, string, *orderhub.ZapierSession, error) {
	e, ok := orderhub.NormalizeEmail(email)
	var u *orderhub.ZapierUser
	hash := string(zapierDummyHash())
	if ok {
		var created int64
		var h string
		u = &orderhub.ZapierUser{}
		var disabled sql.NullInt64
		err := sub.db.read.QueryRowContext(ctx, `SELECT id, vendor_id, email, name, created_at, password_hash, disabled_at FROM zapier_users WHERE email = $1`, e).
			Scan(&u.ID, &u.VendorID, &u.Email, &u.Name, &created, &h, &disabled)
		switch {
		case err == nil:
			u.CreatedAt, hash = fromMicros(created), h
			if disabled.Valid {
				t := fromMicros(disabled.Int64)
				u.DisabledAt = &t
			}
		case errors.Is(err, sql.ErrNoRows):
			u = nil
		default:
			return nil, "", nil, err
		}
	}
	if bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) != nil || u == nil {
		return nil, "", nil, orderhub.ErrZapierLogin
	}
	if u.DisabledAt != nil { // told only to whoever knows the password
		return nil, "", nil, orderhub.ErrZapierDisabled
	}
	var b [32]byte
	_, _ = rand.Read(b[:])
	token := ZapierTokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	s := &orderhub.ZapierSession{UserID: u.ID, VendorID: u.VendorID}
	err := sub.db.Write(ctx, func(tx *Tx) error {
		// Disabled or deleted since the read above: no session.
		var disabled sql.NullInt64
		switch err := tx.queryRow(`SELECT disabled_at FROM zapier_users WHERE id = $1`, u.ID).Scan(&disabled); {
		case errors.Is(err, sql.ErrNoRows):
			return orderhub.ErrZapierLogin
		case err != nil:
			return err
		case disabled.Valid:
			return orderhub.ErrZapierDisabled
		}
		uuid, err := tx.zapierIntegration(u.VendorID, integration)
		if err != nil {
			return err
		}
		s.IntegrationUUID = uuid
		s.ExpiresAt = tx.now.Add(ttl).Truncate(time.Second)
		// A user's expired sessions are purged as they log in again.
		if _, err := tx.exec(`DELETE FROM zapier_sessions WHERE user_id = $1 AND expires_at <= $2`, u.ID, micros(tx.now)); err != nil {
			return err
		}
		_, err = tx.exec(`INSERT INTO zapier_sessions (token_hash, user_id, vendor_id, integration_uuid, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)`,
			orderhub.HashSecret(token), u.ID, u.VendorID, uuid, micros(tx.now), micros(s.ExpiresAt))
		return err
	})
	if err != nil {
		return nil, "", nil, err
	}
	return u, token, s, nil
}

// zapierIntegration returns the uuid of a vendor's integration, creating it.
func (tx *Tx) zapierIntegration(vendorID, name string) (string, error) {
	var uuid string
	err := tx.queryRow(`SELECT uuid FROM zapier_integrations WHERE vendor_id = $1 AND name = $2`, vendorID, name).Scan(&uuid)
	if err == nil {
		return uuid, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return "", err
	}
	uuid = orderhub.NewUUID()
	err = tx.queryRow(`INSERT INTO zapier_integrations (uuid, vendor_id, name, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (vendor_id, name) DO NOTHING RETURNING uuid`, uuid, vendorID, name, micros(tx.now)).Scan(&uuid)
	if errors.Is(err, sql.ErrNoRows) {
		return "", errRetry // created concurrently by another process: run again and find it
	}
	return uuid, err
}

// ZapierSessionByToken returns the live session of a token with its user; an
// unknown, expired or revoked token (or a deleted user) is EUnauthorized.
func (sub Catalog) ZapierSessionByToken(ctx context.Context, token string) (*orderhub.ZapierSession, *orderhub.ZapierUser, error) {
	bad := orderhub.Errorf(orderhub.EUnauthorized, "Invalid or expired token: log in again.")
	if !strings.HasPrefix(token, ZapierTokenPrefix) || len(token) > 200 {
		return nil, nil, bad
	}
	s := &orderhub.ZapierSession{}
	u := &orderhub.ZapierUser{}
	var expires, created int64
	var revoked sql.NullInt64
	err := sub.db.read.QueryRowContext(ctx, `SELECT s.user_id, s.vendor_id, s.integration_uuid, s.expires_at, s.revoked_at, u.email, u.name, u.created_at
		FROM zapier_sessions s JOIN zapier_users u ON u.id = s.user_id WHERE s.token_hash = $1 AND u.disabled_at IS NULL`, orderhub.HashSecret(token)).
		Scan(&s.UserID, &s.VendorID, &s.IntegrationUUID, &expires, &revoked, &u.Email, &u.Name, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil, bad
	}
	if err != nil {
		return nil, nil, err
	}
	s.ExpiresAt = fromMicros(expires)
	if revoked.Valid || !sub.db.Now().Before(s.ExpiresAt) {
		return nil, nil, bad
	}
	u.ID, u.VendorID, u.CreatedAt = s.UserID, s.VendorID, fromMicros(created)
	return s, u, nil
}

// RevokeZapierSession ends the session of a token (logout).
func (sub Catalog) RevokeZapierSession(ctx context.Context, token string) error {
	return sub.db.Write(ctx, func(tx *Tx) error {
		_, err := tx.exec(`UPDATE zapier_sessions SET revoked_at = $2 WHERE token_hash = $1 AND revoked_at IS NULL`, orderhub.HashSecret(token), micros(tx.now))
		return err
	})
}

// CreateZapierChannel subscribes a Zapier hook: in one transaction, a delivery
// endpoint of kind zapier (its id is the channel id) for ch.EventTypes and the
// channel's alias and event. The integration must be one of ch.VendorID's.
func (sub Catalog) CreateZapierChannel(ctx context.Context, ch *orderhub.ZapierChannel) error {
	if err := orderhub.ValidateEndpointURL(ch.URL); err != nil {
		return err
	}
	types, err := normalizeEventTypes(ch.EventTypes)
	if err != nil {
		return err
	}
	if len(types) == 0 {
		return orderhub.FieldError(orderhub.EInvalidRequest, "event", "A channel needs an event.")
	}
	ch.EventTypes = types
	if ch.ID == "" {
		ch.ID = orderhub.NewUUID()
	}
	desc := "Zapier: " + ch.Alias
	if len(desc) > 1000 {
		desc = desc[:1000]
	}
	return sub.db.Write(ctx, func(tx *Tx) error {
		var n int
		if err := tx.queryRow(`SELECT COUNT(*) FROM zapier_integrations WHERE uuid = $1 AND vendor_id = $2`, ch.IntegrationUUID, ch.VendorID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return orderhub.Errorf(orderhub.ENotFound, "Integration %q not found.", ch.IntegrationUUID)
		}
		if err := tx.checkQuota(ch.VendorID, orderhub.QuotaZapierChannelsPerUser, ch.UserID); err != nil {
			return err
		}
		if err := tx.checkQuota(ch.VendorID, orderhub.QuotaEndpoints, ""); err != nil {
			return err
		}
		ch.CreatedAt = tx.now
		secret, err := tx.newSecret(ch.ID)
		if err != nil {
			return err
		}
		from, err := tx.currentSeq(ch.VendorID)
		if err != nil {
			return err
		}
		tx.endpointsChanged()
		if _, err := tx.exec(`INSERT INTO endpoints (id, vendor_id, kind, url, description, event_types, secret, enabled, created_at, updated_at, from_seq)
			VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $8, $9)`,
			ch.ID, ch.VendorID, orderhub.EndpointZapier, ch.URL, desc, strings.Join(ch.EventTypes, " "), secret, micros(tx.now), from); err != nil {
			return err
		}
		_, err = tx.exec(`INSERT INTO zapier_channels (id, vendor_id, integration_uuid, user_id, alias, event, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			ch.ID, ch.VendorID, ch.IntegrationUUID, ch.UserID, ch.Alias, ch.Event, micros(tx.now))
		return err
	})
}

const zapierChannelColumns = `c.id, c.vendor_id, c.integration_uuid, c.user_id, c.alias, c.event, c.created_at, e.url, e.event_types`

func scanZapierChannel(sc interface{ Scan(...any) error }) (*orderhub.ZapierChannel, error) {
	ch := &orderhub.ZapierChannel{}
	var created int64
	var types string
	if err := sc.Scan(&ch.ID, &ch.VendorID, &ch.IntegrationUUID, &ch.UserID, &ch.Alias, &ch.Event, &created, &ch.URL, &types); err != nil {
		return nil, err
	}
	ch.CreatedAt, ch.EventTypes = fromMicros(created), strings.Fields(types)
	return ch, nil
}

// GetZapierChannel returns a live channel of a vendor (a deleted one — unsubscribed,
// or removed after a 410 Gone — is not found).
func (sub Catalog) GetZapierChannel(ctx context.Context, vendorID, id string) (*orderhub.ZapierChannel, error) {
	return readOne(ctx, sub.db, scanZapierChannel, `SELECT `+zapierChannelColumns+` FROM zapier_channels c JOIN endpoints e ON e.id = c.id
		WHERE c.vendor_id = $1 AND c.id = $2 AND e.deleted_at IS NULL`, []any{vendorID, id},
		orderhub.ENotFound, "Channel %q not found.", id)
}

// ListZapierChannels returns a vendor's live channels, oldest first.
func (sub Catalog) ListZapierChannels(ctx context.Context, vendorID string) ([]*orderhub.ZapierChannel, error) {
	return queryAll(ctx, sub.db, `SELECT `+zapierChannelColumns+` FROM zapier_channels c JOIN endpoints e ON e.id = c.id
		WHERE c.vendor_id = $1 AND e.deleted_at IS NULL ORDER BY c.created_at, c.id`, scanZapierChannel, vendorID)
}

// DeleteZapierChannel unsubscribes a channel of a vendor: its endpoint is deleted
// and pending deliveries canceled. Deleting a channel that is gone already (Zapier
// unsubscribes after a 410 too) succeeds; an unknown channel, or another vendor's,
// is ENotFound.
func (sub Catalog) DeleteZapierChannel(ctx context.Context, vendorID, id string) error {
	return sub.db.Write(ctx, func(tx *Tx) error {
		var deleted sql.NullInt64
		err := tx.queryRow(`SELECT e.deleted_at FROM zapier_channels c JOIN endpoints e ON e.id = c.id WHERE c.vendor_id = $1 AND c.id = $2`, vendorID, id).Scan(&deleted)
		if err != nil {
			return notFound(err, orderhub.ENotFound, "Channel %q not found.", id)
		}
		if deleted.Valid {
			return nil
		}
		return tx.deleteEndpoint(id, "unsubscribed by Zapier")
	})
}

// CustomerStats returns the figures of a customer that Zapier's customer items
// carry: the lifetime value (the sum of the customer's approved transactions) and
// the activation count (the customer's subscriptions, i.e. contracts as user).
func (sub Catalog) CustomerStats(ctx context.Context, vendorID, customerID string) (lifetime orderhub.Money, activations int, err error) {
	var sum int64
	err = sub.db.read.QueryRowContext(ctx, `SELECT COALESCE(SUM(amount), 0) FROM transactions WHERE vendor_id = $1 AND customer_id = $2 AND status = 'approved'`,
		vendorID, customerID).Scan(&sum)
	if err != nil {
		return 0, 0, err
	}
	err = sub.db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM contracts WHERE vendor_id = $1 AND user_id = $2`, vendorID, customerID).Scan(&activations)
	return orderhub.Money(sum), activations, err
}

// GetTransaction returns one transaction of a vendor.
func (sub Catalog) GetTransaction(ctx context.Context, vendorID, id string) (*orderhub.Transaction, error) {
	return readOne(ctx, sub.db, scanTransaction, `SELECT `+transactionColumns+` FROM transactions WHERE vendor_id = $1 AND id = $2`, []any{vendorID, id},
		orderhub.ENotFound, "Transaction %q not found.", id)
}
