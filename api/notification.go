package api

import (
	"context"
	"net/http"
	"strconv"
	"unicode/utf8"

	"github.com/danielgtaylor/huma/v2"
	"github.com/duban/duban"
)

const (
	actWebhookCreate = "webhook.create"
	actWebhookList   = "webhook.list"
)

// Inboxes are the tenants whose notifications a user reads: where it holds
// a role; and the scope to read them in: those tenants in the lines of the
// user's bindings there (a notice about another line's work stays hidden).
func Inboxes(p *duban.Principal) ([]string, []string) {
	var tenants, paths []string
	seen := map[string]bool{}
	for _, b := range p.Bindings {
		if !seen[b.Tenant] {
			seen[b.Tenant] = true
			tenants = append(tenants, b.Tenant)
			paths = append(paths, b.TenantPath)
		}
		for _, l := range b.Line.Reach() {
			if lp := duban.LinePath(l, b.TenantPath); !seen[lp] {
				seen[lp] = true
				paths = append(paths, lp)
			}
		}
	}
	return tenants, paths
}

func (s *Server) registerNotifications(api huma.API) {
	huma.Register(api, huma.Operation{
		OperationID: "list-notifications", Method: http.MethodGet, Path: "/v1/notifications", Tags: []string{"Notifications"},
		Summary: "Your inbox: reminders, escalations and review results for the tenants where you hold a role, newest first", Security: bearerSecurity,
	}, func(ctx context.Context, in *struct {
		Unread bool `query:"unread" doc:"Only unread ones"`
		PageParams
	}) (*struct{ Body Page[duban.Notification] }, error) {
		p := principal(ctx)
		tenants, paths := Inboxes(p)
		before, err := decodeIDCursor(in.Cursor)
		if err != nil {
			return nil, err
		}
		items, total, err := s.DB.ListNotifications(ctx, paths, duban.NotificationFilter{Login: p.Login, Tenants: tenants, UnreadOnly: in.Unread, BeforeID: before, Limit: in.Limit})
		if err != nil {
			return nil, problem(err)
		}
		return &struct{ Body Page[duban.Notification] }{pageOf(items, total, in.Limit, func(n duban.Notification) string { return strconv.FormatInt(n.ID, 10) })}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "mark-notification-read", Method: http.MethodPost, Path: "/v1/notifications/{id}/read", Tags: []string{"Notifications"},
		Summary: "Mark a notification read", Security: bearerSecurity, DefaultStatus: http.StatusNoContent,
	}, func(ctx context.Context, in *struct {
		ID int64 `path:"id" minimum:"1"`
	}) (*struct{}, error) {
		p := principal(ctx)
		tenants, paths := Inboxes(p)
		if err := s.DB.MarkNotificationRead(ctx, paths, p.Login, tenants, in.ID); err != nil {
			return nil, problem(err)
		}
		return &struct{}{}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "create-webhook", Method: http.MethodPost, Path: "/v1/webhooks", Tags: []string{"Notifications"},
		Summary:     "Add an outgoing webhook for a tenant's notifications (admin)",
		Description: "JSON bodies are signed: X-Duban-Signature = sha256=hex(HMAC-SHA256(secret, timestamp + \".\" + body)), X-Duban-Timestamp = the Unix time. Formats dingtalk and wecom post robot text messages (DingTalk signed in the query).",
		Security:    bearerSecurity, DefaultStatus: http.StatusCreated, MaxBodyBytes: MaxBodyBytes,
	}, func(ctx context.Context, in *struct {
		Body struct {
			Tenant string `json:"tenant" minLength:"2" maxLength:"6"`
			URL    string `json:"url" minLength:"8" maxLength:"2000" format:"uri"`
			Secret string `json:"secret" minLength:"16" maxLength:"200" doc:"HMAC secret (write-only)"`
			Format string `json:"format,omitempty" enum:"json,dingtalk,wecom" default:"json"`
		}
	}) (*struct{ Body duban.Webhook }, error) {
		b := in.Body
		if s.Dir.Get(b.Tenant) == nil {
			return nil, invalid("body.tenant", "unknown tenant", b.Tenant)
		}
		if err := s.Egress.CheckURL(b.URL); err != nil {
			return nil, invalid("body.url", err.Error()+" / 不允许的回调地址", duban.MaskURL(b.URL))
		}
		if !strongSecret(b.Secret) {
			return nil, invalid("body.secret", "too weak: at least 16 characters, 8 of them different / 密钥强度不足", nil)
		}
		if err := s.require(ctx, actWebhookCreate, b.Tenant); err != nil {
			return nil, err
		}
		if b.Format == "" {
			b.Format = "json"
		}
		w := &duban.Webhook{Tenant: b.Tenant, URL: b.URL, Secret: b.Secret, Format: b.Format}
		if err := s.DB.CreateWebhook(ctx, s.Authz.Scope(principal(ctx), actWebhookCreate), w); err != nil {
			return nil, problem(err)
		}
		w.URL = duban.MaskURL(w.URL)
		return &struct{ Body duban.Webhook }{*w}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "list-webhooks", Method: http.MethodGet, Path: "/v1/webhooks", Tags: []string{"Notifications"},
		Summary: "List outgoing webhooks in your subtree (admin)", Security: bearerSecurity,
	}, func(ctx context.Context, in *struct {
		Tenant string `query:"tenant" maxLength:"6"`
	}) (*struct{ Body Page[duban.Webhook] }, error) {
		scope, err := s.listScope(ctx, actWebhookList, in.Tenant)
		if err != nil {
			return nil, err
		}
		ws, err := s.DB.ListWebhooks(ctx, scope, in.Tenant)
		if err != nil {
			return nil, problem(err)
		}
		for i := range ws {
			ws[i].URL = duban.MaskURL(ws[i].URL)
		}
		return &struct{ Body Page[duban.Webhook] }{pageOf(ws, len(ws), 0, func(w duban.Webhook) string { return "" })}, nil
	})
}

// strongSecret: at least 16 characters with at least 8 different ones (an
// HMAC key a person cannot guess).
func strongSecret(s string) bool {
	seen := map[rune]bool{}
	for _, r := range s {
		seen[r] = true
	}
	return utf8.RuneCountInString(s) >= 16 && len(seen) >= 8
}
