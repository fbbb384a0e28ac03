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
	Due           int     `json:"due" doc:"Assignments due by the end of the period, or submitted: what the on-time rate is of"`
	NothingDue    bool    `json:"nothing_due" doc:"Nothing was due in the period: no rate, not ranked, neither best nor laggard"`
	OnTime        int     `json:"on_time"`
	OnTimeRate    float64 `json:"on_time_rate" doc:"on_time / due; 0 and nothing_due when nothing was due"`
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
	IssuerName    string        `json:"issuer_name,omitempty" doc:"The issuing tenant's name"`
	Number        string        `json:"number,omitempty" doc:"文号: the issuer's number of the year, e.g. 河南省督办通报〔2026〕3号"`
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
// closed; rows with nothing due come last, unranked (rank 0) — and numbers
// them so that equal standing shares a rank (1, 2, 2, 4). The best and the
// laggards are named only among rows with something due: the rows ranked
// in the first quarter (at least one place, at most three; all who share
// the last such rank), and those ranked in the last quarter below every best
// one. When everyone stands equal, no one is named.
func (c *Circular) Rank() {
	r := c.Rows
	for i := range r {
		if r[i].Due == 0 {
			r[i].NothingDue, r[i].OnTimeRate = true, 0
		}
	}
	better := func(a, b CircularRow) int { // < 0: a stands better
		switch {
		case a.NothingDue != b.NothingDue:
			if b.NothingDue {
				return -1
			}
			return 1
		case a.OnTimeRate != b.OnTimeRate:
			if a.OnTimeRate > b.OnTimeRate {
				return -1
			}
			return 1
		case a.Coverage != b.Coverage:
			if a.Coverage > b.Coverage {
				return -1
			}
			return 1
		case a.Overdue != b.Overdue:
			return a.Overdue - b.Overdue
		case a.HazardsClosed != b.HazardsClosed:
			return b.HazardsClosed - a.HazardsClosed
		}
		return 0
	}
	sort.SliceStable(r, func(i, j int) bool {
		if d := better(r[i], r[j]); d != 0 {
			return d < 0
		}
		return r[i].Tenant < r[j].Tenant // equal standing: listed by code, same rank
	})
	ranked := 0
	for i := range r {
		switch {
		case r[i].NothingDue:
			r[i].Rank = 0
			continue
		case i > 0 && better(r[i-1], r[i]) == 0:
			r[i].Rank = r[i-1].Rank
		default:
			r[i].Rank = i + 1
		}
		ranked++
	}
	c.Best, c.Laggards = []string{}, []string{}
	if ranked < 2 || r[0].Rank == r[ranked-1].Rank {
		return // one unit, or all equal: no one stands out
	}
	k := min(max(ranked/4, 1), 3)
	bestRank := r[k-1].Rank     // the rank of the k-th place: all who share it are best
	lagRank := r[ranked-k].Rank // the rank of the k-th place from the end
	for _, row := range r[:ranked] {
		switch {
		case row.Rank <= bestRank:
			c.Best = append(c.Best, row.Tenant)
		case row.Rank >= lagRank:
			c.Laggards = append(c.Laggards, row.Tenant)
		}
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
