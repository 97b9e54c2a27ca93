package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"orderhub"
)

// RotateClientSecret gives an OAuth client a new secret and returns it (shown once;
// only its hash is stored). The old secret stops working at once; access tokens
// already issued stay valid until they expire (revoke the client to stop them). A
// revoked client is not rotated.
func (sub Tenants) RotateClientSecret(ctx context.Context, id string) (string, error) {
	secret := orderhub.NewSecret("ohs_")
	err := sub.db.Write(ctx, func(tx *Tx) error {
		var revoked *int64
		if err := tx.queryRow(`SELECT revoked_at FROM oauth_clients WHERE id = $1`, id).Scan(&revoked); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return orderhub.Errorf(orderhub.ENotFound, "Client %q not found.", id)
			}
			return err
		}
		if revoked != nil {
			return orderhub.Errorf(orderhub.EConflict, "Client %q is revoked; create a new client instead.", id)
		}
		_, err := tx.exec(`UPDATE oauth_clients SET secret_hash = $2 WHERE id = $1`, id, orderhub.HashSecret(secret))
		return err
	})
	if err != nil {
		return "", err
	}
	return secret, nil
}
