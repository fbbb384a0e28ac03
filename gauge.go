package duban

// Gauge is one value of a business series an operator watches (the
// assignments of a province by state, its overdue hazards, …).
type Gauge struct {
	Name   string // without the duban_ prefix
	Help   string
	Labels map[string]string
	Value  float64
}
