package delivery

// Internals exported to the external tests.
var (
	BlockedReason   = blockedReason
	ParseRetryAfter = parseRetryAfter
)
