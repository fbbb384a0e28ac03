package api

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/duban/duban"
	"github.com/duban/duban/authz"
)

// AuditEventOut is an audit event as the API shows it.
type AuditEventOut struct {
	ID        int64           `json:"id"`
	Tenant    string          `json:"tenant"`
	Seq       int64           `json:"seq"`
	Actor     string          `json:"actor"`
	Action    string          `json:"action"`
	Target    string          `json:"target"`
	Outcome   string          `json:"outcome" enum:"ok,denied"`
	RequestID string          `json:"request_id"`
	At        time.Time       `json:"at"`
	Summary   json.RawMessage `json:"summary"`
	Hash      string          `json:"hash"`
}

type listAuditIn struct {
	Tenant string `query:"tenant" maxLength:"6" doc:"Only this tenant's chain"`
	Action string `query:"action" maxLength:"64"`
	PageParams
}

type verifyAuditIn struct {
	Tenant string `query:"tenant" maxLength:"6" doc:"Verify only this tenant's subtree"`
	Mode   string `query:"mode" enum:"routine,full" default:"routine" doc:"routine: from each chain's verified checkpoint (what was added since); full: every event from the start"`
}

// VerifyOut is the result of a chain verification.
type VerifyOut struct {
	OK          bool              `json:"ok"`
	Checked     int               `json:"checked" doc:"Events checked"`
	FirstBroken *duban.BrokenLink `json:"first_broken,omitempty" doc:"The first event whose link does not verify"`
}

func (s *Server) registerAudit(api huma.API) {
	huma.Register(api, huma.Operation{
		OperationID: "list-audit-events", Method: http.MethodGet, Path: "/v1/audit/events", Tags: []string{"Audit"},
		Summary: "List audit events in your subtree, newest first (admin)", Security: bearerSecurity,
	}, func(ctx context.Context, in *listAuditIn) (*struct{ Body Page[AuditEventOut] }, error) {
		scope, before, err := s.listFromID(ctx, authz.AuditList, in.Tenant, in.Cursor)
		if err != nil {
			return nil, err
		}
		evs, total, err := s.DB.ListAuditEvents(ctx, scope, duban.AuditFilter{Tenant: in.Tenant, Action: in.Action, BeforeID: before, Limit: in.Limit})
		if err != nil {
			return nil, problem(err)
		}
		out := make([]AuditEventOut, len(evs))
		for i, e := range evs {
			out[i] = AuditEventOut{ID: e.ID, Tenant: e.Tenant, Seq: e.Seq, Actor: e.Actor, Action: e.Action, Target: e.Target,
				Outcome: e.Outcome, RequestID: e.RequestID, At: e.At, Summary: e.Summary, Hash: e.Hash}
		}
		return &struct{ Body Page[AuditEventOut] }{pageOf(out, total, in.Limit, func(e AuditEventOut) string { return strconv.FormatInt(e.ID, 10) })}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "verify-audit-chain", Method: http.MethodGet, Path: "/v1/audit/verify", Tags: []string{"Audit"},
		Summary: "Verify the audit hash chains in your subtree and report the first broken link (admin)", Security: bearerSecurity,
		Description: "Routine (the default): each chain from its verified checkpoint — the checkpoint event re-hashed and held to the hash recorded when it was verified, then every event added since. " +
			"Full: every event from the start. Either, finding nothing broken, moves the checkpoints to the events it verified (never backwards).",
	}, func(ctx context.Context, in *verifyAuditIn) (*struct{ Body VerifyOut }, error) {
		scope, err := s.listScope(ctx, authz.AuditVerify, in.Tenant)
		if err != nil {
			return nil, err
		}
		if in.Tenant != "" {
			scope = []string{s.Dir.Get(in.Tenant).Path}
		}
		broken, n, err := s.DB.VerifyAudit(ctx, scope, in.Mode == "full")
		if err != nil {
			return nil, problem(err)
		}
		return &struct{ Body VerifyOut }{VerifyOut{OK: broken == nil, Checked: n, FirstBroken: broken}}, nil
	})
}
