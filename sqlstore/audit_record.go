package sqlstore

import "orderhub"

import "context"

// RecordChange writes the audit entry of the change ctx carries for an action that
// changes nothing stored (a portal link made: only the link itself is its record).
// The entry's after value is the change's Request (secrets masked).
func (sub Admin) RecordChange(ctx context.Context) error {
	if orderhub.ChangeFrom(ctx) == nil {
		return nil
	}
	return sub.db.Write(ctx, func(*Tx) error { return nil })
}
