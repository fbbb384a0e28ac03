package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
)

// AuthConfig tells the console how its users log in: in dev mode by
// picking a persona; in production by OpenID Connect (authorization code
// flow with PKCE) against the issuer whose tokens the API verifies.
type AuthConfig struct {
	Mode     string   `json:"mode" enum:"dev,oidc" doc:"dev: persona picker; oidc: redirect to the issuer"`
	Issuer   string   `json:"issuer,omitempty" doc:"OpenID Connect issuer (AUTH_ISSUER)"`
	ClientID string   `json:"client_id,omitempty" doc:"The console's public client id at the issuer (AUTH_CONSOLE_CLIENT_ID)"`
	Scopes   []string `json:"scopes,omitempty"`
}

type authConfigOut struct {
	Body AuthConfig
}

func (s *Server) registerAuthConfig(api huma.API) {
	huma.Register(api, huma.Operation{
		OperationID: "get-auth-config", Method: http.MethodGet, Path: "/v1/auth/config", Tags: []string{"Auth"},
		Summary: "How the console logs users in",
	}, func(ctx context.Context, _ *struct{}) (*authConfigOut, error) {
		c := s.AuthConfig
		if s.DevSigner != nil {
			c = AuthConfig{Mode: "dev"}
		} else if c.Mode == "" {
			c.Mode = "oidc"
		}
		if c.Mode == "oidc" && len(c.Scopes) == 0 {
			c.Scopes = []string{"openid", "profile"}
		}
		return &authConfigOut{Body: c}, nil
	})
}
