package manage

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"strings"
	"time"

	"orderhub"
	"orderhub/connector/salesmanago"
)

// Connector accounts (SALESmanago, Yespo) and Zapier users: the rules the admin API
// and the console's forms share.

// YespoAccounts saves Yespo accounts, sealing their API keys (connector/yespo's
// Connector; nil in Service: the Yespo connector is not configured).
type YespoAccounts interface {
	SaveAccount(ctx context.Context, vendorID, baseURL, apiKey string) (*orderhub.YespoAccount, error)
	// TestAccount calls Yespo's account/info with the vendor's stored key.
	TestAccount(ctx context.Context, vendorID string) (json.RawMessage, error)
}

// CheckConnectorURL applies the outbound guard's registration rules to a connector's
// base URL (https only unless private targets are allowed); empty: not given.
func (s *Connectors) CheckConnectorURL(ctx context.Context, field, v string) error {
	if v == "" {
		return nil
	}
	return s.Guard.CheckURL(ctx, field, v, true)
}

func (s *Connectors) checkSMTargets(ctx context.Context, base, v3 *string) error {
	for _, f := range []struct {
		name string
		v    *string
	}{{"baseUrl", base}, {"v3BaseUrl", v3}} {
		if f.v != nil {
			if err := s.CheckConnectorURL(ctx, f.name, *f.v); err != nil {
				return err
			}
		}
	}
	return nil
}

// CreateSalesmanagoAccount checks an account's base URLs with the outbound guard,
// validates it, seals its secrets and stores it with its delivery endpoint (in.ID
// generated when empty).
func (s *Connectors) CreateSalesmanagoAccount(ctx context.Context, vendorID string, in *orderhub.SalesmanagoAccountInput) (*orderhub.SalesmanagoAccountRecord, error) {
	if err := s.checkSMTargets(ctx, &in.BaseURL, &in.V3BaseURL); err != nil {
		return nil, err
	}
	return salesmanago.CreateAccount(ctx, s.Store.Connectors, s.SMSealer, vendorID, in)
}

// UpdateSalesmanagoAccount changes the fields of an account that p sets (new secrets
// are sealed; an empty apiKey removes the v3 key); the id and endpoint stay.
func (s *Connectors) UpdateSalesmanagoAccount(ctx context.Context, vendorID, id string, p *orderhub.SalesmanagoAccountPatch) (*orderhub.SalesmanagoAccountRecord, error) {
	if err := s.checkSMTargets(ctx, p.BaseURL, p.V3BaseURL); err != nil {
		return nil, err
	}
	return salesmanago.UpdateAccount(ctx, s.Store.Connectors, s.SMSealer, vendorID, id, p)
}

// SetSalesmanagoMapping replaces an account's field mapping.
func (s *Connectors) SetSalesmanagoMapping(ctx context.Context, vendorID, id string, m *orderhub.SalesmanagoMapping) (*orderhub.SalesmanagoAccountRecord, error) {
	if err := orderhub.ValidateSalesmanagoMapping(m); err != nil {
		return nil, err
	}
	return s.Store.Connectors.UpdateSalesmanagoMapping(ctx, vendorID, id, m)
}

// TestSalesmanagoAccount checks an account's stored credentials against SALESmanago
// (a v2 call that changes nothing; with a v3 key, the catalog list). The result says
// what failed; an error is for an account that cannot be read or opened.
func (s *Connectors) TestSalesmanagoAccount(ctx context.Context, vendorID, id string) (*orderhub.SalesmanagoAccountRecord, salesmanago.TestResult, error) {
	rec, err := s.Store.Connectors.GetSalesmanagoAccount(ctx, vendorID, id)
	if err != nil {
		return nil, salesmanago.TestResult{}, err
	}
	cl, err := salesmanago.ClientFor(rec, s.SMSealer, s.SMHTTP)
	if err != nil {
		return nil, salesmanago.TestResult{}, orderhub.Errorf(orderhub.EUnprocessable, "%v", err)
	}
	cl.Timeout = s.SMTestTimeout
	if cl.Timeout <= 0 {
		cl.Timeout = 10 * time.Second
	}
	return rec, cl.Test(ctx, rec.CatalogID), nil
}

// DeleteSalesmanagoAccount deletes an account and its endpoint.
func (s *Connectors) DeleteSalesmanagoAccount(ctx context.Context, vendorID, id string) error {
	return s.Store.Connectors.DeleteSalesmanagoAccount(ctx, vendorID, id)
}

// YespoConfigured fails when the server has no Yespo connector.
func (s *Connectors) YespoConfigured() error {
	if s.Yespo == nil {
		return orderhub.Errorf(orderhub.EUnavailable, "The Yespo connector is not configured in this server.")
	}
	return nil
}

// SaveYespoAccount creates or updates a vendor's Yespo account: baseUrl is
// required and checked by the outbound guard; apiKey (nil: keep the stored one,
// required for a new account) is 1 to 1024 characters and sealed.
func (s *Connectors) SaveYespoAccount(ctx context.Context, vendorID string, baseURL, apiKey *string) (*orderhub.YespoAccount, error) {
	if err := s.YespoConfigured(); err != nil {
		return nil, err
	}
	if baseURL == nil || strings.TrimSpace(*baseURL) == "" {
		return nil, orderhub.FieldError(orderhub.EInvalidRequest, "baseUrl", "baseUrl is required, e.g. https://yespo.io.")
	}
	if err := s.CheckConnectorURL(ctx, "baseUrl", *baseURL); err != nil {
		return nil, err
	}
	key := ""
	if apiKey != nil {
		key = strings.TrimSpace(*apiKey)
		if key == "" || len(key) > 1024 {
			return nil, orderhub.FieldError(orderhub.EInvalidRequest, "apiKey", "apiKey must be 1 to 1024 characters.")
		}
	}
	return s.Yespo.SaveAccount(ctx, vendorID, *baseURL, key)
}

// TestYespoAccount calls Yespo's account/info with a vendor's stored key: info is
// Yespo's answer, failed why Yespo (or the way there) refused; err is for a request
// that cannot be tested (no connector, no account).
func (s *Connectors) TestYespoAccount(ctx context.Context, vendorID string) (info json.RawMessage, failed, err error) {
	if err := s.YespoConfigured(); err != nil {
		return nil, nil, err
	}
	if _, err := s.Store.Connectors.GetYespoAccount(ctx, vendorID); err != nil {
		return nil, nil, err
	}
	info, failed = s.Yespo.TestAccount(ctx, vendorID)
	return info, failed, nil
}

// DeleteYespoAccount deletes a vendor's Yespo account and its endpoint.
func (s *Connectors) DeleteYespoAccount(ctx context.Context, vendorID string) error {
	return s.Store.Connectors.DeleteYespoAccount(ctx, vendorID)
}

// GeneratePassword returns a random password of 24 characters (144 bits).
func GeneratePassword() string {
	var b [18]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// CreateZapierUser creates a Zapier user of u.VendorID (its id generated here, so
// the audit entry names it). An empty password is generated and returned, to be
// shown once; a given one is not returned.
func (s *Connectors) CreateZapierUser(ctx context.Context, u *orderhub.ZapierUser, password string) (generated string, err error) {
	if password == "" {
		password = GeneratePassword()
		generated = password
	}
	if u.ID == "" {
		u.ID = orderhub.NewUUID()
	}
	if err := s.Store.Catalog.CreateZapierUser(ctx, u, password); err != nil {
		return "", err
	}
	return generated, nil
}

// UpdateZapierUser changes a Zapier user's e-mail and name (nil: kept).
func (s *Connectors) UpdateZapierUser(ctx context.Context, vendorID, id string, email, name *string) (*orderhub.ZapierUser, error) {
	return s.Store.Catalog.UpdateZapierUser(ctx, vendorID, id, email, name)
}

// ResetZapierPassword gives a Zapier user a new password (empty: generated and
// returned, to be shown once) and ends their sessions at once.
func (s *Connectors) ResetZapierPassword(ctx context.Context, vendorID, id, password string) (*orderhub.ZapierUser, string, error) {
	generated := ""
	if password == "" {
		password = GeneratePassword()
		generated = password
	}
	u, err := s.Store.Catalog.SetZapierUserPassword(ctx, vendorID, id, password)
	if err != nil {
		return nil, "", err
	}
	return u, generated, nil
}

// SetZapierUserEnabled disables a Zapier user (no login; their sessions end) or
// enables them again with the same password.
func (s *Connectors) SetZapierUserEnabled(ctx context.Context, vendorID, id string, enabled bool) (*orderhub.ZapierUser, error) {
	return s.Store.Catalog.SetZapierUserEnabled(ctx, vendorID, id, enabled)
}

// DeleteZapierUser deletes a Zapier user and ends their sessions.
func (s *Connectors) DeleteZapierUser(ctx context.Context, vendorID, id string) error {
	return s.Store.Catalog.DeleteZapierUser(ctx, vendorID, id)
}
