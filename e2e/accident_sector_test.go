package e2e

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestAccidentSectorAndConcealment: a housing or municipal construction
// accident, even a general one with no death, must reach the province and
// lies in the construction line; an accident first entered by a level above
// the tenant where it happened is flagged 瞒报 (concealed) against that tenant;
// one reported by the tenant itself is not; an unknown sector is a 422.
func TestAccidentSectorAndConcealment(t *testing.T) {
	t.Parallel()
	s := startStack(t)
	b := accidentBody("410122", 0)
	b["sector"] = "housing_municipal"
	r := s.call("zhongmu-staff", "POST", "/v1/accidents", b)
	require.Equal(t, 201, r.Status, string(r.Raw))
	require.Equal(t, "general", r.Body["grade"])
	require.Equal(t, "province", r.Body["required_level"], "the provincial housing department hears of every one")
	require.Equal(t, "construction", r.Body["line"])
	require.Equal(t, "housing_municipal", r.Body["sector"])
	require.Equal(t, false, r.Body["concealed"])
	require.Contains(t, r.Body, "late")
	id := r.Body["id"].(string)
	g := s.call("zhongmu-staff", "GET", "/v1/accidents/"+id, nil)
	require.Equal(t, false, g.Body["concealed"])
	require.Equal(t, 404, s.call("zhongmu-shijian", "GET", "/v1/accidents/"+id, nil).Status, "the market clerk does not see a construction accident")

	// the same figures in industry and trade stop at the city
	b = accidentBody("410122", 0)
	r = s.call("zhongmu-staff", "POST", "/v1/accidents", b)
	require.Equal(t, 201, r.Status, string(r.Raw))
	require.Equal(t, "city", r.Body["required_level"])
	require.Equal(t, "industrial_trade", r.Body["sector"])

	// entered first by Zhengzhou for its county: 瞒报 against Zhongmu
	r = s.call("zhengzhou-reviewer", "POST", "/v1/accidents", accidentBody("410122", 1))
	require.Equal(t, 201, r.Status, string(r.Raw))
	require.Equal(t, true, r.Body["concealed"])
	g = s.call("henan-planner", "GET", "/v1/accidents/"+r.Body["id"].(string), nil)
	require.Equal(t, true, g.Body["concealed"])

	b = accidentBody("410122", 0)
	b["sector"] = "volcano"
	require.Equal(t, 422, s.call("zhongmu-staff", "POST", "/v1/accidents", b).Status)
}
