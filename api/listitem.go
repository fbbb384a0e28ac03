package api

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/duban/duban"
	"github.com/duban/duban/calendar"
)

// Authorization actions on the three lists.
const (
	actListRead  = "list.read"
	actListWrite = "list.write"
)

// ListItemRequest is the body of upsert-list-item.
type ListItemRequest struct {
	List    string `json:"list" enum:"problems,measures,tasks" doc:"问题隐患清单 problems, 制度措施清单 measures, 重点任务清单 tasks"`
	Title   string `json:"title" minLength:"1" maxLength:"500"`
	Owner   string `json:"owner" minLength:"1" maxLength:"200" doc:"Who is responsible"`
	DueOn   string `json:"due_on" maxLength:"10" doc:"YYYY-MM-DD"`
	Status  string `json:"status" enum:"open,in_progress,done"`
	Note    string `json:"note,omitempty" maxLength:"2000"`
	Version *int64 `json:"version,omitempty" minimum:"0" doc:"The version you changed (0: create only); a mismatch is 409. Omit to overwrite."`
}

func (s *Server) registerListItems(api huma.API) {
	huma.Register(api, huma.Operation{
		OperationID: "list-list-items", Method: http.MethodGet, Path: "/v1/campaigns/{id}/list-items", Tags: []string{"Campaigns"},
		Summary: "List the three lists' items (三个清单) of a campaign in your subtree", Security: bearerSecurity,
	}, func(ctx context.Context, in *struct {
		ID      string `path:"id" maxLength:"64"`
		Tenant  string `query:"tenant" maxLength:"6" doc:"Only this tenant's supervision subtree"`
		List    string `query:"list" enum:"problems,measures,tasks"`
		Status  string `query:"status" enum:"open,in_progress,done"`
		History bool   `query:"history" doc:"Include every item's versions"`
		PageParams
	}) (*struct{ Body Page[duban.ListItem] }, error) {
		c, err := s.campaign(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		scope, after, err := s.listFrom(ctx, actListRead, in.Tenant, in.Cursor)
		if err != nil {
			return nil, err
		}
		items, total, err := s.DB.ListListItems(ctx, scope, duban.ListItemFilter{Campaign: c.ID, Within: in.Tenant, List: in.List, Status: in.Status,
			History: in.History, After: after, Limit: in.Limit, Today: calendar.DateOf(s.Now()).At(12, 0)})
		if err != nil {
			return nil, problem(err)
		}
		return &struct{ Body Page[duban.ListItem] }{pageOf(items, total, in.Limit, func(it duban.ListItem) string { return it.Tenant + "/" + it.Key })}, nil
	})

	huma.Register(api, huma.Operation{
		OperationID: "upsert-list-item", Method: http.MethodPut, Path: "/v1/campaigns/{id}/list-items/{tenant}/{key}", Tags: []string{"Campaigns"},
		Summary:     "Create or update an item of a tenant's list (staff of the tenant, or its supervisors); every version is kept",
		Description: "Only for campaigns whose template keeps the three lists (rectification-3y), and only for the campaign's target tenants.",
		Security:    bearerSecurity, MaxBodyBytes: MaxBodyBytes,
	}, func(ctx context.Context, in *struct {
		ID     string `path:"id" maxLength:"64"`
		Tenant string `path:"tenant" maxLength:"6"`
		Key    string `path:"key" pattern:"^[A-Za-z0-9_-]{1,40}$" doc:"Your key for the item, e.g. P-001"`
		Body   ListItemRequest
	}) (*struct{ Body duban.ListItem }, error) {
		c, err := s.campaign(ctx, in.ID)
		if err != nil {
			return nil, err
		}
		b := in.Body
		for _, f := range [][2]string{{"body.title", b.Title}, {"body.owner", b.Owner}} {
			if err := duban.NonBlank(f[0], f[1]); err != nil {
				return nil, problem(err)
			}
		}
		if _, err := calendar.ParseDate(b.DueOn); err != nil || len(b.DueOn) != 10 {
			return nil, invalid("body.due_on", "must be a date YYYY-MM-DD", b.DueOn)
		}
		if tpl := duban.TemplateByID(c.Template); tpl == nil || !tpl.Lists {
			return nil, invalid("path.id", "this campaign's template keeps no lists", c.Template)
		}
		if s.Dir.Get(in.Tenant) == nil || !s.Dir.Within(in.Tenant, c.Scope) {
			return nil, huma.Error404NotFound("tenant " + in.Tenant + " has no lists in this campaign")
		}
		if err := s.require(ctx, actListWrite, in.Tenant, c.Lines...); err != nil {
			return nil, err
		}
		if _, err := s.DB.FindAssignment(ctx, duban.SystemScope, duban.AssignmentID(c.ID, in.Tenant)); err != nil {
			return nil, invalid("path.tenant", "not a target of this campaign", in.Tenant)
		}
		it := &duban.ListItem{Campaign: c.ID, Tenant: in.Tenant, Key: in.Key, List: b.List, Title: strings.TrimSpace(b.Title), Owner: strings.TrimSpace(b.Owner),
			DueOn: b.DueOn, Status: b.Status, Note: b.Note, UpdatedBy: principal(ctx).Login, UpdatedAt: s.Now().UTC().Truncate(time.Microsecond)}
		if err := s.DB.UpsertListItem(ctx, s.Authz.Scope(principal(ctx), actListWrite), it, b.Version); err != nil {
			return nil, problem(err)
		}
		it.Overdue = it.Status != "done" && it.DueOn < calendar.DateOf(s.Now()).String()
		return &struct{ Body duban.ListItem }{*it}, nil
	})
}
