package sqlstore

import (
	"context"
	"time"
)

// WAL checkpoints mostly off the writer (SQLite).
//
// SQLite's automatic checkpoint runs inside the COMMIT that takes the write-ahead
// log past 1,000 pages: that commit copies every page of the log back into the
// database file and syncs both files, while the one writer — and every request
// queued behind it — waits. A vendor order writes about two pages of log, so under
// load that was every fourth or fifth group commit: 4 MB copied and synced inside
// it. Here the writer's connection has automatic checkpoints off
// (wal_autocheckpoint=0, sqliteDSN) and a goroutine of its own runs them on a
// reader connection: PASSIVE (it never waits for, nor blocks, the writer or a
// reader), at most every checkpointEvery while commits come in.
//
// The log starts over from its beginning (instead of growing) only when a write
// transaction begins with every page of it copied back; under load, commits never
// stop long enough for the goroutine's checkpoint to catch up with the writer. So
// once the log is longer than walRestartFrames, the goroutine asks the writer to
// checkpoint the rest itself before its next transaction (checkpointTail): only
// what was committed since the goroutine's checkpoint, and the log restarts.
//
// The log is synced at every COMMIT as before (synchronous=FULL); a checkpoint
// syncs the log and the database file itself before the log is reused, so nothing
// about durability changes: only which goroutine pays for most of the copy.
//
// Other processes using the file (the CLI) keep SQLite's automatic checkpoints, and
// the last connection to close checkpoints what is left.

// checkpointEvery is how long commits accumulate in the log between checkpoints
// under load: a page written by many commits is copied once per checkpoint.
const checkpointEvery = 200 * time.Millisecond

// walRestartFrames is the length of the log (pages) past which the writer
// checkpoints the rest so that the log starts over (8 MB of 4 KiB pages).
const walRestartFrames = 2048

// checkpointWait is how long the goroutine waits for a reader connection (not for
// the checkpoint itself, which an interrupt would undo). When every reader
// connection is held (long reads) or the checkpoint fails, the writer checkpoints
// before its next transaction instead, as it did before the goroutine existed, so
// the log cannot grow unchecked. A variable for tests.
var checkpointWait = 2 * time.Second

// startCheckpointer starts the checkpoint goroutine (SQLite only).
func (db *DB) startCheckpointer() {
	db.ckWake = make(chan struct{}, 1)
	db.ckQuit, db.ckDone = make(chan struct{}), make(chan struct{})
	// Once at start: what the migrations, or a process that did not close its
	// connections, left in the log.
	db.ckWake <- struct{}{}
	go db.checkpointLoop()
}

// stopCheckpointer stops the checkpoint goroutine, if it runs.
func (db *DB) stopCheckpointer() {
	if db.ckQuit == nil {
		return
	}
	select {
	case <-db.ckQuit:
	default:
		close(db.ckQuit)
	}
	<-db.ckDone
}

// wakeCheckpointer tells the checkpoint goroutine that a commit added to the log.
// It never blocks.
func (db *DB) wakeCheckpointer() {
	if db.ckWake == nil {
		return
	}
	select {
	case db.ckWake <- struct{}{}:
	default:
	}
}

func (db *DB) checkpointLoop() {
	defer close(db.ckDone)
	for {
		select {
		case <-db.ckQuit:
			return
		case <-db.ckWake:
		}
		// Let the commits of the next moments join this checkpoint.
		select {
		case <-db.ckQuit:
			return
		case <-time.After(checkpointEvery):
		}
		logFrames, err := db.checkpoint()
		if err != nil {
			db.log.Warn("WAL checkpoint off the writer failed; the writer checkpoints before its next transaction", "err", err)
			db.ckTail.Store(true)
			continue
		}
		if logFrames >= walRestartFrames {
			db.ckTail.Store(true)
		}
	}
}

// checkpoint copies the log's committed pages into the database file (PASSIVE:
// as far as no reader still needs them) and returns the log's length in pages.
func (db *DB) checkpoint() (int64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), checkpointWait)
	conn, err := db.read.Conn(ctx)
	cancel()
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	var busy, logFrames, done int64
	err = conn.QueryRowContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &logFrames, &done)
	return logFrames, err
}

// checkpointTail runs on the writer, between transactions, when the checkpoint
// goroutine asked for it: it copies what the goroutine's checkpoint left (the
// latest commits), so that the next transaction starts the log over.
func (w *writer) checkpointTail() {
	if !w.db.ckTail.Swap(false) {
		return
	}
	var busy, logFrames, done int64
	if err := w.conn.QueryRowContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &logFrames, &done); err != nil {
		w.db.log.Warn("WAL checkpoint on the writer failed", "err", err)
	}
}
