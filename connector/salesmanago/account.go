package salesmanago

import (
	"context"

	"orderhub"
)

// AccountStore stores accounts (orderhub.Store's sub-stores).
type AccountStore interface {
	CreateSalesmanagoAccount(ctx context.Context, in *orderhub.SalesmanagoAccountInput, sealedSecret, sealedAPIKey string) (*orderhub.SalesmanagoAccountRecord, error)
}

// CreateAccount validates an account of vendorID, seals its secrets (bound to its
// id, generated when empty) and stores it with its delivery endpoint. The admin API
// and the CLI share it.
func CreateAccount(ctx context.Context, st AccountStore, sealer *Sealer, vendorID string, in *orderhub.SalesmanagoAccountInput) (*orderhub.SalesmanagoAccountRecord, error) {
	in.VendorID = vendorID
	if err := orderhub.ValidateSalesmanagoAccount(in); err != nil {
		return nil, err
	}
	if in.ID == "" {
		in.ID = orderhub.NewID("sm")
	}
	secret, err := sealer.Seal(in.APISecret, in.ID)
	if err != nil {
		return nil, err
	}
	key, err := sealer.Seal(in.APIKey, in.ID)
	if err != nil {
		return nil, err
	}
	return st.CreateSalesmanagoAccount(ctx, in, secret, key)
}

// UpdateStore updates accounts (orderhub.Store's sub-stores).
type UpdateStore interface {
	GetSalesmanagoAccount(ctx context.Context, vendorID, id string) (*orderhub.SalesmanagoAccountRecord, error)
	UpdateSalesmanagoAccount(ctx context.Context, vendorID, id string, in *orderhub.SalesmanagoAccountInput, sealedSecret, sealedAPIKey *string) (*orderhub.SalesmanagoAccountRecord, error)
}

// UpdateAccount applies a patch to an account: the result is validated as a whole,
// new secrets are sealed. An empty apiKey removes the v3 key.
func UpdateAccount(ctx context.Context, st UpdateStore, sealer *Sealer, vendorID, id string, p *orderhub.SalesmanagoAccountPatch) (*orderhub.SalesmanagoAccountRecord, error) {
	rec, err := st.GetSalesmanagoAccount(ctx, vendorID, id)
	if err != nil {
		return nil, err
	}
	a := rec.SalesmanagoAccount
	in := &orderhub.SalesmanagoAccountInput{ID: a.ID, GroupKey: a.GroupKey, Name: a.Name, BaseURL: a.BaseURL, V3BaseURL: a.V3BaseURL,
		ClientID: a.ClientID, APISecret: "kept", Owner: a.Owner, CatalogID: a.CatalogID, Mapping: a.Mapping}
	if a.HasAPIKey {
		in.APIKey = "kept"
	}
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&in.Name, p.Name)
	set(&in.BaseURL, p.BaseURL)
	set(&in.V3BaseURL, p.V3BaseURL)
	set(&in.ClientID, p.ClientID)
	set(&in.APISecret, p.APISecret)
	set(&in.Owner, p.Owner)
	set(&in.APIKey, p.APIKey)
	set(&in.CatalogID, p.CatalogID)
	if err := orderhub.ValidateSalesmanagoAccount(in); err != nil {
		return nil, err
	}
	var secret, key *string
	if p.APISecret != nil {
		s, err := sealer.Seal(in.APISecret, id)
		if err != nil {
			return nil, err
		}
		secret = &s
	}
	if p.APIKey != nil {
		k, err := sealer.Seal(in.APIKey, id)
		if err != nil {
			return nil, err
		}
		key = &k
	}
	return st.UpdateSalesmanagoAccount(ctx, vendorID, id, in, secret, key)
}
