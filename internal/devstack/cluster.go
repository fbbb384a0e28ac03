package devstack

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"text/template"
	"time"

	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/types/known/durationpb"
)

// TemporalServerModule is the server release the CLI's dev server embeds;
// the cluster rehearsal builds it and its schema tool from source.
const (
	TemporalServerModule  = "go.temporal.io/server/cmd/server@v1.29.1"
	TemporalSQLToolModule = "go.temporal.io/server/cmd/tools/sql@v1.29.1"
)

// ClusterOptions describe a Temporal cluster on one machine: PostgreSQL
// persistence, frontend, history, matching and the internal worker as
// separate processes on loopback ports from BasePort.
type ClusterOptions struct {
	Dir       string    // config and logs
	Postgres  *Postgres // persistence (databases temporal and temporal_visibility)
	Server    string    // the temporal-server binary
	SQLTool   string    // the temporal-sql-tool binary
	SchemaDir string    // …/schema/postgresql/v12 of the server module
	Shards    int       // history shards (default 8)
	BasePort  int       // frontend gRPC; the others follow (default 17233)
	Log       io.Writer
}

// Cluster is a running Temporal cluster; each service can be killed and
// started again (the fault test).
type Cluster struct {
	opts  ClusterOptions
	mu    sync.Mutex
	procs map[string]*exec.Cmd
	done  map[string]chan struct{}
}

// Services are the Temporal services, each its own process.
var Services = []string{"frontend", "history", "matching", "worker"}

// FrontendHostPort is where clients connect.
func (c *Cluster) FrontendHostPort() string { return fmt.Sprintf("127.0.0.1:%d", c.opts.BasePort) }

// StartTemporalCluster creates and upgrades the schema with the schema
// tool, writes the server's configuration, starts the four services one
// after another (all at once, history has been seen to fail cluster
// metadata initialisation) and registers the default namespace.
func StartTemporalCluster(ctx context.Context, opts ClusterOptions) (*Cluster, error) {
	if opts.Shards == 0 {
		opts.Shards = 8
	}
	if opts.BasePort == 0 {
		opts.BasePort = 17233
	}
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	if err := os.MkdirAll(filepath.Join(opts.Dir, "config", "dynamicconfig"), 0o755); err != nil {
		return nil, err
	}
	for _, db := range []struct{ name, schema string }{{"temporal", "temporal"}, {"temporal_visibility", "visibility"}} {
		tool := func(args ...string) error {
			base := []string{"--plugin", "postgres12", "--ep", "127.0.0.1", "--port", fmt.Sprint(opts.Postgres.Port), "--user", "postgres", "--db", db.name}
			cmd := exec.CommandContext(ctx, opts.SQLTool, append(base, args...)...)
			cmd.Stdout, cmd.Stderr = opts.Log, opts.Log
			if err := cmd.Run(); err != nil {
				return fmt.Errorf("temporal-sql-tool %s on %s: %w", args[0], db.name, err)
			}
			return nil
		}
		_ = tool("create-database") // exists on a restart
		if err := tool("setup-schema", "-v", "0.0"); err != nil {
			fmt.Fprintln(opts.Log, "setup-schema:", err, "(already set up)")
		}
		if err := tool("update-schema", "-d", filepath.Join(opts.SchemaDir, db.schema, "versioned")); err != nil {
			return nil, err
		}
	}
	if err := writeClusterConfig(opts); err != nil {
		return nil, err
	}
	c := &Cluster{opts: opts, procs: map[string]*exec.Cmd{}, done: map[string]chan struct{}{}}
	for _, s := range Services {
		if err := c.Start(s); err != nil {
			c.Stop()
			return nil, err
		}
		time.Sleep(2 * time.Second)
	}
	if err := c.waitNamespace(ctx); err != nil {
		c.Stop()
		return nil, err
	}
	return c, nil
}

// Start starts one service (again).
func (c *Cluster) Start(service string) error {
	logf, err := os.OpenFile(filepath.Join(c.opts.Dir, service+".log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	cmd := exec.Command(c.opts.Server, "--root", c.opts.Dir, "--config", "config", "--env", "cluster", "--allow-no-auth", "start", "--service", service)
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.Dir = c.opts.Dir // the dynamic config path is relative to it
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("start temporal %s: %w", service, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); logf.Close(); close(done) }()
	c.mu.Lock()
	c.procs[service], c.done[service] = cmd, done
	c.mu.Unlock()
	return nil
}

// Kill sends SIGKILL to one service and waits for it to die.
func (c *Cluster) Kill(service string) {
	c.mu.Lock()
	cmd, done := c.procs[service], c.done[service]
	c.mu.Unlock()
	if cmd != nil && cmd.Process != nil {
		_ = cmd.Process.Kill()
		<-done
	}
}

// Stop interrupts every service and waits for them.
func (c *Cluster) Stop() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := len(Services) - 1; i >= 0; i-- {
		cmd, done := c.procs[Services[i]], c.done[Services[i]]
		if cmd == nil || cmd.Process == nil {
			continue
		}
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	}
}

// waitNamespace waits for the frontend and registers "default".
func (c *Cluster) waitNamespace(ctx context.Context) error {
	deadline := time.Now().Add(3 * time.Minute)
	var last error
	for time.Now().Before(deadline) {
		nc, err := client.NewNamespaceClient(client.Options{HostPort: c.FrontendHostPort(), Logger: quietLogger{}})
		if err == nil {
			err = nc.Register(ctx, &workflowservice.RegisterNamespaceRequest{Namespace: "default", WorkflowExecutionRetentionPeriod: durationpb.New(72 * time.Hour)})
			if err != nil && strings.Contains(err.Error(), "already") {
				err = nil
			}
			if err == nil {
				_, err = nc.Describe(ctx, "default")
			}
			nc.Close()
			if err == nil {
				return nil
			}
		}
		last = err
		time.Sleep(time.Second)
	}
	return fmt.Errorf("the Temporal cluster did not come up within 3 minutes (logs in %s): %w", c.opts.Dir, last)
}

var clusterConfig = template.Must(template.New("cluster").Funcs(template.FuncMap{"add": func(a, b int) int { return a + b }}).Parse(`log:
  stdout: true
  level: warn
persistence:
  defaultStore: default
  visibilityStore: visibility
  numHistoryShards: {{.Shards}}
  datastores:
    default:
      sql:
        pluginName: postgres12
        databaseName: temporal
        connectAddr: "127.0.0.1:{{.PG}}"
        connectProtocol: tcp
        user: postgres
        password: ""
        maxConns: 20
        maxIdleConns: 20
        maxConnLifetime: 1h
    visibility:
      sql:
        pluginName: postgres12
        databaseName: temporal_visibility
        connectAddr: "127.0.0.1:{{.PG}}"
        connectProtocol: tcp
        user: postgres
        password: ""
        maxConns: 5
        maxIdleConns: 5
        maxConnLifetime: 1h
global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: 127.0.0.1
services:
  frontend:
    rpc: {grpcPort: {{.Frontend}}, membershipPort: {{add .Frontend 100}}, bindOnLocalHost: true, httpPort: {{add .Frontend 10}}}
  history:
    rpc: {grpcPort: {{add .Frontend 1}}, membershipPort: {{add .Frontend 101}}, bindOnLocalHost: true}
  matching:
    rpc: {grpcPort: {{add .Frontend 2}}, membershipPort: {{add .Frontend 102}}, bindOnLocalHost: true}
  worker:
    rpc: {grpcPort: {{add .Frontend 6}}, membershipPort: {{add .Frontend 106}}, bindOnLocalHost: true}
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: active
  currentClusterName: active
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: frontend
      rpcAddress: "127.0.0.1:{{.Frontend}}"
      httpAddress: "127.0.0.1:{{add .Frontend 10}}"
dcRedirectionPolicy:
  policy: noop
archival:
  history: {state: disabled}
  visibility: {state: disabled}
namespaceDefaults:
  archival:
    history: {state: disabled}
    visibility: {state: disabled}
publicClient:
  hostPort: "127.0.0.1:{{.Frontend}}"
dynamicConfigClient:
  filepath: config/dynamicconfig/cluster.yaml
  pollInterval: 60s
`))

func writeClusterConfig(o ClusterOptions) error {
	f, err := os.Create(filepath.Join(o.Dir, "config", "cluster.yaml"))
	if err != nil {
		return err
	}
	defer f.Close()
	if err := os.WriteFile(filepath.Join(o.Dir, "config", "dynamicconfig", "cluster.yaml"),
		[]byte("frontend.enableUpdateWorkflowExecution:\n  - value: true\nfrontend.enableServerVersionCheck:\n  - value: false\n"), 0o644); err != nil {
		return err
	}
	return clusterConfig.Execute(f, map[string]int{"Shards": o.Shards, "PG": o.Postgres.Port, "Frontend": o.BasePort})
}

// GoInstall builds module into dir once (GOBIN) and returns the binary's
// path; progress says so while it builds.
func GoInstall(ctx context.Context, dir, name, module string, progress io.Writer) (string, error) {
	target := filepath.Join(dir, name)
	if isExec(target) {
		return target, nil
	}
	if progress != nil {
		fmt.Fprintf(progress, "Building %s into %s (first run only, several minutes)…\n", module, dir)
	}
	cmd := exec.CommandContext(ctx, "go", "install", module)
	cmd.Env = append(os.Environ(), "GOBIN="+dir, "GOFLAGS=-mod=mod")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go install %s: %w: %s", module, err, out)
	}
	return target, nil
}

// ModuleDir is the module cache directory of a module version (downloaded
// when missing), e.g. for the Temporal server's schema files.
func ModuleDir(ctx context.Context, mod string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "mod", "download", "-json", mod)
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go mod download %s: %w", mod, err)
	}
	var m struct{ Dir string }
	if err := json.Unmarshal(out, &m); err != nil || m.Dir == "" {
		return "", fmt.Errorf("no directory for %s", mod)
	}
	return m.Dir, nil
}

// ChromiumPath finds a Chromium to drive (DUBAN_CHROMIUM, then the usual
// names on PATH); "" when there is none.
func ChromiumPath() string {
	for _, p := range []string{os.Getenv("DUBAN_CHROMIUM"), "chromium", "chromium-browser", "google-chrome"} {
		if p == "" {
			continue
		}
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	return ""
}
