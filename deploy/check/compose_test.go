package check

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
)

// TestComposeLoadsWithTheComposeSpec loads the Compose file with the
// compose-spec Go library (what `docker compose` uses): interpolation,
// extension fields, anchors, dependency conditions and secrets are
// checked the way Docker Compose checks them.
func TestComposeLoadsWithTheComposeSpec(t *testing.T) {
	dir, err := filepath.Abs("../compose")
	if err != nil {
		t.Fatal(err)
	}
	p, err := loader.LoadWithContext(context.Background(), types.ConfigDetails{
		WorkingDir:  dir,
		ConfigFiles: []types.ConfigFile{{Filename: filepath.Join(dir, "compose.yaml")}},
		Environment: types.Mapping{"AUTH_ISSUER": "https://sso.example.gov.cn", "AUTH_JWKS_URL": "https://sso.example.gov.cn/jwks",
			"TEMPORAL_DB_PASSWORD": "x"},
	}, func(o *loader.Options) { o.SkipResolveEnvironment = true })
	if err != nil {
		t.Fatal(err)
	}
	serve, err := p.GetService("serve")
	if err != nil {
		t.Fatal(err)
	}
	if serve.Environment["AUTH_ISSUER"] == nil || *serve.Environment["AUTH_ISSUER"] != "https://sso.example.gov.cn" {
		t.Errorf("serve's AUTH_ISSUER not interpolated: %v", serve.Environment["AUTH_ISSUER"])
	}
	if c := serve.DependsOn["migrate"].Condition; c != types.ServiceConditionCompletedSuccessfully {
		t.Errorf("serve waits for migrate with %q", c)
	}
	if len(p.Services) != 7 {
		t.Errorf("%d services", len(p.Services))
	}
	// a required variable left unset is refused, as docker compose refuses it
	_, err = loader.LoadWithContext(context.Background(), types.ConfigDetails{WorkingDir: dir,
		ConfigFiles: []types.ConfigFile{{Filename: filepath.Join(dir, "compose.yaml")}}, Environment: types.Mapping{}},
		func(o *loader.Options) { o.SkipResolveEnvironment = true })
	if err == nil {
		t.Error("AUTH_ISSUER is required, but the file loaded without it")
	}
}
