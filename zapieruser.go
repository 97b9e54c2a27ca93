package orderhub

import "time"

// ZapierUser is a person of a vendor who connects the orderhub Zapier app (seed
// 003): they log in with e-mail and password. E-mails are unique across vendors,
// since the login names no vendor.
type ZapierUser struct {
	ID        string    `json:"id"`
	VendorID  string    `json:"vendorId"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"createdAt"`
	// DisabledAt is when an operator disabled the user (nil: enabled); a disabled
	// user cannot log in.
	DisabledAt *time.Time `json:"disabledAt,omitempty"`
}

// ZapierSession is a login of a ZapierUser through one integration (e.g. "zapier").
type ZapierSession struct {
	UserID          string
	VendorID        string
	IntegrationUUID string
	ExpiresAt       time.Time
}

// ZapierChannel is a REST-hook subscription (seed 003's "Integration Channel"): a
// delivery endpoint of kind zapier, with the alias and event it was created with.
type ZapierChannel struct {
	ID              string    `json:"id"`
	VendorID        string    `json:"vendorId"`
	IntegrationUUID string    `json:"integrationUuid"`
	UserID          string    `json:"userId"`
	Alias           string    `json:"alias"`
	Event           string    `json:"event"`
	URL             string    `json:"url"`
	EventTypes      []string  `json:"eventTypes"`
	CreatedAt       time.Time `json:"createdAt"`
}
