package api

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/duban/duban"
	"github.com/duban/duban/calendar"
	"github.com/duban/duban/workflows"
)

// Authorization actions on the registry (四库).
const (
	actRegistryRead   = "registry.read"
	actRegistryWrite  = "registry.write"
	actRegistryVerify = "registry.verify" // dual prevention verified (验收)
	actDangerousGate  = "dangerous.gate"  // pass a gate of a dangerous work
	actPersonReveal   = "person.reveal"   // read a person's whole ID number and phone (audited)
)

type creditCodePath struct {
	Code string `path:"code" maxLength:"18" doc:"统一社会信用代码"`
}

type projectPath struct {
	Code string `path:"code" maxLength:"64" doc:"项目编号"`
}

type personPath struct {
	ID string `path:"id" maxLength:"40"`
}

// Operations with a path parameter and a body name the parameter as a
// field of their own (huma reads no parameters of embedded structs there).

// RegistryListParams are the filters every registry list takes. huma reads
// parameters of embedded structs one level deep only: each list embeds
// this and PageParams side by side.
type RegistryListParams struct {
	Tenant string `query:"tenant" maxLength:"6" doc:"Only records registered in this tenant's subtree"`
	Q      string `query:"q" maxLength:"100" doc:"Name substring (Chinese or not) or code prefix"`
	Line   string `query:"line" enum:"construction,emergency,market,safety_office,food_office"`
}

func (s *Server) registerRegistry(api huma.API) {
	s.registerEnterprises(api)
	s.registerProjects(api)
	s.registerPersonnel(api)
	s.registerDangerousWorks(api)
	s.registerRegistryFiles(api)
	s.registerCoverage(api)
}

// registryScope is the caller's read scope and the subtree a list is
// limited to (a tenant the caller may read, else none).
func (s *Server) registryScope(ctx context.Context, action, tenant, cursor string) ([]string, string, string, error) {
	scope, after, err := s.listFrom(ctx, action, tenant, cursor)
	if err != nil {
		return nil, "", "", err
	}
	within := ""
	if tenant != "" {
		within = s.Dir.Get(tenant).Path
	}
	return scope, within, after, nil
}

// saveOne writes one record and answers 409 on a conflict, 422 on a row
// error (a key registered out of view, an enterprise named that the
// province does not have).
func (s *Server) saveOne(ctx context.Context, w duban.RegistryWrite, action string) (string, error) {
	scope := s.Authz.Scope(principal(ctx), actRegistryWrite)
	outcomes, rowErrs, err := s.DB.SaveRegistry(ctx, scope, []duban.RegistryWrite{w},
		duban.RegistryAudit{Tenant: w.Tenant, Action: action, Target: w.Kind + "/" + w.Key}, true)
	if err != nil {
		return "", problem(err)
	}
	if errs := rowErrs[0]; len(errs) > 0 {
		if errs[0].Field == "key" {
			return "", problem(&duban.Error{Code: duban.EConflict, Message: errs[0].Message})
		}
		fields := make([]duban.FieldError, len(errs))
		for i, e := range errs {
			fields[i] = duban.FieldError{Location: "body." + e.Field, Message: e.Message, Value: e.Value}
		}
		return "", problem(&duban.Error{Code: duban.EInvalid, Message: "validation failed", Fields: fields})
	}
	return outcomes[0], nil
}

// writeRecord checks the caller may write a record where it is (an update:
// curTenant, curLines) and where the write puts it, then writes it.
func (s *Server) writeRecord(ctx context.Context, curTenant string, curLines []duban.Line, w duban.RegistryWrite, action string) error {
	if curTenant != "" {
		if err := s.require(ctx, actRegistryWrite, curTenant, curLines...); err != nil {
			return err
		}
	}
	if err := s.require(ctx, actRegistryWrite, w.Tenant, w.Lines...); err != nil {
		return err
	}
	_, err := s.saveOne(ctx, w, action)
	return err
}

// enterpriseWrite is the store write of an enterprise.
func enterpriseWrite(e *duban.Enterprise, expect int64) duban.RegistryWrite {
	var grade any
	if g := duban.GeneralContractGrade(e.Qualifications); g >= 0 {
		grade = g
	}
	mismatch := addressMismatch(e.LicensedAddress, e.OperatingAddress)
	return duban.RegistryWrite{Kind: duban.KindEnterprises, Key: e.CreditCode, Tenant: e.Tenant, Lines: e.Lines, Name: e.Name, Doc: e,
		Extra: []any{string(e.Kind), grade, e.Status, mismatch}, Expect: expect}
}

// addressMismatch: the licensed and operating addresses, both given,
// differ (blanks aside) — 证件办理地点和经营地点不相吻合.
func addressMismatch(a, b string) bool {
	strip := func(s string) string { return strings.Join(strings.Fields(s), "") }
	return a != "" && b != "" && strip(a) != strip(b)
}

func (s *Server) registerEnterprises(api huma.API) {
	huma.Register(api, huma.Operation{
		OperationID: "create-enterprise", Method: http.MethodPost, Path: "/v1/enterprises", Tags: []string{"Registry"},
		Summary:     "Register an enterprise (企业库): contractors, supervisors, food businesses, fireworks outlets …",
		Description: "The unified social credit code is checked by its GB 32100-2015 check character (422 naming credit_code). A code already registered is 409.",
		Security:    bearerSecurity, DefaultStatus: http.StatusCreated, MaxBodyBytes: MaxBodyBytes,
	}, func(ctx context.Context, in *struct{ Body duban.EnterpriseInput }) (*struct{ Body duban.Enterprise }, error) {
		e, err := in.Body.Validate(s.Dir, "body.")
		if err != nil {
			return nil, problem(err)
		}
		if err := s.writeRecord(ctx, "", nil, enterpriseWrite(e, -1), "enterprise.create"); err != nil {
			return nil, err
		}
		out, err := s.DB.GetEnterprise(ctx, s.Authz.Scope(principal(ctx), actRegistryRead), e.CreditCode)
		if err != nil {
			return nil, problem(err)
		}
		return &struct{ Body duban.Enterprise }{*out}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "update-enterprise", Method: http.MethodPut, Path: "/v1/enterprises/{code}", Tags: []string{"Registry"},
		Summary:     "Update an enterprise (optimistic: give the version you read)",
		Description: "A stale version is 409; the same content again changes nothing.",
		Security:    bearerSecurity, MaxBodyBytes: MaxBodyBytes,
	}, func(ctx context.Context, in *struct {
		Code string `path:"code" maxLength:"18" doc:"统一社会信用代码"`
		Body struct {
			duban.EnterpriseInput
			Version int64 `json:"version" minimum:"1" doc:"The version you read"`
		}
	}) (*struct{ Body duban.Enterprise }, error) {
		cur, err := s.DB.GetEnterprise(ctx, s.Authz.Scope(principal(ctx), actRegistryRead), strings.ToUpper(in.Code))
		if err != nil {
			return nil, problem(err)
		}
		in.Body.CreditCode = cur.CreditCode
		e, err := in.Body.EnterpriseInput.Validate(s.Dir, "body.")
		if err != nil {
			return nil, problem(err)
		}
		if err := s.writeRecord(ctx, cur.Tenant, cur.Lines, enterpriseWrite(e, in.Body.Version), "enterprise.update"); err != nil {
			return nil, err
		}
		out, err := s.DB.GetEnterprise(ctx, s.Authz.Scope(principal(ctx), actRegistryRead), e.CreditCode)
		if err != nil {
			return nil, problem(err)
		}
		return &struct{ Body duban.Enterprise }{*out}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "get-enterprise", Method: http.MethodGet, Path: "/v1/enterprises/{code}", Tags: []string{"Registry"},
		Summary: "Get an enterprise", Security: bearerSecurity,
	}, func(ctx context.Context, in *creditCodePath) (*struct{ Body duban.Enterprise }, error) {
		e, err := s.DB.GetEnterprise(ctx, s.Authz.Scope(principal(ctx), actRegistryRead), strings.ToUpper(in.Code))
		if err != nil {
			return nil, problem(err)
		}
		return &struct{ Body duban.Enterprise }{*e}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "list-enterprises", Method: http.MethodGet, Path: "/v1/enterprises", Tags: []string{"Registry"},
		Summary:     "Search the enterprise registry, by credit code or name, in a subtree",
		Description: "q matches a Chinese name substring (trigram index) or a credit-code prefix. Ordered by credit code.",
		Security:    bearerSecurity,
	}, func(ctx context.Context, in *struct {
		RegistryListParams
		PageParams
		Kind     string `query:"kind" enum:"construction,supervision,developer,survey_design,food_production,catering,school_canteen,fireworks_wholesale,fireworks_retail"`
		Status   string `query:"status" enum:"active,suspended,revoked,closed"`
		Mismatch bool   `query:"address_mismatch" doc:"Only those whose licensed and operating addresses differ (证照地址与经营地址不符)"`
		InScope  bool   `query:"in_scope" doc:"Only the dual-prevention core scope (施工总承包二级及以上)"`
	}) (*struct{ Body Page[duban.Enterprise] }, error) {
		scope, within, after, err := s.registryScope(ctx, actRegistryRead, in.Tenant, in.Cursor)
		if err != nil {
			return nil, err
		}
		items, total, err := s.DB.ListEnterprises(ctx, scope, duban.RegistryFilter{Within: within, Query: in.Q, Kind: in.Kind, Status: in.Status, Line: in.Line,
			Mismatch: in.Mismatch, InScope: in.InScope, After: after, Limit: in.Limit})
		if err != nil {
			return nil, problem(err)
		}
		return &struct{ Body Page[duban.Enterprise] }{pageOf(items, total, in.Limit, func(e duban.Enterprise) string { return e.CreditCode })}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "set-dual-prevention", Method: http.MethodPost, Path: "/v1/registry/{kind}/{key}/dual-prevention", Tags: []string{"Registry"},
		Summary:     "Record an enterprise's or project's dual-prevention stage (双重预防体系建设)",
		Description: "risk_graded and investigating are recorded by whoever keeps the record; verified (验收) needs a reviewer. Coverage counts verified records.",
		Security:    bearerSecurity, MaxBodyBytes: MaxBodyBytes,
	}, func(ctx context.Context, in *struct {
		Kind string `path:"kind" enum:"enterprises,projects"`
		Key  string `path:"key" maxLength:"64"`
		Body struct {
			Stage   string `json:"stage" enum:"none,risk_graded,investigating,verified"`
			Version int64  `json:"version" minimum:"1"`
		}
	}) (*struct {
		Body struct {
			Version int64 `json:"version"`
		}
	}, error) {
		read := s.Authz.Scope(principal(ctx), actRegistryRead)
		var tenant string
		var lines []duban.Line
		if in.Kind == duban.KindEnterprises {
			e, err := s.DB.GetEnterprise(ctx, read, strings.ToUpper(in.Key))
			if err != nil {
				return nil, problem(err)
			}
			tenant, lines, in.Key = e.Tenant, e.Lines, e.CreditCode
		} else {
			p, err := s.DB.GetProject(ctx, read, in.Key)
			if err != nil {
				return nil, problem(err)
			}
			tenant, lines = p.Tenant, p.Lines
		}
		action := actRegistryWrite
		if in.Body.Stage == duban.DualVerified {
			action = actRegistryVerify
		}
		if err := s.require(ctx, action, tenant, lines...); err != nil {
			return nil, err
		}
		v, err := s.DB.SetDualPrevention(ctx, s.Authz.Scope(principal(ctx), action), in.Kind, in.Key, in.Body.Stage, in.Body.Version, s.Now().UTC().Truncate(time.Microsecond))
		if err != nil {
			return nil, problem(err)
		}
		out := &struct {
			Body struct {
				Version int64 `json:"version"`
			}
		}{}
		out.Body.Version = v
		return out, nil
	})
}

// projectWrite is the store write of a project.
func projectWrite(p *duban.Project, expect int64) duban.RegistryWrite {
	w := duban.RegistryWrite{Kind: duban.KindProjects, Key: p.Code, Tenant: p.Tenant, Lines: p.Lines, Name: p.Name, Doc: p,
		Extra: []any{p.Contractor, p.ContractAmount, p.Status}, Expect: expect}
	for _, r := range [][2]string{{"builder", p.Builder}, {"contractor", p.Contractor}, {"supervisor", p.Supervisor}} {
		if r[1] != "" {
			w.Refs = append(w.Refs, duban.RegistryRef{Field: r[0], Code: r[1]})
		}
	}
	return w
}

func (s *Server) registerProjects(api huma.API) {
	huma.Register(api, huma.Operation{
		OperationID: "create-project", Method: http.MethodPost, Path: "/v1/projects", Tags: []string{"Registry"},
		Summary:     "Register a project (项目库)",
		Description: "The builder, contractor and supervisor are credit codes of enterprises registered in the same province (422 otherwise).",
		Security:    bearerSecurity, DefaultStatus: http.StatusCreated, MaxBodyBytes: MaxBodyBytes,
	}, func(ctx context.Context, in *struct{ Body duban.ProjectInput }) (*struct{ Body duban.Project }, error) {
		p, err := in.Body.Validate(s.Dir, "body.")
		if err != nil {
			return nil, problem(err)
		}
		if err := s.writeRecord(ctx, "", nil, projectWrite(p, -1), "project.create"); err != nil {
			return nil, err
		}
		out, err := s.DB.GetProject(ctx, s.Authz.Scope(principal(ctx), actRegistryRead), p.Code)
		if err != nil {
			return nil, problem(err)
		}
		return &struct{ Body duban.Project }{*out}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "update-project", Method: http.MethodPut, Path: "/v1/projects/{code}", Tags: []string{"Registry"},
		Summary: "Update a project (optimistic: give the version you read)", Security: bearerSecurity, MaxBodyBytes: MaxBodyBytes,
	}, func(ctx context.Context, in *struct {
		Code string `path:"code" maxLength:"64" doc:"项目编号"`
		Body struct {
			duban.ProjectInput
			Version int64 `json:"version" minimum:"1"`
		}
	}) (*struct{ Body duban.Project }, error) {
		cur, err := s.DB.GetProject(ctx, s.Authz.Scope(principal(ctx), actRegistryRead), in.Code)
		if err != nil {
			return nil, problem(err)
		}
		in.Body.Code = cur.Code
		p, err := in.Body.ProjectInput.Validate(s.Dir, "body.")
		if err != nil {
			return nil, problem(err)
		}
		if err := s.writeRecord(ctx, cur.Tenant, cur.Lines, projectWrite(p, in.Body.Version), "project.update"); err != nil {
			return nil, err
		}
		out, err := s.DB.GetProject(ctx, s.Authz.Scope(principal(ctx), actRegistryRead), p.Code)
		if err != nil {
			return nil, problem(err)
		}
		return &struct{ Body duban.Project }{*out}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "get-project", Method: http.MethodGet, Path: "/v1/projects/{code}", Tags: []string{"Registry"},
		Summary: "Get a project", Security: bearerSecurity,
	}, func(ctx context.Context, in *projectPath) (*struct{ Body duban.Project }, error) {
		p, err := s.DB.GetProject(ctx, s.Authz.Scope(principal(ctx), actRegistryRead), in.Code)
		if err != nil {
			return nil, problem(err)
		}
		return &struct{ Body duban.Project }{*p}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "list-projects", Method: http.MethodGet, Path: "/v1/projects", Tags: []string{"Registry"},
		Summary: "Search the project registry, by code or name, in a subtree", Security: bearerSecurity,
	}, func(ctx context.Context, in *struct {
		RegistryListParams
		PageParams
		Contractor string `query:"contractor" maxLength:"18" doc:"Only projects of this general contractor"`
		Status     string `query:"status" enum:"planned,under_construction,suspended,completed"`
		InScope    bool   `query:"in_scope" doc:"Only the dual-prevention core scope (单项合同额1亿元以上)"`
	}) (*struct{ Body Page[duban.Project] }, error) {
		scope, within, after, err := s.registryScope(ctx, actRegistryRead, in.Tenant, in.Cursor)
		if err != nil {
			return nil, err
		}
		items, total, err := s.DB.ListProjects(ctx, scope, duban.RegistryFilter{Within: within, Query: in.Q, Kind: strings.ToUpper(in.Contractor), Status: in.Status,
			Line: in.Line, InScope: in.InScope, After: after, Limit: in.Limit})
		if err != nil {
			return nil, problem(err)
		}
		return &struct{ Body Page[duban.Project] }{pageOf(items, total, in.Limit, func(p duban.Project) string { return p.Code })}, nil
	})
}

// personWrite seals a person's ID number and phone and builds the write.
// The id is derived from the keyed hash of the ID number, so the same
// person imported twice is the same record.
func (s *Server) personWrite(p *duban.Person, in duban.PersonInput, expect int64) duban.RegistryWrite {
	idNumber := strings.ToUpper(strings.TrimSpace(in.IDNumber))
	hash := s.PII.Hash("id", idNumber)
	p.ID = "p_" + hash[:16]
	var phone []byte
	if in.Phone != "" {
		phone = s.PII.Seal(in.Phone, "person/"+p.ID+"/phone")
	}
	w := duban.RegistryWrite{Kind: duban.KindPersonnel, Key: p.ID, Tenant: p.Tenant, Lines: p.Lines, Name: p.Name, Doc: p,
		Extra: []any{p.Role, p.Employer, hash, s.PII.Seal(idNumber, "person/"+p.ID+"/id"), phone}, Expect: expect}
	if p.Employer != "" {
		w.Refs = []duban.RegistryRef{{Field: "employer", Code: p.Employer}}
	}
	return w
}

// PersonalData is a person's whole ID number and phone.
type PersonalData struct {
	ID       string `json:"id"`
	IDNumber string `json:"id_number"`
	Phone    string `json:"phone,omitempty"`
}

func (s *Server) registerPersonnel(api huma.API) {
	huma.Register(api, huma.Operation{
		OperationID: "create-person", Method: http.MethodPost, Path: "/v1/personnel", Tags: []string{"Registry"},
		Summary: "Register a person (人员库): project managers, safety officers, chief supervisors …",
		Description: "The ID number is personal information: it is stored sealed (AES-256-GCM) and as a keyed hash for matching, shown masked " +
			"(4101**********123X), and reading it whole (get-person-personal-data) is audited. The same ID number is the same person (409).",
		Security: bearerSecurity, DefaultStatus: http.StatusCreated, MaxBodyBytes: MaxBodyBytes,
	}, func(ctx context.Context, in *struct{ Body duban.PersonInput }) (*struct{ Body duban.Person }, error) {
		p, err := in.Body.Validate(s.Dir, "body.")
		if err != nil {
			return nil, problem(err)
		}
		if err := s.writeRecord(ctx, "", nil, s.personWrite(p, in.Body, -1), "person.create"); err != nil {
			return nil, err
		}
		out, err := s.DB.GetPerson(ctx, s.Authz.Scope(principal(ctx), actRegistryRead), p.ID)
		if err != nil {
			return nil, problem(err)
		}
		return &struct{ Body duban.Person }{*s.certificatesToday(out)}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "update-person", Method: http.MethodPut, Path: "/v1/personnel/{id}", Tags: []string{"Registry"},
		Summary: "Update a person (optimistic: give the version you read; the ID number must be the person's)", Security: bearerSecurity, MaxBodyBytes: MaxBodyBytes,
	}, func(ctx context.Context, in *struct {
		ID   string `path:"id" maxLength:"40"`
		Body struct {
			duban.PersonInput
			Version int64 `json:"version" minimum:"1"`
		}
	}) (*struct{ Body duban.Person }, error) {
		cur, err := s.DB.GetPerson(ctx, s.Authz.Scope(principal(ctx), actRegistryRead), in.ID)
		if err != nil {
			return nil, problem(err)
		}
		p, err := in.Body.PersonInput.Validate(s.Dir, "body.")
		if err != nil {
			return nil, problem(err)
		}
		w := s.personWrite(p, in.Body.PersonInput, in.Body.Version)
		if p.ID != cur.ID {
			return nil, invalid("body.id_number", "is not this person's ID number", duban.MaskID(in.Body.IDNumber))
		}
		if err := s.writeRecord(ctx, cur.Tenant, cur.Lines, w, "person.update"); err != nil {
			return nil, err
		}
		out, err := s.DB.GetPerson(ctx, s.Authz.Scope(principal(ctx), actRegistryRead), p.ID)
		if err != nil {
			return nil, problem(err)
		}
		return &struct{ Body duban.Person }{*s.certificatesToday(out)}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "get-person", Method: http.MethodGet, Path: "/v1/personnel/{id}", Tags: []string{"Registry"},
		Summary: "Get a person (ID number and phone masked)", Security: bearerSecurity,
	}, func(ctx context.Context, in *personPath) (*struct{ Body duban.Person }, error) {
		p, err := s.DB.GetPerson(ctx, s.Authz.Scope(principal(ctx), actRegistryRead), in.ID)
		if err != nil {
			return nil, problem(err)
		}
		return &struct{ Body duban.Person }{*s.certificatesToday(p)}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "get-person-personal-data", Method: http.MethodGet, Path: "/v1/personnel/{id}/personal-data", Tags: []string{"Registry"},
		Summary:     "Read a person's whole ID number and phone (reviewer or admin; every read is audited)",
		Description: "The reason is recorded in the audit event on the person's tenant chain.",
		Security:    bearerSecurity,
	}, func(ctx context.Context, in *struct {
		ID     string `path:"id" maxLength:"40"`
		Reason string `query:"reason" minLength:"2" maxLength:"200" required:"true" doc:"Why the whole number is needed (recorded)"`
	}) (*struct{ Body PersonalData }, error) {
		p, err := s.DB.GetPerson(ctx, s.Authz.Scope(principal(ctx), actRegistryRead), in.ID)
		if err != nil {
			return nil, problem(err)
		}
		if err := s.require(ctx, actPersonReveal, p.Tenant, p.Lines...); err != nil {
			return nil, err
		}
		if strings.TrimSpace(in.Reason) == "" {
			return nil, invalid("query.reason", "must not be blank", in.Reason)
		}
		idSealed, phoneSealed, err := s.DB.PersonSealed(ctx, s.Authz.Scope(principal(ctx), actPersonReveal), p.ID, in.Reason)
		if err != nil {
			return nil, problem(err)
		}
		out := PersonalData{ID: p.ID}
		if out.IDNumber, err = s.PII.Open(idSealed, "person/"+p.ID+"/id"); err != nil {
			return nil, problem(err)
		}
		if phoneSealed != nil {
			if out.Phone, err = s.PII.Open(phoneSealed, "person/"+p.ID+"/phone"); err != nil {
				return nil, problem(err)
			}
		}
		return &struct{ Body PersonalData }{out}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "list-personnel", Method: http.MethodGet, Path: "/v1/personnel", Tags: []string{"Registry"},
		Summary: "Search the personnel registry by name, employer or role, in a subtree", Security: bearerSecurity,
	}, func(ctx context.Context, in *struct {
		RegistryListParams
		PageParams
		Employer string `query:"employer" maxLength:"18"`
		Role     string `query:"role" enum:"project_manager,technical_lead,safety_officer,principal,chief_supervisor,supervisor,special_worker"`
	}) (*struct{ Body Page[duban.Person] }, error) {
		scope, within, after, err := s.registryScope(ctx, actRegistryRead, in.Tenant, in.Cursor)
		if err != nil {
			return nil, err
		}
		items, total, err := s.DB.ListPersonnel(ctx, scope, duban.RegistryFilter{Within: within, Query: in.Q, Kind: strings.ToUpper(in.Employer), Status: in.Role,
			Line: in.Line, After: after, Limit: in.Limit})
		if err != nil {
			return nil, problem(err)
		}
		for i := range items {
			s.certificatesToday(&items[i])
		}
		return &struct{ Body Page[duban.Person] }{pageOf(items, total, in.Limit, func(p duban.Person) string { return p.ID })}, nil
	})
}

// certificatesToday marks the certificates expired by today.
func (s *Server) certificatesToday(p *duban.Person) *duban.Person {
	today := calendar.DateOf(s.Now()).String()
	for i := range p.Certificates {
		p.Certificates[i].Expired = p.Certificates[i].ValidUntil < today
	}
	return p
}

func (s *Server) registerDangerousWorks(api huma.API) {
	huma.Register(api, huma.Operation{
		OperationID: "create-dangerous-work", Method: http.MethodPost, Path: "/v1/dangerous-works", Tags: []string{"Registry"},
		Summary: "Register a dangerous work of a project (危大工程): it is then kept through its four gates",
		Description: "方案编审 (with the experts' review when over the scale) and 安全交底 are due by starts_on, 方案实施 and 工序验收 by ends_on; " +
			"an overdue gate is reminded and escalated like an assignment. The id is <project>.<code>: registering it again answers the same work.",
		Security: bearerSecurity, DefaultStatus: http.StatusCreated, MaxBodyBytes: MaxBodyBytes,
	}, func(ctx context.Context, in *struct{ Body duban.DangerousWorkInput }) (*struct{ Body duban.DangerousWork }, error) {
		w, err := s.startDangerousWork(ctx, in.Body, "body.")
		if err != nil {
			return nil, err
		}
		return &struct{ Body duban.DangerousWork }{*w}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "get-dangerous-work", Method: http.MethodGet, Path: "/v1/dangerous-works/{id}", Tags: []string{"Registry"},
		Summary: "Get a dangerous work and its gates", Security: bearerSecurity,
	}, func(ctx context.Context, in *struct {
		ID string `path:"id" maxLength:"100"`
	}) (*struct{ Body duban.DangerousWork }, error) {
		w, err := s.DB.GetDangerousWork(ctx, s.Authz.Scope(principal(ctx), actRegistryRead), in.ID)
		if err != nil {
			return nil, problem(err)
		}
		return &struct{ Body duban.DangerousWork }{*w}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "list-dangerous-works", Method: http.MethodGet, Path: "/v1/dangerous-works", Tags: []string{"Registry"},
		Summary: "List dangerous works in a subtree: by project, category, overdue gate", Security: bearerSecurity,
	}, func(ctx context.Context, in *struct {
		Tenant    string `query:"tenant" maxLength:"6"`
		Project   string `query:"project" maxLength:"64"`
		Category  string `query:"category" enum:"excavation,formwork,lifting,scaffolding,demolition,tunnelling,other"`
		Overdue   bool   `query:"overdue" doc:"Only those with an overdue gate"`
		OverScale bool   `query:"over_scale" doc:"Only those over the scale (超过一定规模)"`
		PageParams
	}) (*struct{ Body Page[duban.DangerousWork] }, error) {
		scope, within, after, err := s.registryScope(ctx, actRegistryRead, in.Tenant, in.Cursor)
		if err != nil {
			return nil, err
		}
		items, total, err := s.DB.ListDangerousWorks(ctx, scope, duban.RegistryFilter{Within: within, Project: in.Project, Kind: in.Category,
			Overdue: in.Overdue, InScope: in.OverScale, After: after, Limit: in.Limit})
		if err != nil {
			return nil, problem(err)
		}
		return &struct{ Body Page[duban.DangerousWork] }{pageOf(items, total, in.Limit, func(w duban.DangerousWork) string { return w.ID })}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "pass-dangerous-work-gate", Method: http.MethodPost, Path: "/v1/dangerous-works/{id}/gates", Tags: []string{"Registry"},
		Summary:     "Pass the next gate of a dangerous work (方案编审 → 安全交底 → 方案实施 → 工序验收)",
		Description: "Each gate has its date, the person responsible and the record (attachment). A gate out of order is 409. The plan of a work over the scale needs the experts' review (at least five experts, passed).",
		Security:    bearerSecurity, MaxBodyBytes: MaxBodyBytes,
	}, func(ctx context.Context, in *struct {
		ID   string `path:"id" maxLength:"100"`
		Body duban.GateInput
	}) (*struct{ Body duban.DangerousWork }, error) {
		w, err := s.DB.GetDangerousWork(ctx, s.Authz.Scope(principal(ctx), actRegistryRead), in.ID)
		if err != nil {
			return nil, problem(err)
		}
		if err := s.require(ctx, actDangerousGate, w.Tenant, w.Lines...); err != nil {
			return nil, err
		}
		g, err := in.Body.Validate(w, calendar.DateOf(s.Now()).String())
		if err != nil {
			return nil, problem(err)
		}
		var out duban.DangerousWork
		if err := s.Engine.Update(ctx, workflows.DangerousWorkWorkflowID(w.ID), workflows.UpdatePassGate, workflows.PassGateInput{Actor: actor(ctx), Pass: *g}, &out); err != nil {
			return nil, problem(err)
		}
		return &struct{ Body duban.DangerousWork }{out}, nil
	})
}

// startDangerousWork validates a dangerous work against its project and
// starts its workflow (idempotent by id), answering the recorded work.
func (s *Server) startDangerousWork(ctx context.Context, in duban.DangerousWorkInput, at string) (*duban.DangerousWork, error) {
	w, err := in.Validate(at)
	if err != nil {
		return nil, problem(err)
	}
	p, err := s.DB.GetProject(ctx, s.Authz.Scope(principal(ctx), actRegistryRead), w.Project)
	if err != nil {
		return nil, problem(err) // the work is the project's: 404 as for the project itself
	}
	if err := s.require(ctx, actRegistryWrite, p.Tenant, p.Lines...); err != nil {
		return nil, err
	}
	now := s.Now().UTC().Truncate(time.Microsecond)
	w.Tenant, w.Lines, w.CreatedBy, w.CreatedAt, w.Version, w.UpdatedAt = p.Tenant, p.Lines, principal(ctx).Login, now, 1, now
	sup := s.Dir.Get(p.Tenant).Supervisor
	if err := s.Engine.Start(ctx, workflows.DangerousWorkWorkflowID(w.ID), workflows.DangerousWorkWorkflowName, workflows.DangerousWorkInput{
		RequestID: duban.RequestIDFromContext(ctx), Work: *w, Supervisor: sup, Reminders: workflows.DangerousWorkReminders, Escalation: duban.DefaultEscalation}); err != nil {
		return nil, problem(err)
	}
	var out duban.DangerousWork
	if err := s.Engine.Update(ctx, workflows.DangerousWorkWorkflowID(w.ID), workflows.UpdateRecorded, nil, &out); err != nil {
		return nil, problem(err)
	}
	return &out, nil
}

// registryRefs checks the enterprise and project a hazard or accident
// names are registered in the same province (422 otherwise).
func (s *Server) registryRefs(ctx context.Context, tenant, enterprise, project string) error {
	prov := s.Dir.Get(tenant).Path
	for _, a := range s.Dir.Ancestors(tenant) {
		if t := s.Dir.Get(a); t != nil && t.Level == duban.LevelProvince {
			prov = t.Path
		}
	}
	for _, r := range [][3]string{{duban.KindEnterprises, "body.enterprise", strings.ToUpper(enterprise)}, {duban.KindProjects, "body.project", project}} {
		if r[2] == "" {
			continue
		}
		ok, err := s.DB.RegisteredWithin(ctx, r[0], r[2], prov)
		if err != nil {
			return problem(err)
		}
		if !ok {
			return invalid(r[1], "is not registered in this province", r[2])
		}
	}
	return nil
}

// coverageOut is the registry coverage of a tenant and its children.
type coverageOut struct {
	Tenant   duban.Coverage   `json:"tenant"`
	Children []duban.Coverage `json:"children"`
	Tier     string           `json:"tier" enum:"core,extension"`
	Rule     duban.Text       `json:"rule" doc:"What is in scope"`
}

func (s *Server) registerCoverage(api huma.API) {
	huma.Register(api, huma.Operation{
		OperationID: "get-registry-coverage", Method: http.MethodGet, Path: "/v1/registry/coverage", Tags: []string{"Registry"},
		Summary: "Dual-prevention coverage computed from the registry, per tenant, rolled up the tree",
		Description: "core: construction enterprises with a general-contracting qualification of grade 二级 or above and projects of at least 100 million CNY; " +
			"extension: every construction enterprise and every project (the seed's 扩大延伸). Coverage = records verified / in scope.",
		Security: bearerSecurity,
	}, func(ctx context.Context, in *struct {
		Tenant string `query:"tenant" maxLength:"6" doc:"Default: your own tenant"`
		Tier   string `query:"tier" enum:"core,extension" default:"core"`
	}) (*struct{ Body coverageOut }, error) {
		tenant := in.Tenant
		if tenant == "" {
			tenant = principal(ctx).Tenant
		}
		t := s.Dir.Get(tenant)
		if t == nil {
			return nil, invalid("query.tenant", "unknown tenant", tenant)
		}
		if err := s.require(ctx, actRegistryRead, tenant); err != nil {
			return nil, err
		}
		rule := duban.CoreDualPreventionScope
		out := coverageOut{Tier: "core", Rule: duban.Text{ZH: "二级及以上施工总承包企业、单项合同额1亿元以上的项目", EN: "general contractors of grade 2 and above, projects of 100 million CNY and more"}}
		if in.Tier == "extension" {
			rule.Extension = true
			out.Tier, out.Rule = "extension", duban.Text{ZH: "全部施工企业和在建项目", EN: "every construction enterprise and every project under way"}
		}
		cov, err := s.coverage(ctx, *t, rule)
		if err != nil {
			return nil, err
		}
		out.Tenant, out.Children = cov[0], cov[1:]
		return &struct{ Body coverageOut }{out}, nil
	})
}

// coverage computes a tenant's coverage and its supervised children's.
func (s *Server) coverage(ctx context.Context, t duban.Tenant, rule duban.DualPreventionScope) ([]duban.Coverage, error) {
	var children []duban.Tenant
	for _, c := range s.Dir.Supervised(t.Code) {
		children = append(children, *s.Dir.Get(c))
	}
	cov, err := s.DB.RegistryCoverage(ctx, s.Authz.Scope(principal(ctx), actRegistryRead), t, children, rule)
	if err != nil {
		return nil, problem(err)
	}
	return cov, nil
}

// atoi parses a whole number or answers -1.
func atoi(s string) int64 {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return -1
	}
	return n
}
