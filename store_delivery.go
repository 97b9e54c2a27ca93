package orderhub

// Outbound delivery's own types: endpoints, deliveries, attempts, the claim and
// completion of a batch, alerts (moved from package sqlstore, issue 17).

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"time"
)

// Alert kinds (the operational webhook's type, as Svix names its own).
const (
	AlertFailing   = "endpoint.failing"
	AlertDisabled  = "endpoint.disabled"
	AlertRecovered = "endpoint.recovered"
)

// Alert is one change of an endpoint's health worth telling an operator about.
type Alert struct {
	Kind         string     `json:"-"`
	VendorID     string     `json:"vendorId"`
	EndpointID   string     `json:"endpointId"`
	URL          string     `json:"url"`
	FailingSince *time.Time `json:"failingSince,omitempty"`
	// DeadLetters is true when the failing alert was caused by a delivery going dead.
	DeadLetters bool      `json:"deadLetters,omitempty"`
	Reason      string    `json:"reason"`
	At          time.Time `json:"at"`
}

// Endpoint kinds.
const (
	EndpointWebhook = "webhook" // a plain Standard Webhooks receiver
	EndpointZapier  = "zapier"  // a Zapier REST-hook subscription
)

// Delivery statuses. Pending and failed are active: they will be attempted.
const (
	DeliveryPending   = "pending"   // not attempted yet
	DeliveryFailed    = "failed"    // the last attempt failed; another one is scheduled
	DeliveryDelivered = "delivered" // a 2xx answer was received
	DeliveryDead      = "dead"      // retries exhausted or the endpoint was disabled; replayable
	DeliveryCanceled  = "canceled"  // the endpoint was deleted (by an operator or a 410 Gone)
)

// EventEndpointDisabled is appended when an endpoint is disabled automatically after
// failing without a success for too long.
const EventEndpointDisabled = "endpoint-disabled"

// DefaultSecretOverlap is how long a rotated-out secret keeps signing.
const DefaultSecretOverlap = 24 * time.Hour

const secretPrefix = "whsec_"

// Endpoint is a delivery target of a vendor.
type Endpoint struct {
	ID          string   `json:"id"`
	VendorID    string   `json:"vendorId"`
	Kind        string   `json:"kind"`
	URL         string   `json:"url"`
	Description string   `json:"description"`
	EventTypes  []string `json:"eventTypes"` // empty: every event type
	Enabled     bool     `json:"enabled"`
	// DisabledReason says why a disabled (or deleted) endpoint stopped receiving.
	DisabledReason string `json:"disabledReason,omitempty"`
	// PreviousSecretExpiresAt is set during a rotation's overlap, while the old secret
	// still signs beside the new one.
	PreviousSecretExpiresAt *time.Time `json:"previousSecretExpiresAt,omitempty"`
	FailingSince            *time.Time `json:"failingSince,omitempty"`
	LastSuccessAt           *time.Time `json:"lastSuccessAt,omitempty"`
	CreatedAt               time.Time  `json:"createdAt"`
	UpdatedAt               time.Time  `json:"updatedAt"`
	DeletedAt               *time.Time `json:"deletedAt,omitempty"`
	// Health is healthy, failing (no success since FailingSince), disabled or deleted.
	Health string `json:"health"`
	// AlertedAt is when an endpoint.failing (or endpoint.disabled) alert went out for
	// it, while that alert stands (until endpoint.recovered); see alerts.go.
	AlertedAt *time.Time `json:"alertedAt,omitempty"`
	// Secret is the signing secret (whsec_…). It is filled in only by CreateEndpoint
	// and RotateEndpointSecret: it is shown once.
	Secret string `json:"secret,omitempty"`
}

// Delivery is one event to one endpoint.
type Delivery struct {
	ID            string     `json:"id"`
	VendorID      string     `json:"vendorId"`
	EndpointID    string     `json:"endpointId"`
	EventID       string     `json:"eventId"`
	EventType     string     `json:"eventType"`
	OrderingKey   string     `json:"orderingKey"`
	Seq           int64      `json:"seq"`
	Status        string     `json:"status"`
	Attempts      int        `json:"attempts"`
	NextAttemptAt *time.Time `json:"nextAttemptAt,omitempty"` // active deliveries only
	InFlightUntil *time.Time `json:"inFlightUntil,omitempty"` // lease of a running attempt
	LastStatus    int        `json:"lastStatus,omitempty"`
	LastError     string     `json:"lastError,omitempty"`
	CreatedAt     time.Time  `json:"createdAt"`
	UpdatedAt     time.Time  `json:"updatedAt"`
	DeliveredAt   *time.Time `json:"deliveredAt,omitempty"`
}

// Attempt is one try to deliver a delivery.
type Attempt struct {
	ID           string    `json:"id"`
	DeliveryID   string    `json:"deliveryId"`
	EndpointID   string    `json:"endpointId"`
	Attempt      int       `json:"attempt"`
	StartedAt    time.Time `json:"startedAt"`
	LatencyMS    float64   `json:"latencyMs"`
	StatusCode   int       `json:"statusCode"` // 0: no response
	ResponseBody string    `json:"responseBody,omitempty"`
	Error        string    `json:"error,omitempty"`
}

// NewEndpointSecret returns a fresh signing secret: whsec_ + base64 of 32 random bytes.
func NewEndpointSecret() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return secretPrefix + base64.StdEncoding.EncodeToString(b[:])
}

// SecretKey decodes a whsec_ secret into its HMAC key.
func SecretKey(secret string) ([]byte, error) {
	if !strings.HasPrefix(secret, secretPrefix) {
		return nil, errors.New("a signing secret starts with whsec_")
	}
	return base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, secretPrefix))
}

// ValidateEndpointURL checks that u is an absolute http or https URL. Whether its host
// may be reached is decided when connecting (see the delivery package).
func ValidateEndpointURL(u string) error {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" || p.Hostname() == "" {
		return FieldError(EInvalidRequest, "url", "The endpoint URL must be an absolute http:// or https:// URL.")
	}
	if p.User != nil {
		return FieldError(EInvalidRequest, "url", "The endpoint URL must not contain credentials.")
	}
	if len(u) > 2048 {
		return FieldError(EInvalidRequest, "url", "The endpoint URL is longer than 2048 characters.")
	}
	return nil
}

// EndpointFilter selects endpoints for ListEndpoints.
type EndpointFilter struct {
	VendorID       string // empty: every vendor
	Kind           string
	IncludeDeleted bool
}

// EndpointUpdate changes the fields that are set.
type EndpointUpdate struct {
	URL         *string   `json:"url,omitempty"`
	Description *string   `json:"description,omitempty"`
	EventTypes  *[]string `json:"eventTypes,omitempty"`
	Kind        *string   `json:"kind,omitempty"`
}

// ClaimRequest asks for due deliveries.
//
// Claims are fair between vendors: the vendors with due work (and those with
// deliveries in flight at the claimer, InFlight) share the claimer's pool (Workers)
// equally. Vendors are visited in turn, starting after After (round robin), and each
// gets up to its share less what it has in flight; a vendor with a huge backlog
// cannot fill a claim. Free slots nobody else wants go to vendors with more due
// work, so one vendor alone can use the whole pool. When the pool is full because
// some vendors hold more than their share, a vendor below its share may still get up
// to its share from Borrow: it never waits for slots held by another vendor.
type ClaimRequest struct {
	Owner       string        // names the claimer (locked_by)
	Limit       int           // at most this many deliveries (the free slots), Borrow aside
	PerEndpoint int           // at most this many per endpoint (0: no limit)
	Lease       time.Duration // how long the claim holds; afterwards the delivery is due again
	// Exclude lists endpoints not to claim for (their concurrency cap is reached).
	Exclude []string
	// Wide lists endpoints exempt from PerEndpoint (healthy, fast receivers whose
	// claimer keeps a deeper queue): a claim may take up to its limit for them.
	Wide []string
	// Single lists endpoints that may get one delivery in this claim (with its
	// followers): their health allows them one attempt (failing, or a circuit's
	// probe), so more would only fail at once without a request.
	Single []string
	// Workers is the pool the vendors share (0: Limit).
	Workers int
	// InFlight counts the claimer's deliveries per vendor, claimed and not finished.
	InFlight map[string]int
	// Borrow is how many deliveries beyond Limit may be claimed for vendors below
	// their share.
	Borrow int
	// After is the vendor served first in the previous claim: this claim starts with
	// the next one.
	After string
	// Follow, when positive, also claims behind each claimed head up to this many
	// of the next deliveries of its queue, in seq order, stopping at the first that
	// is not due or is leased (ClaimedDelivery.Next): a burst of one key (the events
	// of one order) then takes one claim and one completion instead of one each.
	Follow int
}

// ClaimedDelivery is a leased delivery with everything needed to send it.
type ClaimedDelivery struct {
	ID          string
	VendorID    string
	EndpointID  string
	EventID     string
	EventType   string
	OrderingKey string
	Seq         int64
	// Attempts made before this one (in the current retry series).
	Attempts    int
	Owner       string
	LockedUntil time.Time
	EventData   json.RawMessage
	EventTime   time.Time
	URL         string
	Kind        string
	// Secrets sign the message: the current secret first, then the previous one while
	// a rotation's overlap lasts.
	Secrets []string
	// SecretError says why the secrets could not be opened (a sealed secret and no
	// or a wrong ORDERHUB_SECRET_KEY); the attempt then fails and is retried.
	SecretError string
	// Next are the deliveries of this head's queue claimed behind it
	// (ClaimRequest.Follow), in seq order, under this head's lease (Owner and
	// LockedUntil are the head's). The claimer sends
	// them one after the other once this one is delivered, each only after the one
	// before was delivered, and hands back the ones it does not send as
	// OutcomeReleased (in the same completion as the attempt that stopped it):
	// per-key order holds because no other claimer can take them (they are not
	// heads, and their head is leased).
	Next []*ClaimedDelivery
}

// Outcome is what an attempt means for its delivery.
type Outcome int

// Outcomes of an attempt.
const (
	OutcomeDelivered Outcome = iota // 2xx
	OutcomeRetry                    // failed; try again after RetryIn
	OutcomeDead                     // failed and the schedule is exhausted
	OutcomeGone                     // 410 Gone: delete the endpoint
	// OutcomeReleased hands back a delivery claimed behind a head
	// (ClaimedDelivery.Next) that was not sent: its lease ends, nothing else
	// changes and no attempt is recorded.
	OutcomeReleased
)

func (o Outcome) String() string {
	switch o {
	case OutcomeDelivered:
		return "delivered"
	case OutcomeRetry:
		return "retry"
	case OutcomeDead:
		return "dead"
	case OutcomeGone:
		return "gone"
	case OutcomeReleased:
		return "released"
	}
	return "unknown"
}

// AttemptResult reports one finished attempt of a claimed delivery.
type AttemptResult struct {
	Claim        *ClaimedDelivery
	StartedAt    time.Time
	Latency      time.Duration
	StatusCode   int    // 0: no response
	ResponseBody string // the first KiB
	Error        string
	Outcome      Outcome
	RetryIn      time.Duration // for OutcomeRetry
}

// CompleteOptions tune CompleteDeliveries.
type CompleteOptions struct {
	// DisableAfter disables an endpoint that has failed without a success for this
	// long (0: never) and appends an endpoint-disabled event.
	DisableAfter time.Duration
	// AlertFailingAfter (0: no alerts) and AlertInterval: see alerts.go.
	AlertFailingAfter, AlertInterval time.Duration
}

// CompleteReport says what a completion batch changed besides the deliveries.
type CompleteReport struct {
	Disabled []string // endpoints disabled for failing too long
	Deleted  []string // endpoints deleted after a 410 Gone
	Alerts   []Alert  // operational alerts (alerts.go)
	// Stale counts results whose lease had been lost (the delivery was claimed again,
	// or stopped); their attempts are recorded but change nothing else.
	Stale int
}

// DeliveryStats describes the queue.
type DeliveryStats struct {
	Active        int64      // pending + failed deliveries
	OldestPending *time.Time // creation time of the oldest active delivery
}

// DeliveryFilter selects deliveries for ListDeliveries and ListDeliveryPage. Empty
// fields match anything.
type DeliveryFilter struct {
	VendorID    string
	EndpointID  string
	EventID     string
	Status      string // one of the Delivery* statuses, or "active" (pending + failed)
	OrderingKey string
	Since       time.Time // created at or after
	// BeforeSeq bounds the seq: only deliveries of events with a lower one (seq is
	// per vendor). Deprecated: page with ListDeliveryPage's cursor, which does not
	// skip the deliveries of one event split across two pages.
	BeforeSeq int64
	Limit     int // ListDeliveries only: default 100, at most 1000
}

// Page sizes of the deliveries listing (ListDeliveryPage): larger than the other
// listings' (DefaultPageLimit, MaxPageLimit), as the admin API's deliveries list
// documented them before it paged with a cursor.
const (
	DefaultDeliveryPageLimit = 100
	MaxDeliveryPageLimit     = 1000
)

// DefaultInlineFanout is how many live endpoints a vendor may have for its events to
// be fanned out in the request's transaction (Options.InlineFanout).
const DefaultInlineFanout = 16

// DefaultFanoutBatch bounds the rows one expander step reads and writes
// (Options.FanoutBatch).
const DefaultFanoutBatch = 256
