package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestConfigFailsFast(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"DUBAN_RATE_LIMIT": "fast"}, "DUBAN_RATE_LIMIT"},
		{map[string]string{"DUBAN_RATE_BURST": "-1"}, "DUBAN_RATE_BURST"},
		{map[string]string{"DUBAN_WEBHOOK_ALLOW": "not-a-cidr"}, "DUBAN_WEBHOOK_ALLOW"},
		{map[string]string{"DATABASE_URL": "postgres://a", "DATABASE_URL_FILE": "/x"}, "both set"},
		{map[string]string{"DATABASE_URL_FILE": "/nonexistent/secret"}, "DATABASE_URL_FILE"},
	} {
		t.Run(c.want, func(t *testing.T) {
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			cfg := configFromEnv()
			if cfg.Err == nil || !contains(cfg.Err.Error(), c.want) {
				t.Fatalf("want an error naming %s, got %v", c.want, cfg.Err)
			}
		})
	}
	t.Run("secret from a file", func(t *testing.T) {
		f := filepath.Join(t.TempDir(), "db")
		if err := os.WriteFile(f, []byte("postgres://app@db/duban\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		t.Setenv("DATABASE_URL_FILE", f)
		cfg := configFromEnv()
		if cfg.Err != nil || cfg.DatabaseURL != "postgres://app@db/duban" || cfg.DatabaseAdminURL != cfg.DatabaseURL {
			t.Fatalf("%+v", cfg)
		}
	})
	t.Run("log settings", func(t *testing.T) {
		t.Setenv("DUBAN_LOG_LEVEL", "loud")
		if err := setupLogging("json"); err == nil {
			t.Fatal("a bad log level was accepted")
		}
		t.Setenv("DUBAN_LOG_LEVEL", "debug")
		t.Setenv("DUBAN_LOG_FORMAT", "xml")
		if err := setupLogging("json"); err == nil {
			t.Fatal("a bad log format was accepted")
		}
	})
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
