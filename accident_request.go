package duban

import (
	"slices"
	"strings"
	"time"
)

// AccidentRequest is the body of report-accident.
type AccidentRequest struct {
	Tenant          string `json:"tenant" minLength:"2" maxLength:"6" doc:"Where the accident happened (tenant code); the report starts there"`
	OccurredAt      string `json:"occurred_at" maxLength:"40" doc:"When it happened, RFC 3339"`
	Place           string `json:"place" minLength:"1" maxLength:"500"`
	Summary         string `json:"summary" minLength:"1" maxLength:"5000"`
	Category        string `json:"category,omitempty" enum:"production,road_traffic,fire" doc:"Figures of road-traffic and fire accidents may be amended for 7 days, others for 30; default production"`
	Deaths          int    `json:"deaths" minimum:"0" maximum:"100000"`
	SeriousInjuries int    `json:"serious_injuries" minimum:"0" maximum:"100000"`
	DirectLossCNY   int64  `json:"direct_loss_cny" minimum:"0" maximum:"1000000000000" doc:"Direct economic loss, CNY"`
	Sector          string `json:"sector,omitempty" enum:"housing_municipal,industrial_trade,road_traffic,water_traffic,railway,aviation,fire,special_equipment,agricultural_machinery,fishing_vessel,other" doc:"行业领域; default from the category. A housing or municipal construction accident (housing_municipal) must reach the province whatever its grade, in the construction line"`
	Line            string `json:"line,omitempty" enum:"construction,emergency,market,safety_office,food_office" doc:"Department line (条线) concerned; default: construction for housing_municipal, market for special_equipment, else the reporter's own line (emergency when the reporter holds every line)"`
	Enterprise      string `json:"enterprise,omitempty" maxLength:"18" doc:"The enterprise concerned (统一社会信用代码), registered in the same subtree"`
	Project         string `json:"project,omitempty" maxLength:"64" doc:"The project concerned (项目编号), registered in the same subtree"`
}

// Validate checks a report-accident body and builds its first version.
func (b AccidentRequest) Validate(dir *Directory, now time.Time) (*Accident, error) {
	t := dir.Get(b.Tenant)
	if t == nil || t.Code == RootCode {
		return nil, Invalid("body.tenant", "unknown tenant", b.Tenant)
	}
	occ, err := time.Parse(time.RFC3339, b.OccurredAt)
	if err != nil {
		return nil, Invalid("body.occurred_at", "must be an RFC 3339 time", b.OccurredAt)
	}
	occ = occ.UTC().Truncate(time.Second)
	if occ.After(now.Add(5 * time.Minute)) {
		return nil, Invalid("body.occurred_at", "must not be in the future", b.OccurredAt)
	}
	if occ.Before(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)) {
		return nil, Invalid("body.occurred_at", "must be in 2000 or later", b.OccurredAt) // older records are imported, not reported
	}
	if err := NonBlank("body.place", b.Place); err != nil {
		return nil, err
	}
	if err := NonBlank("body.summary", b.Summary); err != nil {
		return nil, err
	}
	if b.Category == "" {
		b.Category = AccidentProduction
	}
	if !slices.Contains(AccidentCategories, b.Category) {
		return nil, Invalid("body.category", "must be one of: production, road_traffic, fire", b.Category)
	}
	if err := ValidFigures(b.Deaths, b.SeriousInjuries, b.DirectLossCNY); err != nil {
		return nil, err
	}
	if occ.After(now) {
		occ = now // clock skew: it cannot have happened after it was reported
	}
	a := NewAccident(dir, "", t.Code, b.Category, strings.TrimSpace(b.Place), strings.TrimSpace(b.Summary), "", occ, now,
		AccidentFigures{Deaths: b.Deaths, SeriousInjuries: b.SeriousInjuries, DirectLossCNY: b.DirectLossCNY})
	a.Line, a.Enterprise, a.Project = Line(b.Line), b.Enterprise, b.Project
	sector := b.Sector
	if sector == "" {
		sector = map[string]string{AccidentRoadTraffic: "road_traffic", AccidentFire: "fire"}[a.Category]
		if sector == "" {
			sector = "industrial_trade"
		}
	}
	ok := false
	for _, c := range AccidentSectors {
		ok = ok || c.ID == sector
	}
	if !ok {
		return nil, Invalid("body.sector", "unknown sector", b.Sector)
	}
	if a.Line == "" {
		a.Line = map[string]Line{"housing_municipal": LineConstruction, "special_equipment": LineMarket}[sector]
	}
	a.SetSector(sector, now)
	return a, nil
}

// ValidFigures checks an accident's figures.
func ValidFigures(deaths, injuries int, loss int64) error {
	switch {
	case deaths < 0 || deaths > 100000:
		return Invalid("body.deaths", "must be between 0 and 100000", deaths)
	case injuries < 0 || injuries > 100000:
		return Invalid("body.serious_injuries", "must be between 0 and 100000", injuries)
	case loss < 0 || loss > 1e12:
		return Invalid("body.direct_loss_cny", "must be between 0 and 10^12", loss)
	}
	return nil
}
