// Package api is Duban's HTTP API: huma operations under /v1, one file per
// resource, bearer-token authentication, casbin authorization and RFC 9457
// problem+json errors. Routes are added to a huma.API so tests can use the
// real server over loopback.
package api

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"github.com/duban/duban/pii"
	"log/slog"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/duban/duban"
	"github.com/duban/duban/authz"
	"github.com/duban/duban/egress"
	"github.com/duban/duban/metrics"
	"github.com/duban/duban/workflows"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"gocloud.dev/blob"
)

// MaxBodyBytes limits every request body.
const MaxBodyBytes = 64 << 10

// HealthCheck reports whether a dependency is ready.
type HealthCheck struct {
	Name  string
	Check func(ctx context.Context) error
}

// Server holds what the operations need.
type Server struct {
	DB       duban.Store
	Dir      *duban.Directory
	Authz    *authz.Enforcer
	Verifier Verifier
	// DevSigner is set only in dev mode; it enables POST /v1/dev/tokens.
	DevSigner *DevSigner
	Ready     []HealthCheck
	// Engine starts the workflows and sends their updates; without one
	// the workflow-backed operations are not offered.
	Engine duban.Engine
	// RateLimit is per user (per client address without a token).
	RateLimit RateLimit
	// CORSOrigins may call the API from a browser; none by default.
	CORSOrigins []string
	// Egress decides which webhook URLs may be registered.
	Egress egress.Policy
	// PII seals personal data (ID numbers, phones) in the registry; keys
	// that live as long as the process when none are given.
	PII *pii.Keys
	// PrincipalTTL bounds how long a loaded caller is reused (default
	// PrincipalTTL); role changes anywhere clear the cache before that.
	PrincipalTTL time.Duration

	// principals caches loaded callers for PrincipalTTL, sparing two
	// queries per request; cleared on every role change made here.
	principals sync.Map // login → cachedPrincipal
	deniedOnce sync.Once
	denied     *limiter // audits of refused acts, per user
	Version    string
	Now        func() time.Time
	// Blobs keeps attachment content (a local directory in dev, S3 or any
	// S3-compatible store in production); without it uploads answer 503.
	Blobs *blob.Bucket
	// Scan is the virus-scan hook every upload passes; nil accepts all.
	Scan Scanner
	// Console serves the web console at / (nil: / is a 404).
	Console http.Handler
	// AuthConfig tells the console how users log in.
	AuthConfig AuthConfig
	// Metrics counts requests by operation (nil: not counted; still logged).
	Metrics *metrics.Registry
	// Tracer gets a span per request (nil: the global provider).
	Tracer trace.TracerProvider
}

var bearerSecurity = []map[string][]string{{"bearer": {}}}

// Handler builds the HTTP handler with every route.
func (s *Server) Handler() http.Handler {
	if s.Now == nil {
		s.Now = time.Now
	}
	mux := http.NewServeMux()
	cfg := huma.DefaultConfig("Duban 督办 API", s.Version)
	cfg.CreateHooks = nil // no $schema links in bodies
	cfg.DocsPath = ""     // the reference at /docs is the console's, self-hosted (no CDN)
	cfg.Info.Description = "Government safety-supervision campaigns across China's administrative tree. " +
		"安全生产督办：省、市、县逐级部署、报送、审核、督办。"
	cfg.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"bearer": {Type: "http", Scheme: "bearer", BearerFormat: "JWT"},
	}
	api := humago.New(mux, cfg)
	api.UseMiddleware(noteOperation)
	api.UseMiddleware(s.authenticate(api))
	s.register(api)
	noBodyDeadline(api)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ok"}`))
	})
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.HandleFunc("GET /livez", func(w http.ResponseWriter, r *http.Request) { // the process answers; no dependency is asked
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ok"}`))
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if s.Console != nil && !strings.HasPrefix(r.URL.Path, "/v1/") {
			s.Console.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"title":"Not Found","status":404,"detail":"no such endpoint"}`))
	})
	tp := s.Tracer
	if tp == nil {
		tp = otel.GetTracerProvider()
	}
	traced := func(h http.Handler) http.Handler {
		return otelhttp.NewHandler(h, "http", otelhttp.WithTracerProvider(tp), otelhttp.WithPropagators(propagation.TraceContext{}),
			otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return r.Method + " " + r.URL.Path }))
	}
	return traced(withRequestID(withObservation(s.Metrics, securityHeaders(withLanguage(withCleanRequest(s.withCORS(s.withBearer(s.withRateLimit(withBodyChecks(s.withIdempotency(mux)))))))))))
}

func (s *Server) register(api huma.API) {
	if s.PII == nil {
		s.PII = pii.Ephemeral()
	}
	s.registerTenants(api)
	s.registerUsers(api)
	s.registerMe(api)
	s.registerRoleBindings(api)
	s.registerAudit(api)
	if s.Engine != nil {
		s.registerCampaigns(api)
		s.registerPreview(api)
		s.registerAssignments(api)
		s.registerHazards(api)
		s.registerAccidents(api)
		s.registerListItems(api)
		s.registerCirculars(api)
		s.registerRegistry(api)
		s.registerConsequences(api)
		s.registerAssessments(api)
	}
	s.registerNotifications(api)
	s.registerCalendar(api)
	s.registerAttachments(api)
	s.registerAuthConfig(api)
	if s.DevSigner != nil {
		s.registerDev(api)
		s.registerDevPersonas(api)
	}
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	status := http.StatusOK
	var parts []string
	for _, c := range s.Ready {
		if err := c.Check(ctx); err != nil {
			status = http.StatusServiceUnavailable
			parts = append(parts, `"`+c.Name+`":"unavailable"`)
		} else {
			parts = append(parts, `"`+c.Name+`":"ok"`)
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write([]byte("{" + strings.Join(parts, ",") + "}"))
}

var requestIDRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// withRequestID takes a sane X-Request-Id or makes one, and echoes it.
func withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !requestIDRE.MatchString(id) {
			var b [8]byte
			_, _ = rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(duban.NewContextWithRequestID(r.Context(), id)))
	})
}

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if strings.HasPrefix(r.URL.Path, "/v1/") {
			h.Set("Cache-Control", "no-store")
			h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		}
		next.ServeHTTP(w, r)
	})
}

// authenticate resolves the bearer token of operations that declare
// security into a Principal; anything wrong is 401 problem+json.
func (s *Server) authenticate(api huma.API) func(huma.Context, func(huma.Context)) {
	return func(ctx huma.Context, next func(huma.Context)) {
		op := ctx.Operation()
		if op == nil || len(op.Security) == 0 {
			next(ctx)
			return
		}
		b := bearerOf(ctx.Context())
		if !b.present {
			ctx.SetHeader("WWW-Authenticate", `Bearer realm="duban"`)
			_ = huma.WriteErr(api, ctx, http.StatusUnauthorized, "missing bearer token")
			return
		}
		login := b.login
		if login == "" {
			ctx.SetHeader("WWW-Authenticate", `Bearer realm="duban", error="invalid_token"`)
			_ = huma.WriteErr(api, ctx, http.StatusUnauthorized, "invalid or expired token")
			return
		}
		p, err := s.principal(ctx.Context(), login)
		if err != nil {
			if duban.ErrorCode(err) == duban.ENotFound {
				_ = huma.WriteErr(api, ctx, http.StatusUnauthorized, "unknown or disabled user")
			} else {
				slog.Error("load principal", "login", login, "err", err, "ctxErr", ctx.Context().Err())
				_ = huma.WriteErr(api, ctx, http.StatusInternalServerError, "internal error")
			}
			return
		}
		if i := infoOf(ctx.Context()); i != nil {
			i.login, i.tenant = p.Login, p.Tenant
		}
		next(huma.WithContext(ctx, duban.NewContextWithPrincipal(ctx.Context(), p)))
	}
}

// PrincipalTTL bounds how long a role change made on another instance
// takes to reach this one's request path (changes made here apply at once).
const PrincipalTTL = 5 * time.Second

type cachedPrincipal struct {
	p       *duban.Principal
	expires time.Time
}

func (s *Server) principal(ctx context.Context, login string) (*duban.Principal, error) {
	now := time.Now()
	if v, ok := s.principals.Load(login); ok && now.Before(v.(cachedPrincipal).expires) {
		return v.(cachedPrincipal).p, nil
	}
	p, err := s.DB.Principal(ctx, login)
	if err != nil {
		return nil, err
	}
	ttl := s.PrincipalTTL
	if ttl <= 0 {
		ttl = PrincipalTTL
	}
	s.principals.Store(login, cachedPrincipal{p: p, expires: now.Add(ttl)})
	return p, nil
}

// ForgetPrincipals drops every cached caller: after a role change made
// here, and — by the assembly, on LISTEN duban_policy — after one made on
// any instance, so a revoked user is refused everywhere at once, not after
// PrincipalTTL.
func (s *Server) ForgetPrincipals() { s.principals.Clear() }

// problem translates a domain error into a huma status error.
func problem(err error) error {
	if err == nil {
		return nil
	}
	var se huma.StatusError
	if errors.As(err, &se) {
		return err
	}
	msg := duban.ErrorMessage(err)
	switch duban.ErrorCode(err) {
	case duban.EInvalid:
		var de *duban.Error
		errors.As(err, &de)
		var details []error
		for _, f := range de.Fields {
			details = append(details, &huma.ErrorDetail{Location: f.Location, Message: f.Message, Value: f.Value})
		}
		return huma.Error422UnprocessableEntity(msg, details...)
	case duban.ENotFound:
		return huma.Error404NotFound(msg)
	case duban.EConflict:
		return huma.Error409Conflict(msg)
	case duban.EForbidden:
		return huma.Error403Forbidden(msg)
	case duban.EUnauthorized:
		return huma.Error401Unauthorized(msg)
	case duban.EUnavailable:
		return huma.Error503ServiceUnavailable(msg)
	}
	slog.Error("internal error", "err", err) // the client sees no detail
	return huma.Error500InternalServerError("internal error")
}

// invalid is a 422 naming one field.
func invalid(location, message string, value any) error {
	return problem(duban.Invalid(location, message, value))
}

// principal returns the caller of an authenticated operation.
func principal(ctx context.Context) *duban.Principal {
	return duban.PrincipalFromContext(ctx)
}

// require checks that the caller may do action at tenant, in one of the
// given department lines (none: a line-less action); a denial is 403.
func (s *Server) require(ctx context.Context, action, tenant string, lines ...duban.Line) error {
	return s.requireFor(ctx, action, tenant, "tenant/"+tenant, nil, lines...)
}

// requireFor is require naming what was acted on: a refused mutating act
// writes a "denied" audit event on the caller's own chain (at most a burst
// of DeniedAuditBurst, then one a second, per user, so that a flood cannot
// bloat the chain).
func (s *Server) requireFor(ctx context.Context, action, tenant, target string, summary map[string]any, lines ...duban.Line) error {
	p := principal(ctx)
	ok, err := s.Authz.Can(p.Login, action, tenant, lines...)
	if err != nil {
		return huma.Error500InternalServerError("internal error")
	}
	if ok {
		return nil
	}
	if mutating(action) {
		s.deniedOnce.Do(func() { s.denied = newLimiter(RateLimit{PerSecond: 1, Burst: DeniedAuditBurst}) })
		if allowed, _ := s.denied.allow(p.Login, time.Now()); allowed {
			if summary == nil {
				summary = map[string]any{}
			}
			summary["tenant"], summary["action"] = tenant, action
			if err := s.DB.RecordDenied(context.WithoutCancel(ctx), p.Tenant, action, target, summary); err != nil {
				slog.Error("audit a denied act", "login", p.Login, "action", action, "err", err)
			}
		}
	}
	where := strings.TrimSpace(s.name(tenant) + " " + tenant)
	if len(lines) > 0 {
		var zh, en []string
		for _, l := range lines {
			zh, en = append(zh, l.Label()), append(en, string(l))
		}
		return huma.Error403Forbidden("you may not " + action + " at tenant " + tenant + " in line " + strings.Join(en, ", ") +
			" / 无权在" + where + "（" + strings.Join(zh, "、") + "）执行此操作（" + action + "）")
	}
	return huma.Error403Forbidden("you may not " + action + " at tenant " + tenant + " / 无权在" + where + "执行此操作（" + action + "）")
}

// objectLine decides the department line of new work (a hazard, an
// accident) and checks the caller may act in it: the line given (one of the
// campaign's, when it belongs to one); else the campaign's first line; else
// the caller's own line at the tenant; else def (the caller holds every
// line, or none there).
func (s *Server) objectLine(ctx context.Context, action, tenant string, given duban.Line, campaign []duban.Line, def duban.Line) (duban.Line, error) {
	l := given
	switch {
	case l != "" && !l.Valid():
		return "", invalid("body.line", "unknown line: one of construction, emergency, market, safety_office, food_office", string(l))
	case l != "" && len(campaign) > 0 && !slices.Contains(campaign, l):
		return "", invalid("body.line", "not a line of the campaign", string(l))
	case l == "" && len(campaign) > 0:
		l = campaign[0]
	case l == "":
		l = s.ownLine(ctx, action, tenant, def)
	}
	return l, s.require(ctx, action, tenant, l)
}

// ownLine is the caller's own line for action at tenant: the first it holds
// there, or def when it holds every line (or none).
func (s *Server) ownLine(ctx context.Context, action, tenant string, def duban.Line) duban.Line {
	if ls := s.Authz.Lines(principal(ctx), action, tenant); len(ls) > 0 && len(ls) < len(duban.Lines()) {
		return ls[0]
	}
	return def
}

// lineOf is the line of a record as a list for require ("" in rows from
// before lines: none, so any line the caller holds).
func lineOf(l duban.Line) []duban.Line {
	if l == "" {
		return nil
	}
	return []duban.Line{l}
}

// DeniedAuditBurst is how many refused acts of one user are audited at once.
const DeniedAuditBurst = 100

// mutating reports whether an action changes something (reads are not
// audited when refused).
func mutating(action string) bool {
	return !strings.HasSuffix(action, ".read") && !strings.HasSuffix(action, ".list") && action != "audit.verify"
}

// Page is the common list envelope.
type Page[T any] struct {
	Items []T `json:"items" doc:"This page of results"`
	Total int `json:"total" doc:"How many match in all (at most 10,000 for assignments: see total_capped)"`
	// TotalCapped: more match than were counted; Total is the cap.
	TotalCapped bool   `json:"total_capped,omitempty" doc:"More than total match: the count stopped there (a province's whole list is not counted for each page)"`
	NextCursor  string `json:"next_cursor,omitempty" doc:"Pass as cursor to get the next page; absent on the last page"`
}

// PageParams are the common list query parameters.
type PageParams struct {
	Cursor string `query:"cursor" maxLength:"200" doc:"Opaque cursor from a previous page's next_cursor"`
	Limit  int    `query:"limit" minimum:"1" maximum:"500" default:"50" doc:"Page size"`
}

func encodeCursor(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func decodeCursor(c string) (string, error) {
	if c == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return "", invalid("query.cursor", "malformed cursor", c)
	}
	return string(b), nil
}

// decodeIDCursor reads a cursor holding a numeric id (0 when empty).
func decodeIDCursor(c string) (int64, error) {
	cur, err := decodeCursor(c)
	if err != nil || cur == "" {
		return 0, err
	}
	id, err := strconv.ParseInt(cur, 10, 64)
	if err != nil {
		return 0, invalid("query.cursor", "malformed cursor", c)
	}
	return id, nil
}

// pageOf builds the envelope; next is the cursor key of the last item when
// the page is full.
func pageOf[T any](items []T, total, limit int, key func(T) string) Page[T] {
	if items == nil {
		items = []T{}
	}
	p := Page[T]{Items: items, Total: total}
	if total == duban.TotalCapped {
		p.Total, p.TotalCapped = duban.MaxExactTotal, true
	}
	if len(items) == limit && limit > 0 {
		p.NextCursor = encodeCursor(key(items[len(items)-1]))
	}
	return p
}

func newID(prefix string) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

func actor(ctx context.Context) workflows.Actor {
	return workflows.Actor{Login: principal(ctx).Login, RequestID: duban.RequestIDFromContext(ctx)}
}

// noBodyDeadline turns off huma's per-operation body read deadline (5 s by
// default). withBodyChecks has already read and bounded every body under
// the server's ReadTimeout, and huma's deadline, set on the connection and
// never cleared, outlived the body: five seconds into a slow request the
// server's background read hit it and cancelled the connection's context —
// the request in flight (a workflow update waiting on its answer) and every
// later request on the same keep-alive connection then started cancelled
// (503, then 500 "context canceled"; e2e TestKeepAliveAfterSlowFailure).
func noBodyDeadline(api huma.API) {
	for _, item := range api.OpenAPI().Paths {
		for _, op := range []*huma.Operation{item.Get, item.Put, item.Post, item.Delete, item.Patch, item.Options, item.Head, item.Trace} {
			if op != nil {
				op.BodyReadTimeout = -1
			}
		}
	}
}
