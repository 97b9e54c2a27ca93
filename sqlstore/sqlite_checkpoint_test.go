package sqlstore

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"orderhub"
)

// When every reader connection is held, the checkpoint goroutine gives up after
// checkpointWait and hands the checkpoint to the writer, which runs it before its
// next transaction: the log never goes unchecked for as long as reads last.
func TestCheckpointFallsBackToTheWriter(t *testing.T) {
	defer func(d time.Duration) { checkpointWait = d }(checkpointWait)
	checkpointWait = 50 * time.Millisecond
	ctx := context.Background()
	db, err := Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "ck.db"), Options{ReadConns: 2, NoFanoutExpander: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// Let the start-up checkpoint finish, then hold every reader connection.
	time.Sleep(checkpointEvery + 100*time.Millisecond)
	var held []*sql.Conn
	defer func() { // before db.Close
		for _, c := range held {
			_ = c.Close()
		}
	}()
	for range 2 {
		c, err := db.read.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	if err := db.Tenants().CreateVendor(ctx, &orderhub.Vendor{ID: "acme"}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !db.ckTail.Load() {
		if time.Now().After(deadline) {
			t.Fatal("the checkpoint goroutine did not hand its checkpoint to the writer while the readers were held")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// The writer's next transaction checkpoints first.
	if err := db.Tenants().CreateVendor(ctx, &orderhub.Vendor{ID: "globex"}); err != nil {
		t.Fatal(err)
	}
	if db.ckTail.Load() {
		t.Fatal("the writer did not take the checkpoint over")
	}
}
