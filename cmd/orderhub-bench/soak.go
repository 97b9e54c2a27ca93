package main

import (
	"bufio"
	"database/sql"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"orderhub/sqlstore"
)

// The soak side of orderhub-bench (--sample-db): while the load runs, the size of the
// SQLite database — main file, WAL, the free pages inside the file — and what
// retention pruned are sampled, so that a long run shows whether the file levels off
// (scripts/soak-retention runs it with and without pruning; docs/reliability.md).

// dbSample is one sample.
type dbSample struct {
	at                  time.Duration // since the load started
	file, wal, free     int64         // bytes
	prunedDeliveries    float64       // orderhub_retention_pruned_total{kind="delivered"}
	prunedEvents        float64       // … {kind="events"}
	deliveriesPerSecond float64       // orderhub_delivery_attempts_total rate since the last sample
	attempts            float64
	outbox, kept        int64 // bytes of pages (dbstat) of events, deliveries, attempts and their indexes; of everything else
}

// sampleDB samples every c.sampleDB until the returned stop is called (a no-op unless
// --sample-db is set and the database is a SQLite file).
func sampleDB(c benchConfig, client *http.Client, base string, start time.Time, rep *benchReport) (stop func()) {
	d, path, err := sqlstore.ParseDSN(c.dsn)
	if c.sampleDB <= 0 || err != nil || d != sqlstore.SQLite {
		return func() {}
	}
	size := func(p string) int64 {
		if st, err := os.Stat(p); err == nil {
			return st.Size()
		}
		return 0
	}
	// A read-only connection of our own for dbstat (a reader: it never blocks the
	// hub's writer).
	stat, err := sql.Open("sqlite", "file:"+strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		return func() {}
	}
	take := func() {
		m := scrapeMetrics(client, base)
		s := dbSample{at: time.Since(start), file: size(path), wal: size(path + "-wal"),
			free:             int64(m["orderhub_db_free_bytes"]),
			prunedDeliveries: m[`orderhub_retention_pruned_total{kind="delivered"}`],
			prunedEvents:     m[`orderhub_retention_pruned_total{kind="events"}`],
		}
		for k, v := range m {
			if strings.HasPrefix(k, "orderhub_delivery_attempts_total") {
				s.attempts += v
			}
		}
		s.outbox, s.kept = tableBytes(stat)
		if n := len(rep.samples); n > 0 {
			p := rep.samples[n-1]
			s.deliveriesPerSecond = (s.attempts - p.attempts) / (s.at - p.at).Seconds()
		}
		rep.samples = append(rep.samples, s)
	}
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(c.sampleDB)
		defer t.Stop()
		take()
		for {
			select {
			case <-quit:
				take()
				return
			case <-t.C:
				take()
			}
		}
	}()
	return func() {
		close(quit)
		wg.Wait()
		stat.Close()
	}
}

// tableBytes sums the pages of the outbox tables (events, deliveries,
// delivery_attempts, with their indexes) and of all other tables, from dbstat.
func tableBytes(db *sql.DB) (outbox, kept int64) {
	rows, err := db.Query(`SELECT m.tbl_name, SUM(s.pgsize) FROM dbstat s JOIN sqlite_master m ON m.name = s.name GROUP BY m.tbl_name`)
	if err != nil {
		return 0, 0
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var n int64
		if rows.Scan(&name, &n) != nil {
			return 0, 0
		}
		switch name {
		case "events", "deliveries", "delivery_attempts":
			outbox += n
		default:
			kept += n
		}
	}
	return outbox, kept
}

// scrapeMetrics reads every sample of the hub's /metrics, labelled ones under their
// full name (nil when it cannot).
func scrapeMetrics(client *http.Client, base string) map[string]float64 {
	res, err := client.Get(base + "/metrics")
	if err != nil {
		return nil
	}
	defer res.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		if i := strings.LastIndexByte(line, ' '); i > 0 {
			if f, err := strconv.ParseFloat(line[i+1:], 64); err == nil {
				out[line[:i]] = f
			}
		}
	}
	return out
}

// growth is how much f grew in each half of the run.
func (r *benchReport) growth(f func(dbSample) int64) (first, second int64) {
	n := len(r.samples)
	if n < 3 {
		return 0, 0
	}
	mid := r.samples[n/2]
	return f(mid) - f(r.samples[0]), f(r.samples[n-1]) - f(mid)
}

func (r *benchReport) growthText() string {
	f1, f2 := r.growth(func(s dbSample) int64 { return s.file + s.wal })
	o1, o2 := r.growth(func(s dbSample) int64 { return s.outbox })
	k1, k2 := r.growth(func(s dbSample) int64 { return s.kept })
	return fmt.Sprintf("Growth in the first / second half of the run: file + WAL %s / %s MB; outbox tables %s / %s MB; other tables %s / %s MB.\n",
		benchMB(f1), benchMB(f2), benchMB(o1), benchMB(o2), benchMB(k1), benchMB(k2))
}

// cells are a sample's figures as the reports show them: t (s), file, WAL and free
// MB, outbox and other tables MB, deliveries and events pruned, deliveries/s.
func (s dbSample) cells() []any {
	n := func(f float64) string { return strconv.FormatFloat(f, 'f', 0, 64) }
	return []any{n(s.at.Seconds()), benchMB(s.file), benchMB(s.wal), benchMB(s.free), benchMB(s.outbox), benchMB(s.kept),
		n(s.prunedDeliveries), n(s.prunedEvents), n(s.deliveriesPerSecond)}
}

func (r *benchReport) samplesText() string {
	return r.samplesTable("database size over the run (t s: file MB + WAL MB, free MB; outbox MB, other tables MB; pruned deliveries, events; deliveries/s)\n",
		"  %5s: %7s + %6s, free %6s; outbox %6s, other %6s; pruned %s, %s; %s/s\n", "")
}

func (r *benchReport) samplesMarkdown() string {
	return r.samplesTable("\n| t (s) | file MB | WAL MB | free MB | outbox tables MB | other tables MB | deliveries pruned | events pruned | deliveries/s |\n|---|---|---|---|---|---|---|---|---|\n",
		"| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", "\n")
}

// samplesTable is head, a row per sample (row: the format of its cells), then the
// growth after beforeGrowth ("" when there are no samples).
func (r *benchReport) samplesTable(head, row, beforeGrowth string) string {
	if len(r.samples) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(head)
	for _, s := range r.samples {
		fmt.Fprintf(&b, row, s.cells()...)
	}
	b.WriteString(beforeGrowth + r.growthText())
	return b.String()
}
