// Package devstack provisions what Duban needs on a developer's machine and
// in tests: a throwaway PostgreSQL cluster from the machine's own binaries
// and a Temporal dev server (the official CLI's `server start-dev`) as child
// processes.
package devstack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// ErrNoPostgres says the PostgreSQL server binaries cannot be found.
var ErrNoPostgres = errors.New("PostgreSQL server binaries (initdb, postgres) not found on PATH or under /usr/lib/postgresql/*/bin; install them, e.g. `apt-get install -y postgresql`")

// PostgresBinDir finds the directory holding initdb and postgres.
func PostgresBinDir() (string, error) {
	var dirs []string
	if p, err := exec.LookPath("pg_config"); err == nil {
		if out, err := exec.Command(p, "--bindir").Output(); err == nil {
			dirs = append(dirs, strings.TrimSpace(string(out)))
		}
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Sort(sort.Reverse(sort.StringSlice(matches))) // newest version first
	dirs = append(dirs, matches...)
	if p, err := exec.LookPath("postgres"); err == nil {
		dirs = append(dirs, filepath.Dir(p))
	}
	for _, d := range dirs {
		if isExec(filepath.Join(d, "initdb")) && isExec(filepath.Join(d, "postgres")) {
			return d, nil
		}
	}
	return "", ErrNoPostgres
}

func isExec(p string) bool {
	st, err := os.Stat(p)
	return err == nil && !st.IsDir() && st.Mode()&0o111 != 0
}

// Postgres is a PostgreSQL server run as a child process.
type Postgres struct {
	Dir  string // data directory
	Port int
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

// PostgresOptions configure StartPostgres.
type PostgresOptions struct {
	Dir   string    // data directory; created and initialised when empty
	Port  int       // 0 picks a free port
	Log   io.Writer // server output; nil discards it
	Fsync bool      // keep fsync on (dev); tests turn it off
}

// StartPostgres initialises (when needed) and starts a cluster in opts.Dir.
// As root it runs the server as the `postgres` user, as PostgreSQL requires.
// The superuser is `postgres` with trust authentication on loopback and the
// socket in the data directory.
func StartPostgres(ctx context.Context, opts PostgresOptions) (*Postgres, error) {
	bin, err := PostgresBinDir()
	if err != nil {
		return nil, err
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, err
	}
	if len(dir)+len("/.s.PGSQL.65535") > 100 {
		return nil, fmt.Errorf("postgres data directory path %q is too long for a unix socket", dir)
	}
	cred, err := serverCredential()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	if cred != nil {
		if err := os.Chown(dir, int(cred.Uid), int(cred.Gid)); err != nil {
			return nil, err
		}
		if err := traversable(filepath.Dir(dir)); err != nil {
			return nil, err
		}
	}
	logw := opts.Log
	if logw == nil {
		logw = io.Discard
	}
	if _, err := os.Stat(filepath.Join(dir, "PG_VERSION")); err != nil {
		init := exec.CommandContext(ctx, filepath.Join(bin, "initdb"), "-D", dir, "-U", "postgres",
			// collation C (byte order); a UTF-8 character classification, so
			// that pg_trgm indexes Chinese names (in the C ctype a CJK
			// character is no word character and makes no trigram)
			"--auth=trust", "--encoding=UTF8", "--locale=C", "--lc-ctype=C.UTF-8", "--no-instructions")
		init.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		if out, err := init.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("initdb: %w: %s", err, out)
		}
	}
	port := opts.Port
	if port == 0 {
		if port, err = freePort(); err != nil {
			return nil, err
		}
	}
	args := []string{"-D", dir, "-p", strconv.Itoa(port), "-k", dir,
		"-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200", "-c", "shared_buffers=64MB"}
	if !opts.Fsync {
		args = append(args, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	}
	cmd := exec.Command(filepath.Join(bin, "postgres"), args...)
	cmd.Stdout, cmd.Stderr = logw, logw
	// Pdeathsig: the server goes when we go, even on SIGKILL.
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Pdeathsig: syscall.SIGQUIT, Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start postgres: %w", err)
	}
	p := &Postgres{Dir: dir, Port: port, cmd: cmd, done: make(chan struct{})}
	go func() { p.err = cmd.Wait(); close(p.done) }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := pgx.Connect(ctx, p.AdminURL("postgres"))
		if err == nil {
			c.Close(ctx)
			return p, nil
		}
		select {
		case <-p.done:
			return nil, fmt.Errorf("postgres exited during start (%v); see its log", p.err)
		case <-ctx.Done():
			p.Stop()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			p.Stop()
			return nil, fmt.Errorf("postgres did not accept connections within 30s: %w", err)
		}
	}
}

// AdminURL is the superuser connection URL for database db.
func (p *Postgres) AdminURL(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", p.Port, db)
}

// Stop shuts the server down (fast mode) and waits for it.
func (p *Postgres) Stop() error {
	if p == nil || p.cmd == nil || p.cmd.Process == nil {
		return nil
	}
	_ = p.cmd.Process.Signal(syscall.SIGINT) // fast shutdown
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	return nil
}

// Kill stops the server abruptly (SIGKILL), as a crash would.
func (p *Postgres) Kill() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

// serverCredential returns the postgres user's credential when running as
// root (PostgreSQL refuses to run as root), nil otherwise.
func serverCredential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("running as root needs a `postgres` user to run PostgreSQL as: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// traversable makes every directory from dir up to / searchable by others,
// so the postgres user can reach its data directory.
func traversable(dir string) error {
	for d := dir; ; d = filepath.Dir(d) {
		st, err := os.Stat(d)
		if err != nil {
			return err
		}
		if st.Mode().Perm()&0o001 == 0 {
			if err := os.Chmod(d, st.Mode().Perm()|0o011); err != nil {
				return fmt.Errorf("make %s traversable for postgres: %w", d, err)
			}
		}
		if d == "/" || d == filepath.Dir(d) {
			return nil
		}
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
