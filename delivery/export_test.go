package delivery

// Internals exported to the external tests.
var (
	ParseRetryAfter = parseRetryAfter
)
