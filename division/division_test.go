package division_test

import (
	"testing"

	"github.com/duban/duban"
	"github.com/duban/duban/division"
	"github.com/stretchr/testify/require"
)

func TestTenantsCounts(t *testing.T) {
	t.Parallel()
	ts, err := division.Tenants()
	require.NoError(t, err)
	count := map[duban.Level]int{}
	henan := map[duban.Level]int{}
	by := map[string]duban.Tenant{}
	for _, x := range ts {
		count[x.Level]++
		if len(x.Code) >= 2 && x.Code[:2] == "41" {
			henan[x.Level]++
		}
		by[x.Code] = x
	}
	require.Equal(t, map[duban.Level]int{"nation": 1, "province": 31, "city": 333, "county": 2978}, count)
	require.Equal(t, 17, henan[duban.LevelCity])
	require.Equal(t, 181, henan[duban.LevelCounty])

	lankao := by["410225"]
	require.Equal(t, "4102", lankao.Parent)
	require.Equal(t, "41", lankao.Supervisor)
	require.Equal(t, "000000.41.410225", lankao.Path)
	zhongmu := by["410122"]
	require.Equal(t, "4101", zhongmu.Supervisor)
	require.Equal(t, "000000.41.4101.410122", zhongmu.Path)
	// 济源 sits under a pseudo-grouping: it attaches to the province.
	jiyuan := by["419001"]
	require.Equal(t, "41", jiyuan.Parent)
	require.Equal(t, duban.LevelCounty, jiyuan.Level)
	// Beijing's districts attach to the province (市辖区 is not a tenant).
	require.Equal(t, "11", by["110101"].Parent)
	_, pseudo := by["1101"]
	require.False(t, pseudo)
	// every tenant comes after its supervisor
	seen := map[string]bool{}
	for _, x := range ts {
		if x.Supervisor != "" {
			require.True(t, seen[x.Supervisor], x.Code)
		}
		seen[x.Code] = true
	}
}

func TestBuildRejectsBadInput(t *testing.T) {
	t.Parallel()
	good := division.Embedded()
	cases := map[string]func(s *division.Sources){
		"bad header":         func(s *division.Sources) { s.Provinces = []byte("id,name\n11,x\n") },
		"short code":         func(s *division.Sources) { s.Provinces = []byte("code,name\n1,x\n") },
		"dup province":       func(s *division.Sources) { s.Provinces = append(append([]byte{}, s.Provinces...), "11,again\n"...) },
		"city in wrong prov": func(s *division.Sources) { s.Cities = []byte("code,name,provinceCode\n4101,x,42\n") },
		"unknown direct": func(s *division.Sources) {
			s.DirectCounties = []byte("code,name,geographic_city_code\n419999,x,4101\n")
		},
		"ragged row": func(s *division.Sources) { s.Areas = []byte("code,name,cityCode,provinceCode\n110101,x\n") },
		"empty name": func(s *division.Sources) { s.Provinces = []byte("code,name\n11,\n") },
	}
	for name, mut := range cases {
		src := good
		mut(&src)
		_, err := division.Build(src)
		require.Error(t, err, name)
	}
}

func FuzzBuild(f *testing.F) {
	f.Add([]byte("code,name,cityCode,provinceCode\n110101,x,1101,11\n"))
	f.Add([]byte("code,name,cityCode,provinceCode\n\"1101\n"))
	good := division.Embedded()
	f.Fuzz(func(t *testing.T, areas []byte) {
		src := good
		src.Areas = areas
		ts, err := division.Build(src)
		if err != nil {
			return
		}
		for _, x := range ts {
			if !duban.ValidCode(x.Code) || x.Name == "" || x.Level.Rank() < 0 {
				t.Fatalf("bad tenant %+v", x)
			}
		}
	})
}
