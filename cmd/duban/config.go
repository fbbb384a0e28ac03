package main

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/duban/duban/api"
	"github.com/duban/duban/egress"
)

// Config is the production configuration, read from the environment.
type Config struct {
	Addr              string         // DUBAN_ADDR
	AdminAddr         string         // DUBAN_ADMIN_ADDR: /metrics, /livez, /readyz (none: off)
	DatabaseURL       string         // DATABASE_URL: application role (RLS applies)
	DatabaseAdminURL  string         // DATABASE_ADMIN_URL: schema owner, for migrate
	TemporalAddress   string         // TEMPORAL_ADDRESS
	TemporalNamespace string         // TEMPORAL_NAMESPACE
	TaskQueue         string         // DUBAN_TASK_QUEUE
	AuthIssuer        string         // AUTH_ISSUER
	AuthAudience      string         // AUTH_AUDIENCE
	AuthPublicKeyFile string         // AUTH_PUBLIC_KEY_FILE: PEM public key
	AuthJWKSURL       string         // AUTH_JWKS_URL
	RateLimit         api.RateLimit  // DUBAN_RATE_LIMIT (requests/s per user, 0 = off), DUBAN_RATE_BURST
	CORSOrigins       []string       // DUBAN_CORS_ORIGINS, comma-separated; empty = CORS off
	WebhookAllow      []netip.Prefix // DUBAN_WEBHOOK_ALLOW: private targets an operator allows
	BlobURL           string         // DUBAN_BLOB_URL: attachment store (file:///dir, s3://bucket?…)
	PIIKey            string         // DUBAN_PII_KEY (or _FILE): base64 of 32 random bytes sealing personal data
	ScanCommand       []string       // DUBAN_SCAN_COMMAND: virus scan run on each upload (stdin)
	ConsoleClientID   string         // AUTH_CONSOLE_CLIENT_ID: the console's public OIDC client
	StickyCacheSize   int            // DUBAN_STICKY_CACHE: workflows a worker keeps in memory (app.DefaultStickyCacheSize)
	Err               error          // a variable that could not be read
}

func env(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// secret reads a setting that may instead come from a file (NAME_FILE,
// e.g. a mounted Kubernetes or Docker secret); both set is an error.
func secret(name string, errs *[]error) string {
	v, file := os.Getenv(name), os.Getenv(name+"_FILE")
	if file == "" {
		return v
	}
	if v != "" {
		*errs = append(*errs, fmt.Errorf("%s and %s_FILE are both set: set one", name, name))
		return v
	}
	b, err := os.ReadFile(file)
	if err != nil {
		*errs = append(*errs, fmt.Errorf("%s_FILE: %w", name, err))
		return ""
	}
	return strings.TrimRight(string(b), "\r\n")
}

func configFromEnv() Config {
	var errs []error
	dbURL := secret("DATABASE_URL", &errs)
	adminURL := secret("DATABASE_ADMIN_URL", &errs)
	if adminURL == "" {
		adminURL = dbURL
	}
	c := Config{
		Addr:              env("DUBAN_ADDR", "127.0.0.1:8080"),
		AdminAddr:         os.Getenv("DUBAN_ADMIN_ADDR"),
		DatabaseURL:       dbURL,
		DatabaseAdminURL:  adminURL,
		TemporalAddress:   env("TEMPORAL_ADDRESS", "127.0.0.1:7233"),
		TemporalNamespace: env("TEMPORAL_NAMESPACE", "default"),
		TaskQueue:         env("DUBAN_TASK_QUEUE", "duban"),
		AuthIssuer:        os.Getenv("AUTH_ISSUER"),
		AuthAudience:      os.Getenv("AUTH_AUDIENCE"),
		AuthPublicKeyFile: os.Getenv("AUTH_PUBLIC_KEY_FILE"),
		AuthJWKSURL:       os.Getenv("AUTH_JWKS_URL"),
		RateLimit:         rateFromEnv(&errs),
		CORSOrigins:       splitList(os.Getenv("DUBAN_CORS_ORIGINS")),
		BlobURL:           os.Getenv("DUBAN_BLOB_URL"),
		PIIKey:            secret("DUBAN_PII_KEY", &errs),
		ScanCommand:       strings.Fields(os.Getenv("DUBAN_SCAN_COMMAND")),
		ConsoleClientID:   env("AUTH_CONSOLE_CLIENT_ID", "duban-console"),
	}
	var err error
	if c.WebhookAllow, err = egress.ParseAllow(os.Getenv("DUBAN_WEBHOOK_ALLOW")); err != nil {
		errs = append(errs, err)
	}
	if s := os.Getenv("DUBAN_STICKY_CACHE"); s != "" {
		if c.StickyCacheSize, err = strconv.Atoi(s); err != nil || c.StickyCacheSize <= 0 {
			errs = append(errs, fmt.Errorf("DUBAN_STICKY_CACHE: want a whole number of workflows > 0, got %q", s))
		}
	}
	c.Err = errors.Join(errs...)
	return c
}

// rateFromEnv reads the per-user rate limit; defaults apply in every mode.
// A value that does not parse is an error, not a silent default.
func rateFromEnv(errs *[]error) api.RateLimit {
	r := api.DefaultRateLimit
	if s := os.Getenv("DUBAN_RATE_LIMIT"); s != "" {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || v < 0 {
			*errs = append(*errs, fmt.Errorf("DUBAN_RATE_LIMIT: want requests per second ≥ 0, got %q", s))
		} else {
			r.PerSecond = v
		}
	}
	if s := os.Getenv("DUBAN_RATE_BURST"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v <= 0 {
			*errs = append(*errs, fmt.Errorf("DUBAN_RATE_BURST: want a whole number > 0, got %q", s))
		} else {
			r.Burst = v
		}
	}
	return r
}

// setupLogging sets the process's logger: DUBAN_LOG_FORMAT json (the
// default for serve and worker: one JSON object per line) or text (the
// default for dev), DUBAN_LOG_LEVEL debug, info (default), warn or error.
func setupLogging(defaultFormat string) error {
	format := env("DUBAN_LOG_FORMAT", defaultFormat)
	var level slog.Level
	if s := os.Getenv("DUBAN_LOG_LEVEL"); s != "" {
		if err := level.UnmarshalText([]byte(s)); err != nil {
			return fmt.Errorf("DUBAN_LOG_LEVEL: want debug, info, warn or error, got %q", s)
		}
	}
	opts := &slog.HandlerOptions{Level: level}
	switch format {
	case "json":
		slog.SetDefault(slog.New(slog.NewJSONHandler(os.Stderr, opts)))
	case "text":
		slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, opts)))
	default:
		return fmt.Errorf("DUBAN_LOG_FORMAT: want json or text, got %q", format)
	}
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// verifier builds the production token verifier.
func (c Config) verifier() (api.Verifier, error) {
	if c.AuthIssuer == "" || c.AuthAudience == "" {
		return nil, errors.New("AUTH_ISSUER and AUTH_AUDIENCE are required")
	}
	v := &api.KeyVerifier{Issuer: c.AuthIssuer, Audience: c.AuthAudience, MaxLifetime: api.DefaultMaxTokenLifetime}
	if s := os.Getenv("AUTH_MAX_TOKEN_LIFETIME"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("AUTH_MAX_TOKEN_LIFETIME: want a duration like 12h, got %q", s)
		}
		v.MaxLifetime = d
	}
	switch {
	case c.AuthJWKSURL != "":
		j := &api.JWKS{URL: c.AuthJWKSURL}
		v.Keys = j.Key
	case c.AuthPublicKeyFile != "":
		b, err := os.ReadFile(c.AuthPublicKeyFile)
		if err != nil {
			return nil, err
		}
		key, err := api.ParsePublicKeyPEM(b)
		if err != nil {
			return nil, fmt.Errorf("AUTH_PUBLIC_KEY_FILE: %w", err)
		}
		v.Keys = func(context.Context, string) (crypto.PublicKey, error) { return key, nil }
	default:
		return nil, errors.New("set AUTH_JWKS_URL or AUTH_PUBLIC_KEY_FILE")
	}
	return v, nil
}
