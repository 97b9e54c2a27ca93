// Package pgtest starts throwaway PostgreSQL clusters for tests: initdb into a temp
// directory, postgres listening only on a unix socket in that directory, fsync off.
//
// Start(t) hands each test a fresh database in one cluster shared by the whole test
// binary (about a second to start, then a few milliseconds per database); call Stop
// from TestMain to shut it down, or leave it: the server is the test binary's child
// and gets SIGQUIT when the binary exits. NewCluster(t) gives a test a cluster of its
// own, stopped at the end of the test.
//
// The binaries are looked up in $ORDERHUB_PG_BIN, /usr/lib/postgresql/*/bin (newest
// first) and $PATH. Without them the tests skip, loudly; with CI=true they fail, so
// that a CI machine cannot silently stop testing PostgreSQL (scripts/ensure-postgres.sh
// installs them). initdb refuses to run as root: as root the server runs as the
// "postgres" OS user.
package pgtest

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// Cluster is a running throwaway PostgreSQL server.
type Cluster struct {
	dir    string // temp dir: data/ and the socket
	bin    string
	port   int
	cmd    *exec.Cmd
	exited chan struct{}
	log    *bytes.Buffer
	logMu  sync.Mutex
	admin  *sql.DB
	nextDB atomic.Int64
	once   sync.Once
}

var (
	sharedMu  sync.Mutex
	shared    *Cluster
	sharedErr error
)

// Start returns the DSN of a fresh, empty database on the shared cluster (started on
// first use). Without PostgreSQL binaries it skips the test (fails it with CI=true).
func Start(t testing.TB) string {
	t.Helper()
	sharedMu.Lock()
	if shared == nil && sharedErr == nil {
		shared, sharedErr = startCluster()
	}
	c, err := shared, sharedErr
	sharedMu.Unlock()
	if err != nil {
		unavailable(t, err)
	}
	return c.CreateDB(t)
}

// Stop shuts the shared cluster down and removes its files (for TestMain).
func Stop() {
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if shared != nil {
		_ = shared.Stop()
		shared = nil
	}
}

// NewCluster starts a cluster of the test's own, stopped when the test ends. Settings
// ("name=value") override the defaults, e.g. "fsync=on", "synchronous_commit=on" for a
// benchmark that should pay for durability.
func NewCluster(t testing.TB, settings ...string) *Cluster {
	t.Helper()
	c, err := startCluster(settings...)
	if err != nil {
		unavailable(t, err)
	}
	t.Cleanup(func() {
		if err := c.Stop(); err != nil {
			t.Errorf("pgtest: stop: %v", err)
		}
	})
	return c
}

// errNoBinaries marks a machine without PostgreSQL.
var errNoBinaries = errors.New("PostgreSQL binaries (initdb, postgres) not found in $ORDERHUB_PG_BIN, /usr/lib/postgresql/*/bin or $PATH")

func unavailable(t testing.TB, err error) {
	t.Helper()
	if errors.Is(err, errNoBinaries) && os.Getenv("CI") != "true" {
		t.Skipf("\n*** SKIPPING POSTGRESQL TESTS: %v.\n*** Install them (scripts/ensure-postgres.sh, or apt-get install postgresql-15); with CI=true this is a failure. ***", err)
		return
	}
	t.Fatalf("pgtest: %v", err)
}

// findBin returns the directory holding initdb and postgres.
func findBin() (string, error) {
	var cands []string
	if d := os.Getenv("ORDERHUB_PG_BIN"); d != "" {
		cands = append(cands, d)
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return pgMajor(dirs[i]) > pgMajor(dirs[j]) })
	cands = append(cands, dirs...)
	if p, err := exec.LookPath("initdb"); err == nil {
		cands = append(cands, filepath.Dir(p))
	}
	for _, d := range cands {
		if isExec(filepath.Join(d, "initdb")) && isExec(filepath.Join(d, "postgres")) {
			return d, nil
		}
	}
	return "", errNoBinaries
}

func pgMajor(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

func isExec(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0
}

// serverUser returns the credentials to run initdb and postgres with: nil when not
// root, the "postgres" OS user when root.
func serverUser() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("running as root, and initdb refuses root: need a \"postgres\" OS user: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

func startCluster(settings ...string) (*Cluster, error) {
	bin, err := findBin()
	if err != nil {
		return nil, err
	}
	cred, err := serverUser()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		return nil, err
	}
	c := &Cluster{dir: dir, bin: bin, port: 5432, exited: make(chan struct{}), log: &bytes.Buffer{}}
	if err := c.start(cred, settings); err != nil {
		c.kill()
		os.RemoveAll(dir)
		return nil, err
	}
	return c, nil
}

func (c *Cluster) start(cred *syscall.Credential, settings []string) error {
	if cred != nil {
		if err := os.Chown(c.dir, int(cred.Uid), int(cred.Gid)); err != nil {
			return err
		}
	}
	data := filepath.Join(c.dir, "data")
	initdb := exec.Command(filepath.Join(c.bin, "initdb"), "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	initdb.Dir = c.dir
	if out, err := initdb.CombinedOutput(); err != nil {
		return fmt.Errorf("initdb: %v\n%s", err, out)
	}
	// The server is a child of this process (not daemonised by pg_ctl), so that it
	// dies with the test binary even when the binary is killed: Pdeathsig. Pdeathsig
	// fires when the starting thread exits, so the starting goroutine keeps its thread
	// until the server is gone.
	args := []string{"-D", data, "-k", c.dir, "-p", strconv.Itoa(c.port), "-c", "listen_addresses=",
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
		"-c", "max_connections=200", "-c", "shared_buffers=64MB",
		"-c", "log_min_messages=warning", "-c", "logging_collector=off"}
	for _, s := range settings {
		args = append(args, "-c", s) // later settings win
	}
	c.cmd = exec.Command(filepath.Join(c.bin, "postgres"), args...)
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGQUIT, Setpgid: true}
	c.cmd.Stdout = (*lockedWriter)(c)
	c.cmd.Stderr = (*lockedWriter)(c)
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine, after the server
		if err := c.cmd.Start(); err != nil {
			started <- err
			close(c.exited)
			return
		}
		started <- nil
		_ = c.cmd.Wait()
		close(c.exited)
	}()
	if err := <-started; err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	admin, err := sql.Open("pgx", c.DSN("postgres"))
	if err != nil {
		return err
	}
	c.admin = admin
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := admin.PingContext(ctx)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-c.exited:
			return fmt.Errorf("postgres exited: %s", c.Log())
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("postgres did not accept connections within 30s: %v\n%s", err, c.Log())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type lockedWriter Cluster

func (w *lockedWriter) Write(p []byte) (int, error) {
	w.logMu.Lock()
	defer w.logMu.Unlock()
	if w.log.Len() < 1<<20 {
		w.log.Write(p)
	}
	return len(p), nil
}

// Log returns what the server wrote to stderr (warnings and errors).
func (c *Cluster) Log() string {
	c.logMu.Lock()
	defer c.logMu.Unlock()
	return c.log.String()
}

// PID is the process id of the server (the postmaster); its backends are its
// children.
func (c *Cluster) PID() int { return c.cmd.Process.Pid }

// SocketDir is the directory of the server's unix socket.
func (c *Cluster) SocketDir() string { return c.dir }

// DSN returns a postgres:// URL for database name on this cluster.
func (c *Cluster) DSN(name string) string {
	q := url.Values{}
	q.Set("host", c.dir)
	q.Set("port", strconv.Itoa(c.port))
	q.Set("user", "postgres")
	q.Set("sslmode", "disable")
	return "postgres:///" + url.PathEscape(name) + "?" + q.Encode()
}

// CreateDB creates a fresh database and returns its DSN. The database is dropped when
// the test ends (unless the cluster is gone by then).
func (c *Cluster) CreateDB(t testing.TB) string {
	t.Helper()
	name := fmt.Sprintf("t%d_%d", os.Getpid(), c.nextDB.Add(1))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := c.admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("pgtest: create database: %v\n%s", err, c.Log())
	}
	t.Cleanup(func() {
		select {
		case <-c.exited:
			return
		default:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := c.admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Logf("pgtest: drop database %s: %v", name, err)
		}
	})
	return c.DSN(name)
}

// Stop shuts the server down (fast shutdown) and removes its files.
func (c *Cluster) Stop() error {
	var err error
	c.once.Do(func() {
		if c.admin != nil {
			c.admin.Close()
		}
		if c.cmd != nil && c.cmd.Process != nil {
			_ = c.cmd.Process.Signal(syscall.SIGINT)
			select {
			case <-c.exited:
			case <-time.After(30 * time.Second):
				c.kill()
				<-c.exited
				err = errors.New("postgres did not stop within 30s; killed")
			}
		}
		if rerr := os.RemoveAll(c.dir); rerr != nil && err == nil {
			err = rerr
		}
	})
	return err
}

func (c *Cluster) kill() {
	if c.cmd != nil && c.cmd.Process != nil {
		_ = syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL)
	}
}

// Version returns the server's version string (e.g. for benchmark reports).
func (c *Cluster) Version(ctx context.Context) (string, error) {
	var v string
	err := c.admin.QueryRowContext(ctx, "SHOW server_version").Scan(&v)
	return strings.TrimSpace(v), err
}
