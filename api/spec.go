package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"

	"github.com/duban/duban"
)

// OpenAPI returns the API's OpenAPI document with every operation, the
// workflow-backed and dev-mode ones included: what `duban openapi` prints
// and the console's typed client is generated from. It needs no database.
func OpenAPI() ([]byte, error) {
	s := &Server{Engine: specEngine{}, DevSigner: &DevSigner{}}
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/openapi.json", nil))
	if rec.Code != http.StatusOK {
		return nil, errors.New("openapi.json: " + rec.Body.String())
	}
	var doc any // re-indented for a readable diff of the committed copy
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		return nil, err
	}
	return json.MarshalIndent(doc, "", "  ")
}

// specEngine only makes the workflow-backed operations part of the
// document; it is never called.
type specEngine struct{}

var errSpecOnly = duban.Errorf(duban.EUnavailable, "the workflow service is unavailable; retry with the same Idempotency-Key")

func (specEngine) Start(context.Context, string, string, any) error       { return errSpecOnly }
func (specEngine) Update(context.Context, string, string, any, any) error { return errSpecOnly }
func (specEngine) Cancel(context.Context, string) error                   { return errSpecOnly }
func (specEngine) Ping(context.Context) error                             { return errSpecOnly }
