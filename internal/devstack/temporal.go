package devstack

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
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

// Temporal is a running dev server, a child process that dies with us
// (Pdeathsig), even when we are killed.
type Temporal struct {
	UIAddress string
	hostPort  string
	cmd       *exec.Cmd
	done      chan struct{}
}

// FrontendHostPort is the gRPC address clients dial.
func (t *Temporal) FrontendHostPort() string { return t.hostPort }

// StartTemporal starts `temporal server start-dev` and waits until it serves.
func StartTemporal(ctx context.Context, opts TemporalOptions) (*Temporal, error) {
	if opts.Namespace == "" {
		opts.Namespace = "default"
	}
	if opts.HostPort == "" {
		p, err := freePort()
		if err != nil {
			return nil, err
		}
		opts.HostPort = "127.0.0.1:" + strconv.Itoa(p)
	}
	host, port, err := net.SplitHostPort(opts.HostPort)
	if err != nil {
		return nil, fmt.Errorf("temporal address %q: %w", opts.HostPort, err)
	}
	args := []string{"server", "start-dev", "--ip", host, "--port", port, "--namespace", opts.Namespace,
		"--log-level", "error", "--dynamic-config-value", "frontend.enableServerVersionCheck=false"}
	if opts.DBFile != "" {
		args = append(args, "--db-filename", opts.DBFile)
	}
	if opts.UI && opts.UIPort != "" {
		args = append(args, "--ui-port", opts.UIPort)
	} else {
		args = append(args, "--headless")
	}
	logw := opts.Log
	if logw == nil {
		logw = io.Discard
	}
	cmd := exec.Command(opts.Binary, args...)
	cmd.Stdout, cmd.Stderr = logw, logw
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM, Setpgid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start temporal dev server: %w", err)
	}
	t := &Temporal{hostPort: opts.HostPort, cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(t.done) }()
	if opts.UI && opts.UIPort != "" {
		t.UIAddress = "http://127.0.0.1:" + opts.UIPort
	}
	deadline := time.Now().Add(90 * time.Second)
	for {
		c, err := client.Dial(client.Options{HostPort: opts.HostPort, Namespace: opts.Namespace, Logger: quietLogger{}})
		if err == nil {
			_, err = c.CheckHealth(ctx, &client.CheckHealthRequest{})
			if err == nil {
				// the namespace must answer too
				_, err = c.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: opts.Namespace})
			}
			c.Close()
			if err == nil {
				return t, nil
			}
		}
		select {
		case <-t.done:
			return nil, fmt.Errorf("temporal dev server exited during start; see its log")
		case <-ctx.Done():
			_ = t.Stop()
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = t.Stop()
			return nil, fmt.Errorf("temporal dev server did not answer within 90s: %w", err)
		}
	}
}

// Stop interrupts the server and waits for it (killing it after 20 s).
func (t *Temporal) Stop() error {
	if t == nil || t.cmd == nil || t.cmd.Process == nil {
		return nil
	}
	_ = t.cmd.Process.Signal(os.Interrupt)
	select {
	case <-t.done:
	case <-time.After(20 * time.Second):
		_ = t.cmd.Process.Kill()
		<-t.done
	}
	return nil
}

// quietLogger drops the SDK client's log lines.
type quietLogger struct{}

func (quietLogger) Debug(string, ...interface{}) {}
func (quietLogger) Info(string, ...interface{})  {}
func (quietLogger) Warn(string, ...interface{})  {}
func (quietLogger) Error(string, ...interface{}) {}
