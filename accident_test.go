package duban_test

import (
	"testing"
	"time"

	"github.com/duban/duban"
	"github.com/duban/duban/division"
)

func TestGradeAccidentBoundaries(t *testing.T) {
	t.Parallel()
	const m = int64(1_000_000)
	cases := []struct {
		deaths, injuries int
		loss             int64
		want             duban.AccidentGrade
		level            duban.Level
	}{
		{0, 0, 0, duban.GradeGeneral, duban.LevelCity},
		{2, 0, 0, duban.GradeGeneral, duban.LevelCity},
		{3, 0, 0, duban.GradeLarger, duban.LevelProvince},
		{9, 0, 0, duban.GradeLarger, duban.LevelProvince},
		{10, 0, 0, duban.GradeMajor, duban.LevelNation},
		{29, 0, 0, duban.GradeMajor, duban.LevelNation},
		{30, 0, 0, duban.GradeEspeciallyMajor, duban.LevelNation},
		{0, 9, 0, duban.GradeGeneral, duban.LevelCity},
		{0, 10, 0, duban.GradeLarger, duban.LevelProvince},
		{0, 49, 0, duban.GradeLarger, duban.LevelProvince},
		{0, 50, 0, duban.GradeMajor, duban.LevelNation},
		{0, 99, 0, duban.GradeMajor, duban.LevelNation},
		{0, 100, 0, duban.GradeEspeciallyMajor, duban.LevelNation},
		{0, 0, 10*m - 1, duban.GradeGeneral, duban.LevelCity},
		{0, 0, 10 * m, duban.GradeLarger, duban.LevelProvince},
		{0, 0, 50*m - 1, duban.GradeLarger, duban.LevelProvince},
		{0, 0, 50 * m, duban.GradeMajor, duban.LevelNation},
		{0, 0, 100*m - 1, duban.GradeMajor, duban.LevelNation},
		{0, 0, 100 * m, duban.GradeEspeciallyMajor, duban.LevelNation},
		// the higher grade wins
		{2, 55, 0, duban.GradeMajor, duban.LevelNation},
		{3, 0, 120 * m, duban.GradeEspeciallyMajor, duban.LevelNation},
		{-5, -1, -1, duban.GradeGeneral, duban.LevelCity},
	}
	for _, c := range cases {
		got := duban.GradeAccident(c.deaths, c.injuries, c.loss)
		if got != c.want || got.RequiredLevel() != c.level {
			t.Errorf("GradeAccident(%d deaths, %d injuries, %d CNY) = %s → %s; want %s → %s", c.deaths, c.injuries, c.loss, got, got.RequiredLevel(), c.want, c.level)
		}
	}
}

// TestAccidentChainAmendments: a lowered grade drops a pending forward that
// is no longer required; a raised one extends the chain with a fresh clock.
func TestAccidentChainAmendments(t *testing.T) {
	t.Parallel()
	ts, err := division.Tenants()
	if err != nil {
		t.Fatal(err)
	}
	dir := duban.NewDirectory(ts)
	at := time.Date(2026, 11, 2, 2, 0, 0, 0, time.UTC)
	a := duban.NewAccident(dir, "a", "410122", duban.AccidentProduction, "x", "x", "s", at.Add(-10*time.Minute), at, duban.AccidentFigures{Deaths: 3})
	if a.Pending() == nil || a.Pending().To != "4101" || a.Complete {
		t.Fatalf("a larger accident at a county starts with a forward to its city pending: %+v", a.Steps)
	}
	fwd := at.Add(time.Hour)
	a.Steps[1].At, a.Holder = &fwd, "4101"
	a.Extend(fwd)
	if p := a.Pending(); p == nil || p.To != "41" || !p.DueAt.Equal(fwd.Add(duban.ForwardWithin)) {
		t.Fatalf("then to the province, 2 hours after the city received it: %+v", p)
	}
	if a.Amend(at.Add(2*time.Hour), "s", "", duban.AccidentFigures{Deaths: 2}) != true || a.Pending() != nil || !a.Complete {
		t.Fatalf("down to general: the city suffices, the pending forward is dropped: %+v", a)
	}
	later := at.Add(48 * time.Hour)
	a.Amend(later, "s", "", duban.AccidentFigures{Deaths: 12})
	if p := a.Pending(); p == nil || p.To != "41" || !p.DueAt.Equal(later.Add(duban.ForwardWithin)) || a.RequiredLevel != duban.LevelNation {
		t.Fatalf("up to major: forward to the province with a fresh clock: %+v", p)
	}
	if len(a.Amendments) != 2 {
		t.Fatalf("every amendment is kept: %d", len(a.Amendments))
	}
}
