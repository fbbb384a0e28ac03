package devstack

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/testsuite"
)

// TemporalCLIModule is the CLI built when no `temporal` binary is found.
const TemporalCLIModule = "github.com/temporalio/cli/cmd/temporal@v1.5.1"

// ModuleRoot finds the directory holding Duban's go.mod, walking up from the
// working directory; "" when there is none.
func ModuleRoot() string {
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && containsModule(b) {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

func containsModule(gomod []byte) bool {
	const want = "module github.com/duban/duban"
	return len(gomod) >= len(want) && string(gomod[:len(want)]) == want
}

// TemporalBinary returns a `temporal` CLI: $DUBAN_TEMPORAL_BIN, one on PATH,
// or binDir/temporal, building it there from the module proxy the first time
// (a few minutes). Concurrent callers (parallel test packages) share one
// build through a lock file.
func TemporalBinary(ctx context.Context, binDir string, progress io.Writer) (string, error) {
	if p := os.Getenv("DUBAN_TEMPORAL_BIN"); p != "" {
		return p, nil
	}
	if p, err := exec.LookPath("temporal"); err == nil {
		return p, nil
	}
	if progress == nil {
		progress = io.Discard
	}
	binDir, err := filepath.Abs(binDir)
	if err != nil {
		return "", err
	}
	target := filepath.Join(binDir, "temporal")
	if isExec(target) {
		return target, nil
	}
	if err := os.MkdirAll(binDir, 0o755); err != nil {
		return "", err
	}
	lock, err := os.OpenFile(filepath.Join(binDir, ".temporal.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return "", err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", err
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	if isExec(target) { // built by someone else while we waited
		return target, nil
	}
	fmt.Fprintf(progress, "Building the Temporal CLI (%s) into %s — first run only, takes a few minutes…\n", TemporalCLIModule, binDir)
	cmd := exec.CommandContext(ctx, "go", "install", TemporalCLIModule)
	cmd.Env = append(os.Environ(), "GOBIN="+binDir, "GOFLAGS=-mod=mod")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build temporal CLI: %w: %s", err, out)
	}
	return target, nil
}

// TemporalOptions configure StartTemporal.
type TemporalOptions struct {
	Binary    string
	HostPort  string // "" picks a free port
	Namespace string
	DBFile    string // "" keeps state in memory
	UI        bool
	UIPort    string
	Log       io.Writer
}

// Temporal is a running dev server.
type Temporal struct {
	*testsuite.DevServer
	UIAddress string
}

// StartTemporal starts `temporal server start-dev` and waits until it serves.
func StartTemporal(ctx context.Context, opts TemporalOptions) (*Temporal, error) {
	if opts.Namespace == "" {
		opts.Namespace = "default"
	}
	logw := opts.Log
	if logw == nil {
		logw = io.Discard
	}
	ds, err := testsuite.StartDevServer(ctx, testsuite.DevServerOptions{
		ExistingPath:  opts.Binary,
		ClientOptions: &client.Options{HostPort: opts.HostPort, Namespace: opts.Namespace, Logger: quietLogger{}},
		DBFilename:    opts.DBFile,
		EnableUI:      opts.UI,
		UIPort:        opts.UIPort,
		LogLevel:      "error",
		Stdout:        logw,
		Stderr:        logw,
	})
	if err != nil {
		return nil, fmt.Errorf("start temporal dev server: %w", err)
	}
	t := &Temporal{DevServer: ds}
	if opts.UI && opts.UIPort != "" {
		t.UIAddress = "http://127.0.0.1:" + opts.UIPort
	}
	return t, nil
}

// quietLogger drops the SDK client's log lines.
type quietLogger struct{}

func (quietLogger) Debug(string, ...interface{}) {}
func (quietLogger) Info(string, ...interface{})  {}
func (quietLogger) Warn(string, ...interface{})  {}
func (quietLogger) Error(string, ...interface{}) {}
