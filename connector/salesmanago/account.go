package salesmanago

import (
	"context"

	"orderhub"
	"orderhub/sqlstore"
)

// AccountStore stores accounts (implemented by *sqlstore.DB).
type AccountStore interface {
	CreateSalesmanagoAccount(ctx context.Context, in *orderhub.SalesmanagoAccountInput, sealedSecret, sealedAPIKey string) (*sqlstore.SalesmanagoAccountRecord, error)
}

// CreateAccount validates an account of vendorID, seals its secrets (bound to its
// id, generated when empty) and stores it with its delivery endpoint. The admin API
// and the CLI share it.
func CreateAccount(ctx context.Context, st AccountStore, sealer *Sealer, vendorID string, in *orderhub.SalesmanagoAccountInput) (*sqlstore.SalesmanagoAccountRecord, error) {
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
