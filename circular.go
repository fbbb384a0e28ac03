package duban

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sort"
	"time"
)

// CircularRow is one tenant's standing in a circular (通报).
type CircularRow struct {
	Rank          int     `json:"rank"`
	Tenant        string  `json:"tenant"`
	Name          string  `json:"name"`
	Assignments   int     `json:"assignments"`
	OnTime        int     `json:"on_time"`
	OnTimeRate    float64 `json:"on_time_rate"`
	Coverage      float64 `json:"coverage" doc:"The template's coverage ratio when it has one, else the share of assignments approved or signed off"`
	Overdue       int     `json:"overdue"`
	HazardsClosed int     `json:"hazards_closed" doc:"Hazards of the campaign closed (销号) in the period"`
}

// ListedItem is an item under listed supervision (挂牌督办).
type ListedItem struct {
	Kind   string `json:"kind" enum:"assignment,hazard"`
	ID     string `json:"id"`
	Tenant string `json:"tenant"`
	Title  string `json:"title"`
}

// Circular is an issued circular: immutable, signed by its issuer.
type Circular struct {
	ID            string        `json:"id"`
	Campaign      string        `json:"campaign"`
	CampaignTitle string        `json:"campaign_title"`
	Tenant        string        `json:"tenant" doc:"The issuing tenant"`
	Title         string        `json:"title"`
	PeriodFrom    string        `json:"period_from"`
	PeriodTo      string        `json:"period_to"`
	Rows          []CircularRow `json:"rows"`
	Best          []string      `json:"best" doc:"Tenants commended (表扬)"`
	Laggards      []string      `json:"laggards" doc:"Tenants named as lagging (通报批评)"`
	Listed        []ListedItem  `json:"listed" doc:"Items under listed supervision (挂牌督办)"`
	SignedBy      string        `json:"signed_by"`
	SignedAt      time.Time     `json:"signed_at"`
	Digest        string        `json:"digest" doc:"SHA-256 of the content as signed"`
}

// Rank orders rows — on-time rate, coverage, fewest overdue, most hazards
// closed, then code — numbers them, and names the best and the laggards:
// a quarter of the rows each (at least one, at most three), never the same
// tenant twice.
func (c *Circular) Rank() {
	r := c.Rows
	sort.SliceStable(r, func(i, j int) bool {
		a, b := r[i], r[j]
		switch {
		case a.OnTimeRate != b.OnTimeRate:
			return a.OnTimeRate > b.OnTimeRate
		case a.Coverage != b.Coverage:
			return a.Coverage > b.Coverage
		case a.Overdue != b.Overdue:
			return a.Overdue < b.Overdue
		case a.HazardsClosed != b.HazardsClosed:
			return a.HazardsClosed > b.HazardsClosed
		}
		return a.Tenant < b.Tenant
	})
	for i := range r {
		r[i].Rank = i + 1
	}
	c.Best, c.Laggards = []string{}, []string{}
	if len(r) < 2 {
		return
	}
	k := min(max(len(r)/4, 1), 3)
	for i := 0; i < k; i++ {
		c.Best = append(c.Best, r[i].Tenant)
		c.Laggards = append(c.Laggards, r[len(r)-k+i].Tenant)
	}
}

// Seal computes the SHA-256 digest over the content (everything but the
// digest), so any later change to a stored circular shows. It is a digest,
// not a signature: the issuer is recorded beside it.
func (c *Circular) Seal() {
	c.Digest = ""
	b, _ := json.Marshal(c)
	h := sha256.Sum256(b)
	c.Digest = hex.EncodeToString(h[:])
}

// CircularSummary is a circular as lists show it.
type CircularSummary struct {
	ID         string    `json:"id"`
	Tenant     string    `json:"tenant"`
	Title      string    `json:"title"`
	PeriodFrom string    `json:"period_from"`
	PeriodTo   string    `json:"period_to"`
	SignedBy   string    `json:"signed_by"`
	SignedAt   time.Time `json:"signed_at"`
	Digest     string    `json:"digest"`
}
