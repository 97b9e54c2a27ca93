package httpapi_test

import (
	"database/sql"
	"strings"
	"testing"
	"time"

	"orderhub"
)

// Issue 15: /readyz is not ready while writes fail, and recovers by itself. The
// failing write is real: a trigger makes SQLite refuse the probe's row the way a
// full disk refuses every write ("database or disk is full").
func TestReadyzFollowsFailingWrites(t *testing.T) {
	h := newTestHub(t)
	h.ValidateSpec = true
	h.jsonReq("GET", "/readyz", "", nil).expect(200, "")
	raw, err := sql.Open("sqlite", "file:"+strings.TrimPrefix(h.dsn, "sqlite:")+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for _, op := range []string{"INSERT", "UPDATE"} {
		if _, err := raw.Exec(`CREATE TRIGGER full_disk_` + op + ` BEFORE ` + op + ` ON settings BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`); err != nil {
			t.Fatal(err)
		}
	}
	waitUntil(t, "not ready while writes fail", func() bool {
		res := h.jsonReq("GET", "/readyz", "", nil)
		return res.Status == 503 && res.ErrorCode() == orderhub.EUnavailable
	})
	if _, err := raw.Exec(`DROP TRIGGER full_disk_INSERT; DROP TRIGGER full_disk_UPDATE`); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	waitUntil(t, "ready again", func() bool { return h.jsonReq("GET", "/readyz", "", nil).Status == 200 })
	t.Logf("ready again %v after writes succeed", time.Since(start).Round(10*time.Millisecond))
}
