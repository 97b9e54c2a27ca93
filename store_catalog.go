package orderhub

// Catalog and Zapier values of the store's domain (moved from package sqlstore, issue 17).

// SourceSecretPrefix starts every source secret, so that the purchase hook can tell
// a source secret from an OAuth access token.
const SourceSecretPrefix = "ohk_"

// ErrZapierDisabled answers the right password of a disabled user.
var ErrZapierDisabled = Errorf(EUnauthorized, "This Zapier user is disabled; an operator can enable it again.")

// ErrZapierLogin is the answer to a wrong e-mail or password (which one is not told).
var ErrZapierLogin = Errorf(EUnauthorized, "The e-mail or password is wrong.")
