package sqlstore

import (
	"time"

	"orderhub"
)

// Aliases of the domain types, constants and functions that moved to the root
// package (issue 17), so that consumers not yet switched to package orderhub
// compile unchanged. New code uses orderhub.X; this file goes once no consumer
// names these.

const ActorCLI = orderhub.ActorCLI
const ActorPortal = orderhub.ActorPortal
const ActorToken = orderhub.ActorToken
const ActorUser = orderhub.ActorUser
const AlertDisabled = orderhub.AlertDisabled
const AlertFailing = orderhub.AlertFailing
const AlertRecovered = orderhub.AlertRecovered
const DefaultFanoutBatch = orderhub.DefaultFanoutBatch
const DefaultInlineFanout = orderhub.DefaultInlineFanout
const DefaultPageLimit = orderhub.DefaultPageLimit
const DefaultPauseFactor = orderhub.DefaultPauseFactor
const DefaultPruneBatch = orderhub.DefaultPruneBatch
const DefaultRetainAudit = orderhub.DefaultRetainAudit
const DefaultRetainDead = orderhub.DefaultRetainDead
const DefaultRetainDelivered = orderhub.DefaultRetainDelivered
const DefaultSecretOverlap = orderhub.DefaultSecretOverlap
const DeliveryCanceled = orderhub.DeliveryCanceled
const DeliveryDead = orderhub.DeliveryDead
const DeliveryDelivered = orderhub.DeliveryDelivered
const DeliveryFailed = orderhub.DeliveryFailed
const DeliveryPending = orderhub.DeliveryPending
const EndpointSalesmanago = orderhub.EndpointSalesmanago
const EndpointWebhook = orderhub.EndpointWebhook
const EndpointYespo = orderhub.EndpointYespo
const EndpointZapier = orderhub.EndpointZapier
const EventEndpointDisabled = orderhub.EventEndpointDisabled
const EventEndpointTest = orderhub.EventEndpointTest
const EventSMContactDelete = orderhub.EventSMContactDelete
const EventSMContactUpsert = orderhub.EventSMContactUpsert
const EventSMEventAdd = orderhub.EventSMEventAdd
const EventSMProductsUpsert = orderhub.EventSMProductsUpsert
const Masked = orderhub.Masked
const MaxFrameAncestors = orderhub.MaxFrameAncestors
const MaxPageLimit = orderhub.MaxPageLimit
const MaxVendorName = orderhub.MaxVendorName
const MinConsolePassword = orderhub.MinConsolePassword
const OrderEventCreated = orderhub.OrderEventCreated
const OrderEventIgnored = orderhub.OrderEventIgnored
const OrderEventUnchanged = orderhub.OrderEventUnchanged
const OrderEventUpdated = orderhub.OrderEventUpdated
const OrderSourceEvent = orderhub.OrderSourceEvent
const OutcomeDead = orderhub.OutcomeDead
const OutcomeDelivered = orderhub.OutcomeDelivered
const OutcomeGone = orderhub.OutcomeGone
const OutcomeReleased = orderhub.OutcomeReleased
const OutcomeRetry = orderhub.OutcomeRetry
const PortalKeySetting = orderhub.PortalKeySetting
const RoleOperator = orderhub.RoleOperator
const RoleVendorAdmin = orderhub.RoleVendorAdmin
const RoleVendorViewer = orderhub.RoleVendorViewer
const SecretIdempotent = orderhub.SecretIdempotent
const SecretPortalKey = orderhub.SecretPortalKey
const SecretSalesmanago = orderhub.SecretSalesmanago
const SecretTokenKey = orderhub.SecretTokenKey
const SecretWebhook = orderhub.SecretWebhook
const SecretYespo = orderhub.SecretYespo
const SourceSecretPrefix = orderhub.SourceSecretPrefix
const TokenSigningKeySetting = orderhub.TokenSigningKeySetting
const ViaAPI = orderhub.ViaAPI
const ViaCLI = orderhub.ViaCLI
const ViaConsole = orderhub.ViaConsole
const ViaPortal = orderhub.ViaPortal

type Actor = orderhub.Actor
type AdminFilter = orderhub.AdminFilter
type AdminToken = orderhub.AdminToken
type Alert = orderhub.Alert
type Attempt = orderhub.Attempt
type AttemptResult = orderhub.AttemptResult
type AuditEntry = orderhub.AuditEntry
type AuditFilter = orderhub.AuditFilter
type BackupOptions = orderhub.BackupOptions
type Change = orderhub.Change
type ClaimRequest = orderhub.ClaimRequest
type ClaimedDelivery = orderhub.ClaimedDelivery
type ClientWithSecret = orderhub.ClientWithSecret
type CompleteOptions = orderhub.CompleteOptions
type CompleteReport = orderhub.CompleteReport
type ConsoleSession = orderhub.ConsoleSession
type ConsoleUser = orderhub.ConsoleUser
type ContractFilter = orderhub.ContractFilter
type CustomerMatch = orderhub.CustomerMatch
type Dashboard = orderhub.Dashboard
type DashboardCache = orderhub.DashboardCache
type Delivery = orderhub.Delivery
type DeliveryFilter = orderhub.DeliveryFilter
type DeliveryStats = orderhub.DeliveryStats
type Endpoint = orderhub.Endpoint
type EndpointFilter = orderhub.EndpointFilter
type EndpointUpdate = orderhub.EndpointUpdate
type EventFilter = orderhub.EventFilter
type IdempotentAnswer = orderhub.IdempotentAnswer
type IgnoredEvent = orderhub.IgnoredEvent
type IgnoredEventFilter = orderhub.IgnoredEventFilter
type ListFilter = orderhub.ListFilter
type OrderEventResult = orderhub.OrderEventResult
type Outcome = orderhub.Outcome
type Page = orderhub.Page
type PageOf[T any] = orderhub.PageOf[T]
type PromoCodeUpdate = orderhub.PromoCodeUpdate
type PruneStats = orderhub.PruneStats
type PurchaseFilter = orderhub.PurchaseFilter
type ResealReport = orderhub.ResealReport
type Retention = orderhub.Retention
type SalesmanagoAccountRecord = orderhub.SalesmanagoAccountRecord
type SalesmanagoRequest = orderhub.SalesmanagoRequest
type SpaceStats = orderhub.SpaceStats
type TimelineEntry = orderhub.TimelineEntry
type VendorQuota = orderhub.VendorQuota
type VendorQuotas = orderhub.VendorQuotas
type VendorRetention = orderhub.VendorRetention
type YespoAccount = orderhub.YespoAccount

var CLIActor = orderhub.CLIActor
var ChangeFrom = orderhub.ChangeFrom
var CleanFrameAncestors = orderhub.CleanFrameAncestors
var DescribeRoute = orderhub.DescribeRoute
var EndpointSecretContext = orderhub.EndpointSecretContext
var ErrZapierDisabled = orderhub.ErrZapierDisabled
var ErrZapierLogin = orderhub.ErrZapierLogin
var HashSecret = orderhub.HashSecret
var NewEndpointSecret = orderhub.NewEndpointSecret
var NewPortalKeyValue = orderhub.NewPortalKeyValue
var Roles = orderhub.Roles
var SecretKey = orderhub.SecretKey
var SecretMatches = orderhub.SecretMatches
var ValidVendorName = orderhub.ValidVendorName
var ValidateEndpointURL = orderhub.ValidateEndpointURL
var WithChange = orderhub.WithChange

// NewDashboardCache returns a cache of db's dashboard (orderhub.NewDashboardCache
// on db's clock).
func NewDashboardCache(db *DB, ttl time.Duration) *orderhub.DashboardCache {
	return orderhub.NewDashboardCache(db.Admin(), func() time.Time { return db.Now() }, ttl)
}
