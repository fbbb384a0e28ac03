package duban_test

import (
	"testing"

	"github.com/duban/duban"
	"github.com/stretchr/testify/require"
)

func f64(v float64) *float64 { return &v }

// TestAssessVeto: a unit meeting every target scores 100 and is excellent;
// the same figures with one major accident, or one concealed, fail it
// whatever the score (一票否决); a target missed costs its share.
func TestAssessVeto(t *testing.T) {
	targets := duban.LetterTargets{MaxAccidents: f64(3), MaxDeaths: f64(2), ReducePercent: f64(10), CoverageMin: f64(90), OnTimeMin: f64(95), HazardsOnTimeMin: f64(90)}
	cov := 0.96
	good := duban.AssessmentFigures{Accidents: 1, Deaths: 1, AccidentsLastYear: 4, Coverage: &cov, AssignmentsDue: 40, AssignmentsOnTime: 39, HazardsDue: 20, HazardsOnTime: 19}
	evidence := func(target string) string { return "query for " + target }
	u := duban.Assess(targets, good, evidence)
	require.Len(t, u.Scores, 6)
	for _, s := range u.Scores {
		require.True(t, s.Met, "%s: %v of %v", s.Target, s.Actual, s.Goal)
		require.Equal(t, "query for "+s.Target, s.Evidence)
	}
	require.EqualValues(t, 100, u.Score)
	require.False(t, u.Vetoed)
	require.Equal(t, duban.ResultExcellent, u.Result)

	major := good
	major.MajorAccidents = 1
	v := duban.Assess(targets, major, evidence)
	require.EqualValues(t, 100, v.Score, "the score is what it is")
	require.True(t, v.Vetoed)
	require.Equal(t, duban.ResultFail, v.Result, "one major accident fails it")
	require.Contains(t, v.VetoReason, "重大")

	concealed := good
	concealed.Concealed = 1
	require.Equal(t, duban.ResultFail, duban.Assess(targets, concealed, evidence).Result, "a 瞒报 fails it")

	late := good
	late.AssignmentsOnTime = 30 // 75 % < 95 %
	m := duban.Assess(targets, late, evidence)
	require.InDelta(t, 83.3, m.Score, 0.1, "five of six targets")
	require.Equal(t, duban.ResultPass, m.Result)

	none := duban.Assess(duban.LetterTargets{MaxAccidents: f64(0)}, duban.AssessmentFigures{}, evidence)
	require.EqualValues(t, 100, none.Score, "no accident at a cap of none")
}
