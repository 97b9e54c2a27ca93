package sqlstore

import "orderhub"

import (
	"database/sql"
	"errors"
	"time"
)

// Operational alerts (issue 19 part 2): the store decides, in the transaction that
// records the attempts, when an endpoint starts failing, is disabled, or recovers,
// so that of several processes sharing the database exactly one reports each change.
// The engine hands the alerts of a batch (CompleteReport.Alerts) to its Alerter.
//
// An endpoint's alert state (endpoints.alert_state) is '' or 'failing':
//
//   - '' → 'failing' (AlertFailing) when a failed attempt is recorded and the
//     endpoint has been failing, without a success, for AlertFailingAfter, or one of
//     its deliveries has just gone dead (a dead letter) — and no AlertFailing was sent
//     for it within AlertInterval (a flapping endpoint alerts at most once per
//     interval, and then its recovery is not announced either);
//   - any → 'failing' (AlertDisabled) when it is disabled for failing too long;
//   - 'failing' → '' (AlertRecovered) at its next successful delivery.
//
// So an endpoint that fails for a day causes one alert when it starts failing and
// one when it recovers, whatever the number of failed deliveries.

// alertsOn reports whether the batch's options ask for alerts.
func alertsOn(o orderhub.CompleteOptions) bool { return o.AlertFailingAfter > 0 }

// alertRecovered ends an endpoint's failing alert state after a success.
func (tx *Tx) alertRecovered(id string, opt orderhub.CompleteOptions, rep *orderhub.CompleteReport) error {
	if !alertsOn(opt) {
		return nil
	}
	var vendorID, url string
	err := tx.queryRow(`UPDATE endpoints SET alert_state = '' WHERE id = $1 AND alert_state = 'failing' RETURNING vendor_id, url`, id).Scan(&vendorID, &url)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	rep.Alerts = append(rep.Alerts, orderhub.Alert{Kind: orderhub.AlertRecovered, VendorID: vendorID, EndpointID: id, URL: url,
		Reason: "a delivery succeeded", At: tx.now})
	return nil
}

// alertFailing starts an endpoint's failing alert state after a failed attempt, when
// it has failed long enough or collected a dead letter, at most once per interval.
func (tx *Tx) alertFailing(id, vendorID, url string, since time.Time, dead bool, opt orderhub.CompleteOptions, rep *orderhub.CompleteReport) error {
	if !alertsOn(opt) || (!dead && tx.now.Sub(since) < opt.AlertFailingAfter) {
		return nil
	}
	now := micros(tx.now)
	res, err := tx.exec(`UPDATE endpoints SET alert_state = 'failing', alerted_at = $2
		WHERE id = $1 AND alert_state = '' AND (alerted_at IS NULL OR alerted_at <= $3)`, id, now, now-opt.AlertInterval.Microseconds())
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil
	}
	reason := "no successful delivery since " + since.UTC().Format(time.RFC3339)
	if dead {
		reason = "a delivery failed every attempt (dead letter); " + reason
	}
	rep.Alerts = append(rep.Alerts, orderhub.Alert{Kind: orderhub.AlertFailing, VendorID: vendorID, EndpointID: id, URL: url,
		FailingSince: &since, DeadLetters: dead, Reason: reason, At: tx.now})
	return nil
}

// alertDisabled records that an endpoint was disabled for failing too long.
func (tx *Tx) alertDisabled(id, vendorID, url string, since time.Time, reason string, opt orderhub.CompleteOptions, rep *orderhub.CompleteReport) error {
	if !alertsOn(opt) {
		return nil
	}
	if _, err := tx.exec(`UPDATE endpoints SET alert_state = 'failing', alerted_at = $2 WHERE id = $1`, id, micros(tx.now)); err != nil {
		return err
	}
	rep.Alerts = append(rep.Alerts, orderhub.Alert{Kind: orderhub.AlertDisabled, VendorID: vendorID, EndpointID: id, URL: url,
		FailingSince: &since, Reason: reason, At: tx.now})
	return nil
}
