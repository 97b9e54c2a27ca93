package httpapi_test

import (
	"testing"
	"time"

	"orderhub"
)

// Issue 15: /readyz is not ready while writes fail, and recovers by itself. The
// failing write is real: a trigger makes SQLite refuse the probe's row the way a
// full disk refuses every write ("database or disk is full").
func TestReadyzFollowsFailingWrites(t *testing.T) {
	h := newTestHub(t)
	h.jsonReq("GET", "/readyz", "", nil).expect(200, "")
	raw := rawDB(t, h)
	fail := []string{
		`CREATE TRIGGER full_disk_INSERT BEFORE INSERT ON settings BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`,
		`CREATE TRIGGER full_disk_UPDATE BEFORE UPDATE ON settings BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`,
	}
	heal := []string{`DROP TRIGGER full_disk_INSERT`, `DROP TRIGGER full_disk_UPDATE`}
	if onPostgres() { // PostgreSQL's own words for a full disk (SQLSTATE 53100, disk_full)
		fail = []string{
			`CREATE FUNCTION full_disk() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN
				RAISE EXCEPTION 'could not extend file: No space left on device' USING ERRCODE = 'disk_full'; END $$`,
			`CREATE TRIGGER full_disk BEFORE INSERT OR UPDATE ON settings FOR EACH ROW EXECUTE FUNCTION full_disk()`,
		}
		heal = []string{`DROP TRIGGER full_disk ON settings`}
	}
	for _, q := range fail {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	waitUntil(t, "not ready while writes fail", func() bool {
		res := h.jsonReq("GET", "/readyz", "", nil)
		return res.Status == 503 && res.ErrorCode() == orderhub.EUnavailable
	})
	for _, q := range heal {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	waitUntil(t, "ready again", func() bool { return h.jsonReq("GET", "/readyz", "", nil).Status == 200 })
	t.Logf("ready again %v after writes succeed", time.Since(start).Round(10*time.Millisecond))
}
