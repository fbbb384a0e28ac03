package duban

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// The registry (四库): the records supervision runs on — enterprises
// (fireworks outlets and food businesses among them, as kinds of the same
// shape), personnel, projects and their dangerous works (危大工程).

// creditCodeChars is the alphabet of the unified social credit code
// (GB 32100-2015): digits and upper-case letters without I, O, S, V, Z.
const creditCodeChars = "0123456789ABCDEFGHJKLMNPQRTUWXY"

var creditCodeWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// CreditCodeCheck returns the check character of the first 17 characters of
// a unified social credit code, or 0 when they are not of its alphabet.
func CreditCodeCheck(first17 string) byte {
	if len(first17) != 17 {
		return 0
	}
	sum := 0
	for i := 0; i < 17; i++ {
		v := strings.IndexByte(creditCodeChars, first17[i])
		if v < 0 {
			return 0
		}
		sum += v * creditCodeWeights[i]
	}
	c := 31 - sum%31
	if c == 31 {
		c = 0
	}
	return creditCodeChars[c]
}

// CheckCreditCode explains what is wrong with a unified social credit code
// (统一社会信用代码), or returns "" when it is valid: 18 characters of its
// alphabet, the third to eighth the registering division's code, and the
// last the GB 32100-2015 check character.
func CheckCreditCode(s string) string {
	if len(s) != 18 || !utf8.ValidString(s) {
		return "must be 18 characters"
	}
	for i := 0; i < 18; i++ {
		if strings.IndexByte(creditCodeChars, s[i]) < 0 {
			return "must use digits and capital letters except I, O, S, V, Z"
		}
	}
	for i := 2; i < 8; i++ {
		if s[i] < '0' || s[i] > '9' {
			return "characters 3–8 must be a division code"
		}
	}
	if want := CreditCodeCheck(s[:17]); s[17] != want {
		return "the check character is wrong: expected " + string(want)
	}
	return ""
}

// idWeights are the GB 11643-1999 weights of an 18-digit resident ID.
var idWeights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// IDNumberCheck returns the GB 11643-1999 check character of the first 17
// digits of a resident ID number, or 0 when they are not 17 digits.
func IDNumberCheck(first17 string) byte {
	if len(first17) != 17 {
		return 0
	}
	sum := 0
	for i := 0; i < 17; i++ {
		if first17[i] < '0' || first17[i] > '9' {
			return 0
		}
		sum += int(first17[i]-'0') * idWeights[i]
	}
	return "10X98765432"[sum%11]
}

// CheckIDNumber explains what is wrong with a resident ID number
// (居民身份证号码, GB 11643-1999), or returns "".
func CheckIDNumber(s string) string {
	if len(s) != 18 {
		return "must be 18 characters"
	}
	want := IDNumberCheck(s[:17])
	if want == 0 {
		return "the first 17 characters must be digits"
	}
	if s[17] != want {
		return "the check digit is wrong"
	}
	if _, err := time.Parse("20060102", s[6:14]); err != nil {
		return "the birth date is not a date"
	}
	return ""
}

// MaskID shows an ID number as 4101**********123X: the division and the
// last four only.
func MaskID(s string) string {
	if len(s) < 8 {
		return strings.Repeat("*", len(s))
	}
	return s[:4] + strings.Repeat("*", len(s)-8) + s[len(s)-4:]
}

// MaskPhone shows a phone number as 138****5678.
func MaskPhone(s string) string {
	if len(s) < 7 {
		return strings.Repeat("*", len(s))
	}
	return s[:3] + strings.Repeat("*", len(s)-7) + s[len(s)-4:]
}

var phoneRE = regexp.MustCompile(`^(1[3-9][0-9]{9}|0[0-9]{2,3}-?[0-9]{7,8})$`)

// ValidPhone reports whether s is a mainland mobile or fixed-line number.
func ValidPhone(s string) bool { return phoneRE.MatchString(s) }

// EnterpriseKind is what an enterprise is, for supervision.
type EnterpriseKind string

// EnterpriseKindInfo names a kind and the line that supervises it.
type EnterpriseKindInfo struct {
	ID   EnterpriseKind `json:"id"`
	Name Text           `json:"name"`
	Line Line           `json:"line"`
}

// EnterpriseKinds are the kinds the registry knows.
var EnterpriseKinds = []EnterpriseKindInfo{
	{"construction", Text{"施工", "construction contractor"}, LineConstruction},
	{"supervision", Text{"监理", "construction supervisor"}, LineConstruction},
	{"developer", Text{"建设", "developer (建设单位)"}, LineConstruction},
	{"survey_design", Text{"勘察设计", "survey & design"}, LineConstruction},
	{"food_production", Text{"食品生产经营", "food production & trade"}, LineMarket},
	{"catering", Text{"餐饮", "catering"}, LineMarket},
	{"school_canteen", Text{"学校食堂", "school canteen"}, LineMarket},
	{"fireworks_wholesale", Text{"烟花爆竹批发", "fireworks wholesale"}, LineEmergency},
	{"fireworks_retail", Text{"烟花爆竹零售", "fireworks retail outlet"}, LineEmergency},
}

// KindInfo returns the kind's description, or nil.
func (k EnterpriseKind) KindInfo() *EnterpriseKindInfo {
	for i := range EnterpriseKinds {
		if EnterpriseKinds[i].ID == k {
			return &EnterpriseKinds[i]
		}
	}
	return nil
}

// Qualification is a qualification certificate's category and grade (资质).
type Qualification struct {
	Category string `json:"category" minLength:"1" maxLength:"100" doc:"资质类别, e.g. 建筑工程施工总承包"`
	Grade    string `json:"grade" enum:"特级,一级,二级,三级,甲级,乙级,丙级,不分等级" doc:"资质等级"`
}

// gradeRank orders grades: lower is higher (特级 0 … 三级 3).
var gradeRank = map[string]int{"特级": 0, "一级": 1, "甲级": 1, "二级": 2, "乙级": 2, "三级": 3, "丙级": 3, "不分等级": 4}

// GeneralContractGrade is the best grade among general-contracting
// qualifications (施工总承包), or -1 when there is none.
func GeneralContractGrade(qs []Qualification) int {
	best := -1
	for _, q := range qs {
		if r, ok := gradeRank[q.Grade]; ok && strings.HasSuffix(q.Category, "施工总承包") && (best < 0 || r < best) {
			best = r
		}
	}
	return best
}

// Dual-prevention stages of a registry record (双重预防体系建设).
const (
	DualNone          = "none"
	DualRiskGraded    = "risk_graded"   // 风险分级管控
	DualInvestigating = "investigating" // 隐患排查治理运行
	DualVerified      = "verified"      // 验收
)

// Enterprise is a record of the enterprise registry (企业库).
type Enterprise struct {
	CreditCode        string          `json:"credit_code" doc:"统一社会信用代码 (GB 32100-2015)"`
	Name              string          `json:"name"`
	Kind              EnterpriseKind  `json:"kind"`
	Tenant            string          `json:"tenant" doc:"Registering tenant"`
	TenantPath        string          `json:"-"`
	Lines             []Line          `json:"lines"`
	Qualifications    []Qualification `json:"qualifications"`
	LicenceNo         string          `json:"licence_no" doc:"安全生产许可证 / 食品经营许可证 / 烟花爆竹经营许可证 number"`
	LicenceValidUntil string          `json:"licence_valid_until,omitempty" doc:"YYYY-MM-DD"`
	LicensedAddress   string          `json:"licensed_address" doc:"证载地址"`
	OperatingAddress  string          `json:"operating_address" doc:"实际经营地址"`
	AddressMismatch   bool            `json:"address_mismatch" doc:"证件办理地点和经营地点不相吻合"`
	LegalRep          string          `json:"legal_rep" doc:"法定代表人"`
	Status            string          `json:"status" enum:"active,suspended,revoked,closed"`
	DualPrevention    string          `json:"dual_prevention" enum:"none,risk_graded,investigating,verified"`
	DPVerifiedAt      *time.Time      `json:"dual_prevention_verified_at,omitempty"`
	DPVerifiedBy      string          `json:"dual_prevention_verified_by,omitempty"`
	Version           int64           `json:"version"`
	CreatedAt         time.Time       `json:"created_at"`
	UpdatedAt         time.Time       `json:"updated_at"`
	UpdatedBy         string          `json:"updated_by"`
}

// EnterpriseInput is the body of create- and update-enterprise and a row
// of an enterprise import.
type EnterpriseInput struct {
	CreditCode        string          `json:"credit_code,omitempty" maxLength:"18" doc:"统一社会信用代码: 18 characters, checked by the GB 32100-2015 check character (required to create; update takes it from the path)"`
	Name              string          `json:"name" minLength:"1" maxLength:"200"`
	Kind              string          `json:"kind" enum:"construction,supervision,developer,survey_design,food_production,catering,school_canteen,fireworks_wholesale,fireworks_retail"`
	Tenant            string          `json:"tenant" minLength:"2" maxLength:"6" doc:"Registering tenant (code)"`
	Lines             []string        `json:"lines,omitempty" maxItems:"5" doc:"Department lines; default: the kind's (施工 → construction, 餐饮 → market, 烟花爆竹 → emergency)"`
	Qualifications    []Qualification `json:"qualifications,omitempty" maxItems:"20"`
	LicenceNo         string          `json:"licence_no,omitempty" maxLength:"64"`
	LicenceValidUntil string          `json:"licence_valid_until,omitempty" maxLength:"10" doc:"YYYY-MM-DD"`
	LicensedAddress   string          `json:"licensed_address,omitempty" maxLength:"300"`
	OperatingAddress  string          `json:"operating_address,omitempty" maxLength:"300"`
	LegalRep          string          `json:"legal_rep,omitempty" maxLength:"50"`
	Status            string          `json:"status,omitempty" enum:"active,suspended,revoked,closed" doc:"Default active"`
}

// Validate checks an enterprise and builds the record (without version and
// times). Locations are prefixed with at ("body." for the API).
func (in EnterpriseInput) Validate(dir *Directory, at string) (*Enterprise, error) {
	code := strings.ToUpper(strings.TrimSpace(in.CreditCode))
	if msg := CheckCreditCode(code); msg != "" {
		return nil, Invalid(at+"credit_code", msg, in.CreditCode)
	}
	if err := NonBlank(at+"name", in.Name); err != nil {
		return nil, err
	}
	kind := EnterpriseKind(in.Kind).KindInfo()
	if kind == nil {
		return nil, Invalid(at+"kind", "unknown kind", in.Kind)
	}
	t := dir.Get(in.Tenant)
	if t == nil || t.Code == RootCode {
		return nil, Invalid(at+"tenant", "unknown tenant", in.Tenant)
	}
	lines, err := inputLines(at+"lines", in.Lines, kind.Line)
	if err != nil {
		return nil, err
	}
	for i, q := range in.Qualifications {
		if strings.TrimSpace(q.Category) == "" {
			return nil, Invalid(at+"qualifications["+strconv.Itoa(i)+"].category", "must not be blank", q.Category)
		}
		if _, ok := gradeRank[q.Grade]; !ok {
			return nil, Invalid(at+"qualifications["+strconv.Itoa(i)+"].grade", "must be one of 特级, 一级, 二级, 三级, 甲级, 乙级, 丙级, 不分等级", q.Grade)
		}
	}
	if in.LicenceValidUntil != "" {
		if _, err := time.Parse("2006-01-02", in.LicenceValidUntil); err != nil {
			return nil, Invalid(at+"licence_valid_until", "must be a date YYYY-MM-DD", in.LicenceValidUntil)
		}
	}
	status := in.Status
	if status == "" {
		status = "active"
	}
	switch status {
	case "active", "suspended", "revoked", "closed":
	default:
		return nil, Invalid(at+"status", "must be one of active, suspended, revoked, closed", in.Status)
	}
	qs := in.Qualifications
	if qs == nil {
		qs = []Qualification{}
	}
	return &Enterprise{CreditCode: code, Name: strings.TrimSpace(in.Name), Kind: kind.ID, Tenant: t.Code, Lines: lines, Qualifications: qs,
		LicenceNo: strings.TrimSpace(in.LicenceNo), LicenceValidUntil: in.LicenceValidUntil, LicensedAddress: strings.TrimSpace(in.LicensedAddress),
		OperatingAddress: strings.TrimSpace(in.OperatingAddress), LegalRep: strings.TrimSpace(in.LegalRep), Status: status, DualPrevention: DualNone}, nil
}

// inputLines validates lines given in a request, defaulting to def (none
// when def is "").
func inputLines(at string, in []string, def Line) ([]Line, error) {
	var ls []Line
	for i, l := range in {
		if !Line(l).Valid() {
			return nil, Invalid(at+"["+strconv.Itoa(i)+"]", "unknown line: one of construction, emergency, market, safety_office, food_office", l)
		}
		ls = append(ls, Line(l))
	}
	ls, _, _ = NormalizeLines(ls)
	if len(ls) == 0 && def != "" {
		ls = []Line{def}
	}
	return ls, nil
}

// PersonRoles are the roles the personnel registry knows.
var PersonRoles = []Choice{
	{"project_manager", Text{"项目经理", "project manager"}},
	{"technical_lead", Text{"项目技术负责人", "technical lead"}},
	{"safety_officer", Text{"专职安全生产管理人员", "full-time safety officer"}},
	{"principal", Text{"企业主要负责人", "principal"}},
	{"chief_supervisor", Text{"总监理工程师", "chief supervising engineer"}},
	{"supervisor", Text{"专业监理工程师", "supervising engineer"}},
	{"special_worker", Text{"特种作业人员", "special-operations worker"}},
}

// Certificate is a person's certificate: 安管人员 A (principal), B (project
// manager), C (full-time safety officer), or another kind.
type Certificate struct {
	Kind       string `json:"kind" enum:"A,B,C,special,other" doc:"安管人员 A/B/C 证, 特种作业 special, other"`
	Number     string `json:"number" minLength:"1" maxLength:"64"`
	ValidUntil string `json:"valid_until" maxLength:"10" doc:"YYYY-MM-DD"`
	Expired    bool   `json:"expired" readOnly:"true"`
}

// Person is a record of the personnel registry (人员库). The ID number is
// never shown whole here: only masked.
type Person struct {
	ID           string        `json:"id"`
	Name         string        `json:"name"`
	Role         string        `json:"role"`
	Employer     string        `json:"employer,omitempty" doc:"Employer's credit code"`
	Tenant       string        `json:"tenant"`
	TenantPath   string        `json:"-"`
	Lines        []Line        `json:"lines"`
	IDMasked     string        `json:"id_number_masked" doc:"e.g. 4101**********123X; the whole number: get-person-id-number (audited)"`
	PhoneMasked  string        `json:"phone_masked,omitempty"`
	Certificates []Certificate `json:"certificates"`
	Status       string        `json:"status" enum:"active,inactive"`
	Version      int64         `json:"version"`
	CreatedAt    time.Time     `json:"created_at"`
	UpdatedAt    time.Time     `json:"updated_at"`
	UpdatedBy    string        `json:"updated_by"`
	// sealed personal data, set by the API from PersonInput
	IDHash      string `json:"-"`
	IDSealed    []byte `json:"-"`
	PhoneSealed []byte `json:"-"`
}

// PersonInput is the body of create- and update-person and a row of a
// personnel import.
type PersonInput struct {
	Name         string        `json:"name" minLength:"1" maxLength:"50"`
	IDNumber     string        `json:"id_number" maxLength:"18" doc:"居民身份证号码: stored sealed and as a keyed hash; shown masked"`
	Phone        string        `json:"phone,omitempty" maxLength:"20" doc:"Stored sealed; shown masked"`
	Role         string        `json:"role" enum:"project_manager,technical_lead,safety_officer,principal,chief_supervisor,supervisor,special_worker"`
	Employer     string        `json:"employer,omitempty" maxLength:"18" doc:"Employer's credit code, registered in the same subtree"`
	Tenant       string        `json:"tenant" minLength:"2" maxLength:"6"`
	Lines        []string      `json:"lines,omitempty" maxItems:"5" doc:"Default construction"`
	Certificates []Certificate `json:"certificates,omitempty" maxItems:"20"`
	Status       string        `json:"status,omitempty" enum:"active,inactive" doc:"Default active"`
}

// Validate checks a person (the ID number and phone stay in the input for
// the caller to seal).
func (in PersonInput) Validate(dir *Directory, at string) (*Person, error) {
	if err := NonBlank(at+"name", in.Name); err != nil {
		return nil, err
	}
	id := strings.ToUpper(strings.TrimSpace(in.IDNumber))
	if msg := CheckIDNumber(id); msg != "" {
		return nil, Invalid(at+"id_number", msg, MaskID(id))
	}
	if in.Phone != "" && !ValidPhone(in.Phone) {
		return nil, Invalid(at+"phone", "must be a mobile (11 digits) or fixed-line number", MaskPhone(in.Phone))
	}
	ok := false
	for _, r := range PersonRoles {
		ok = ok || r.ID == in.Role
	}
	if !ok {
		return nil, Invalid(at+"role", "unknown role", in.Role)
	}
	if in.Employer != "" {
		if msg := CheckCreditCode(in.Employer); msg != "" {
			return nil, Invalid(at+"employer", msg, in.Employer)
		}
	}
	t := dir.Get(in.Tenant)
	if t == nil || t.Code == RootCode {
		return nil, Invalid(at+"tenant", "unknown tenant", in.Tenant)
	}
	lines, err := inputLines(at+"lines", in.Lines, LineConstruction)
	if err != nil {
		return nil, err
	}
	certs := []Certificate{}
	for i, c := range in.Certificates {
		loc := at + "certificates[" + strconv.Itoa(i) + "]"
		switch c.Kind {
		case "A", "B", "C", "special", "other":
		default:
			return nil, Invalid(loc+".kind", "must be A, B, C, special or other", c.Kind)
		}
		if strings.TrimSpace(c.Number) == "" {
			return nil, Invalid(loc+".number", "must not be blank", c.Number)
		}
		if _, err := time.Parse("2006-01-02", c.ValidUntil); err != nil {
			return nil, Invalid(loc+".valid_until", "must be a date YYYY-MM-DD", c.ValidUntil)
		}
		c.Expired = false
		certs = append(certs, c)
	}
	status := in.Status
	if status == "" {
		status = "active"
	}
	if status != "active" && status != "inactive" {
		return nil, Invalid(at+"status", "must be active or inactive", in.Status)
	}
	p := &Person{Name: strings.TrimSpace(in.Name), Role: in.Role, Employer: strings.ToUpper(in.Employer), Tenant: t.Code, Lines: lines,
		IDMasked: MaskID(id), Certificates: certs, Status: status}
	if in.Phone != "" {
		p.PhoneMasked = MaskPhone(in.Phone)
	}
	return p, nil
}

var projectCodeRE = regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z-]{3,63}$`)

// Project is a record of the project registry (项目库).
type Project struct {
	Code           string     `json:"code" doc:"项目编号"`
	Name           string     `json:"name"`
	Tenant         string     `json:"tenant"`
	TenantPath     string     `json:"-"`
	Lines          []Line     `json:"lines"`
	Builder        string     `json:"builder,omitempty" doc:"建设单位 (credit code)"`
	Contractor     string     `json:"contractor,omitempty" doc:"施工总承包单位 (credit code)"`
	Supervisor     string     `json:"supervisor,omitempty" doc:"监理单位 (credit code)"`
	ContractAmount int64      `json:"contract_amount_cny" doc:"单项合同额, CNY"`
	StartsOn       string     `json:"starts_on,omitempty"`
	EndsOn         string     `json:"ends_on,omitempty"`
	Status         string     `json:"status" enum:"planned,under_construction,suspended,completed"`
	DualPrevention string     `json:"dual_prevention" enum:"none,risk_graded,investigating,verified"`
	DPVerifiedAt   *time.Time `json:"dual_prevention_verified_at,omitempty"`
	DPVerifiedBy   string     `json:"dual_prevention_verified_by,omitempty"`
	Version        int64      `json:"version"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
	UpdatedBy      string     `json:"updated_by"`
}

// ProjectInput is the body of create- and update-project and a row of a
// project import.
type ProjectInput struct {
	Code           string   `json:"code,omitempty" maxLength:"64" doc:"项目编号: 4–64 letters, digits or dashes (required to create; update takes it from the path)"`
	Name           string   `json:"name" minLength:"1" maxLength:"200"`
	Tenant         string   `json:"tenant" minLength:"2" maxLength:"6"`
	Lines          []string `json:"lines,omitempty" maxItems:"5" doc:"Default construction"`
	Builder        string   `json:"builder,omitempty" maxLength:"18"`
	Contractor     string   `json:"contractor,omitempty" maxLength:"18"`
	Supervisor     string   `json:"supervisor,omitempty" maxLength:"18"`
	ContractAmount int64    `json:"contract_amount_cny" minimum:"0" maximum:"1000000000000" doc:"单项合同额, CNY"`
	StartsOn       string   `json:"starts_on,omitempty" maxLength:"10"`
	EndsOn         string   `json:"ends_on,omitempty" maxLength:"10"`
	Status         string   `json:"status,omitempty" enum:"planned,under_construction,suspended,completed" doc:"Default under_construction"`
}

// Validate checks a project (the enterprises it names are checked against
// the registry by the caller).
func (in ProjectInput) Validate(dir *Directory, at string) (*Project, error) {
	if !projectCodeRE.MatchString(in.Code) {
		return nil, Invalid(at+"code", "must be 4–64 letters, digits or dashes", in.Code)
	}
	if err := NonBlank(at+"name", in.Name); err != nil {
		return nil, err
	}
	t := dir.Get(in.Tenant)
	if t == nil || t.Code == RootCode {
		return nil, Invalid(at+"tenant", "unknown tenant", in.Tenant)
	}
	lines, err := inputLines(at+"lines", in.Lines, LineConstruction)
	if err != nil {
		return nil, err
	}
	for _, f := range [][2]string{{"builder", in.Builder}, {"contractor", in.Contractor}, {"supervisor", in.Supervisor}} {
		if f[1] != "" {
			if msg := CheckCreditCode(strings.ToUpper(f[1])); msg != "" {
				return nil, Invalid(at+f[0], msg, f[1])
			}
		}
	}
	if in.ContractAmount < 0 || in.ContractAmount > 1e12 {
		return nil, Invalid(at+"contract_amount_cny", "must be between 0 and 10^12", in.ContractAmount)
	}
	for _, f := range [][2]string{{"starts_on", in.StartsOn}, {"ends_on", in.EndsOn}} {
		if f[1] != "" {
			if _, err := time.Parse("2006-01-02", f[1]); err != nil {
				return nil, Invalid(at+f[0], "must be a date YYYY-MM-DD", f[1])
			}
		}
	}
	if in.StartsOn != "" && in.EndsOn != "" && in.EndsOn < in.StartsOn {
		return nil, Invalid(at+"ends_on", "must not be before starts_on", in.EndsOn)
	}
	status := in.Status
	if status == "" {
		status = "under_construction"
	}
	switch status {
	case "planned", "under_construction", "suspended", "completed":
	default:
		return nil, Invalid(at+"status", "must be planned, under_construction, suspended or completed", in.Status)
	}
	return &Project{Code: in.Code, Name: strings.TrimSpace(in.Name), Tenant: t.Code, Lines: lines, Builder: strings.ToUpper(in.Builder),
		Contractor: strings.ToUpper(in.Contractor), Supervisor: strings.ToUpper(in.Supervisor), ContractAmount: in.ContractAmount,
		StartsOn: in.StartsOn, EndsOn: in.EndsOn, Status: status, DualPrevention: DualNone}, nil
}

// RegistryFilter selects registry records.
type RegistryFilter struct {
	Within   string // supervision path: only this subtree ("": the caller's scope)
	Query    string // name substring or code prefix
	Kind     string
	Status   string
	Line     string
	Mismatch bool   // enterprises whose licensed and operating addresses differ
	InScope  bool   // in the dual-prevention core scope
	Project  string // dangerous works of this project
	Overdue  bool   // dangerous works with an overdue gate
	After    string // cursor: the last key
	Limit    int
}

// DualPreventionScope is the in-scope rule of the dual-prevention template,
// as the seed puts it: "二级及以上施工总承包企业和单项合同额1亿元以上的房屋
// 建筑和市政工程项目…全覆盖，进一步向低资质和专业承包施工企业及小型工程项目
// 扩大延伸" — the core tier, and the extension tier beyond it.
type DualPreventionScope struct {
	MaxGrade       int   // general-contracting grade rank at most this (2: 二级 and above)
	MinContractCNY int64 // projects of at least this contract amount
	Extension      bool  // extension tier: every construction enterprise and every project
}

// CoreDualPreventionScope is the seed's core tier.
var CoreDualPreventionScope = DualPreventionScope{MaxGrade: 2, MinContractCNY: 100_000_000}

// Coverage is the dual-prevention coverage of one tenant's subtree,
// computed from the registry.
type Coverage struct {
	Tenant              string  `json:"tenant"`
	Name                string  `json:"name"`
	EnterprisesInScope  int     `json:"enterprises_in_scope"`
	EnterprisesVerified int     `json:"enterprises_verified"`
	ProjectsInScope     int     `json:"projects_in_scope"`
	ProjectsVerified    int     `json:"projects_verified"`
	Coverage            float64 `json:"coverage" doc:"(enterprises verified + projects verified) / (in scope); 0 when nothing is in scope"`
	NothingInScope      bool    `json:"nothing_in_scope"`
}

// Ratio fills Coverage from the counts.
func (c *Coverage) Ratio() {
	in := c.EnterprisesInScope + c.ProjectsInScope
	c.NothingInScope = in == 0
	if in > 0 {
		c.Coverage = float64(c.EnterprisesVerified+c.ProjectsVerified) / float64(in)
	}
}

// Registry kinds as the store and the import name them.
const (
	KindEnterprises    = "enterprises"
	KindProjects       = "projects"
	KindPersonnel      = "personnel"
	KindDangerousWorks = "dangerous_works"
)

// RegistryWrite is one record to create or update.
type RegistryWrite struct {
	Kind   string // KindEnterprises, KindProjects or KindPersonnel
	Key    string
	Tenant string
	Lines  []Line
	Name   string
	Doc    any   // the record as shown, without version and times
	Extra  []any // the kind's searchable columns (see the store)
	// Expect: -1 the record must be new, 0 any version, > 0 that version.
	Expect int64
	// Refs are enterprises the record names: they must be registered in
	// the same province.
	Refs []RegistryRef
}

// RegistryRef names an enterprise from a field.
type RegistryRef struct {
	Field string
	Code  string
}

// RowError is a problem with one row of an import (row 2 is the first
// below the header, as the spreadsheet numbers it).
type RowError struct {
	Row     int    `json:"row"`
	Column  string `json:"column" doc:"The column's header, e.g. 统一社会信用代码"`
	Field   string `json:"field" doc:"The field, e.g. credit_code"`
	Message string `json:"message"`
	Value   any    `json:"value,omitempty"`
}

// Registry write outcomes.
const (
	OutcomeCreated   = "created"
	OutcomeUpdated   = "updated"
	OutcomeUnchanged = "unchanged"
)

// DangerousWorkProjection is one versioned write of a dangerous work.
type DangerousWorkProjection struct {
	Work      DangerousWork
	RequestID string
	Actor     string
	Action    string
	Details   map[string]any
}

// RegistryStore keeps the registry.
type RegistryStore interface {
	// SaveRegistry writes the records in one transaction: outcomes per
	// write, or per-row errors (index in writes) and nothing written.
	// With commit false it answers what would happen and writes nothing.
	SaveRegistry(ctx context.Context, scope []string, writes []RegistryWrite, audit RegistryAudit, commit bool) ([]string, map[int][]RowError, error)
	GetEnterprise(ctx context.Context, scope []string, code string) (*Enterprise, error)
	ListEnterprises(ctx context.Context, scope []string, f RegistryFilter) ([]Enterprise, int, error)
	GetProject(ctx context.Context, scope []string, code string) (*Project, error)
	ListProjects(ctx context.Context, scope []string, f RegistryFilter) ([]Project, int, error)
	GetPerson(ctx context.Context, scope []string, id string) (*Person, error)
	ListPersonnel(ctx context.Context, scope []string, f RegistryFilter) ([]Person, int, error)
	// PersonSealed reads a person's sealed ID number and phone, auditing
	// the read on the person's tenant chain.
	PersonSealed(ctx context.Context, scope []string, id, purpose string) (idSealed, phoneSealed []byte, err error)
	SetDualPrevention(ctx context.Context, scope []string, kind, key, stage string, expect int64, at time.Time) (int64, error)
	// RegisteredWithin reports whether an enterprise or project is
	// registered inside the subtree at path.
	RegisteredWithin(ctx context.Context, kind, key, path string) (bool, error)
	RegistryCoverage(ctx context.Context, scope []string, node Tenant, children []Tenant, s DualPreventionScope) ([]Coverage, error)
	ProjectDangerousWork(ctx context.Context, scope []string, p DangerousWorkProjection) error
	GetDangerousWork(ctx context.Context, scope []string, id string) (*DangerousWork, error)
	ListDangerousWorks(ctx context.Context, scope []string, f RegistryFilter) ([]DangerousWork, int, error)
}

// RegistryAudit says how a SaveRegistry is audited: one event on Tenant's
// chain (an import is one event with its counts, not one per row).
type RegistryAudit struct {
	Tenant string
	Action string // e.g. enterprise.create, registry.import
	Target string
}
