package duban_test

import (
	"testing"

	"github.com/duban/duban"
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
