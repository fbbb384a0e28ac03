// Package seed creates the dev-mode personas: users and their role bindings.
// Applying it twice changes nothing.
package seed

import (
	"context"
	"fmt"

	"github.com/duban/duban"
)

// Persona is a seeded user with one role.
type Persona struct {
	Login, Name string
	Role        duban.Role
	Tenant      string
	Line        duban.Line // "" : every line
}

// Personas are the dev-mode users (README: "Seeded personas").
var Personas = []Persona{
	{"nation-admin", "国家管理员", duban.RoleAdmin, "000000", ""},
	{"henan-admin", "河南省管理员", duban.RoleAdmin, "41", ""},
	{"henan-planner", "河南省应急管理厅规划处", duban.RolePlanner, "41", ""},
	{"zhengzhou-reviewer", "郑州市审核员", duban.RoleReviewer, "4101", ""},
	{"zhongmu-staff", "中牟县工作人员", duban.RoleStaff, "410122", ""},
	{"kaifeng-reviewer", "开封市审核员", duban.RoleReviewer, "4102", ""},
	{"lankao-staff", "兰考县工作人员", duban.RoleStaff, "410225", ""},
	{"hubei-planner", "湖北省规划处", duban.RolePlanner, "42", ""},
	// department lines (条线) at Zhongmu: a construction clerk and a market
	// clerk see only their line's work; the 安委办 sees every line
	{"zhongmu-zhujian", "中牟县住房和城乡建设局", duban.RoleStaff, "410122", duban.LineConstruction},
	{"zhongmu-shijian", "中牟县市场监督管理局", duban.RoleStaff, "410122", duban.LineMarket},
	{"zhongmu-anweiban", "中牟县安委办", duban.RoleViewer, "410122", duban.LineSafetyOffice},
	{"henan-zhujian", "河南省住房和城乡建设厅", duban.RolePlanner, "41", duban.LineConstruction},
}

// lineDesks are, per line, the province's and the nation's duty officer
// (值班员: receives and forwards accident reports, as staff of its own
// tenant) and reviewer (审核: closes hazards, reviews), so that every flow
// can be finished in dev in every line.
var lineDesks = []struct {
	line                duban.Line
	slug, henan, nation string
}{
	{duban.LineConstruction, "zhujian", "河南省住房和城乡建设厅", "住房和城乡建设部"},
	{duban.LineEmergency, "yingji", "河南省应急管理厅", "应急管理部"},
	{duban.LineMarket, "shijian", "河南省市场监督管理局", "国家市场监督管理总局"},
}

func init() {
	for _, d := range lineDesks {
		Personas = append(Personas,
			Persona{"henan-" + d.slug + "-duty", d.henan + "值班员", duban.RoleStaff, "41", d.line},
			Persona{"henan-" + d.slug + "-reviewer", d.henan + "审核员", duban.RoleReviewer, "41", d.line},
			Persona{"nation-" + d.slug + "-duty", d.nation + "值班员", duban.RoleStaff, duban.RootCode, d.line},
			Persona{"nation-" + d.slug + "-reviewer", d.nation + "审核员", duban.RoleReviewer, duban.RootCode, d.line})
	}
}

// Apply creates any missing persona and binding.
func Apply(ctx context.Context, db duban.UserStore) error {
	for _, p := range Personas {
		err := db.CreateUser(ctx, duban.SystemScope, &duban.User{Login: p.Login, Name: p.Name, Tenant: p.Tenant})
		if err != nil && duban.ErrorCode(err) != duban.EConflict {
			return fmt.Errorf("seed user %s: %w", p.Login, err)
		}
		err = db.GrantRole(ctx, duban.SystemScope, &duban.RoleBinding{User: p.Login, Role: p.Role, Tenant: p.Tenant, Line: p.Line})
		if err != nil && duban.ErrorCode(err) != duban.EConflict {
			return fmt.Errorf("seed binding %s: %w", p.Login, err)
		}
	}
	return nil
}
