// Package manage holds the rules and store calls of the changes an operator makes,
// shared by the three admin surfaces — the admin API (httpapi/admin*.go), the
// console's forms (console) and the CLI (orderhub admin …) — so that each refuses
// the same input with the same error code, field and message (issues 17 and 18: an
// admin action exists once; a surface only parses its own arguments). Each function checks what the store does not
// (surface-level rules such as the registration check of a target URL) and then
// makes the store call; the store checks the rest.
package manage

import (
	"net/http"
	"orderhub"
	"time"

	"orderhub/connector/salesmanago"
	"orderhub/netguard"
)

// Service holds what the changes are made with; its parts make them, one type a
// domain (so that no type carries every action): Vendors (vendors, OAuth clients,
// promo codes, quotas, retention, portal links), Endpoints (webhook endpoints and
// their deliveries), Catalog (products, purchase options, mappings, sources),
// Connectors (SALESmanago, Yespo, Zapier users and their data) and Users (console
// users, admin tokens). Guard checks target URLs when they are registered.
type Service struct {
	// Store is the store the changes are written to (the root package's interfaces).
	Store orderhub.Store
	Guard *netguard.Guard
	// SMSealer seals SALESmanago account secrets (nil: stored as-is); Yespo saves
	// Yespo accounts (nil: the connector is not configured). See connectors.go.
	SMSealer *salesmanago.Sealer
	Yespo    YespoAccounts
	// SMHTTP calls SALESmanago in connection tests (nil: the default client) and
	// SMTestTimeout bounds each call (0: 10 s).
	SMHTTP        *http.Client
	SMTestTimeout time.Duration
}

// Vendors makes the changes of vendors, OAuth clients, promo codes, quotas,
// retention and portal links.
type Vendors Service

// Endpoints makes the changes of webhook and Zapier endpoints and their deliveries.
type Endpoints Service

// Catalog makes the changes of products, purchase options, mappings and sources.
type Catalog Service

// Connectors makes the changes of SALESmanago and Yespo accounts, Zapier users and
// the fulfilment data (shipping, transactions, surveys) the Zapier app reads.
type Connectors Service

// Users makes the changes of console users and admin API tokens.
type Users Service

// Vendors returns the vendor part of s.
func (s *Service) Vendors() *Vendors { return (*Vendors)(s) }

// Endpoints returns the endpoint part of s.
func (s *Service) Endpoints() *Endpoints { return (*Endpoints)(s) }

// Catalog returns the catalog part of s.
func (s *Service) Catalog() *Catalog { return (*Catalog)(s) }

// Connectors returns the connector part of s.
func (s *Service) Connectors() *Connectors { return (*Connectors)(s) }

// Users returns the console user and admin token part of s.
func (s *Service) Users() *Users { return (*Users)(s) }
