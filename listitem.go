package duban

import "time"

// The three lists (三个清单) every target tenant of a rectification campaign keeps.
const (
	ListProblems = "problems" // 问题隐患清单
	ListMeasures = "measures" // 制度措施清单
	ListTasks    = "tasks"    // 重点任务清单
)

// Lists names the three lists.
var Lists = []string{ListProblems, ListMeasures, ListTasks}

// ListItem is one item of a tenant's list in a campaign.
type ListItem struct {
	Campaign  string          `json:"campaign"`
	Tenant    string          `json:"tenant"`
	Key       string          `json:"key" doc:"The item's key, chosen by the tenant (unique per campaign and tenant)"`
	List      string          `json:"list" enum:"problems,measures,tasks"`
	Title     string          `json:"title"`
	Owner     string          `json:"owner" doc:"Who is responsible (责任人/责任单位)"`
	DueOn     string          `json:"due_on" doc:"YYYY-MM-DD"`
	Status    string          `json:"status" enum:"open,in_progress,done"`
	Note      string          `json:"note,omitempty"`
	Overdue   bool            `json:"overdue" doc:"Not done and past its due day"`
	Version   int64           `json:"version"`
	UpdatedBy string          `json:"updated_by"`
	UpdatedAt time.Time       `json:"updated_at"`
	History   []ListItemEvent `json:"history,omitempty"`
}

// ListItemEvent is one version of an item.
type ListItemEvent struct {
	Version int64     `json:"version"`
	At      time.Time `json:"at"`
	Actor   string    `json:"actor"`
	Item    ListItem  `json:"item"`
}

// ListItemFilter selects items.
type ListItemFilter struct {
	Campaign, Within, List, Status string
	History                        bool
	After                          string // cursor: tenant/key
	Limit                          int
	Today                          time.Time
}
