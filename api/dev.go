package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/duban/duban"
)

type devTokenIn struct {
	Body struct {
		User string `json:"user" minLength:"2" maxLength:"63" doc:"Login of a seeded or created user"`
	}
}

type devTokenOut struct {
	Body struct {
		Token     string `json:"token"`
		ExpiresIn int    `json:"expires_in" doc:"Seconds"`
	}
}

// registerDev adds dev-mode-only operations; never called outside dev mode.
func (s *Server) registerDev(api huma.API) {
	huma.Register(api, huma.Operation{
		OperationID: "create-dev-token", Method: http.MethodPost, Path: "/v1/dev/tokens", Tags: []string{"Dev"},
		Summary:      "Mint a token for a user (dev mode only)",
		Description:  "Exists only when the server runs under `duban dev`.",
		MaxBodyBytes: MaxBodyBytes,
	}, func(ctx context.Context, in *devTokenIn) (*devTokenOut, error) {
		if _, err := s.DB.GetUser(ctx, duban.SystemScope, in.Body.User); err != nil {
			return nil, problem(err)
		}
		tok, err := s.DevSigner.Sign(in.Body.User, s.Now())
		if err != nil {
			return nil, huma.Error500InternalServerError("internal error")
		}
		out := &devTokenOut{}
		out.Body.Token = tok
		out.Body.ExpiresIn = int(s.DevSigner.TTL.Seconds())
		return out, nil
	})
}
