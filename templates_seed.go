package duban

// The seed's campaign templates (../shared/seed): the three-year special
// rectification action, the house-building safety survey, the dual
// prevention system, the pre-holiday fireworks campaign, and the annual
// target-responsibility letters.

func count(name, zh, en string) FormField {
	return FormField{Name: name, Label: Text{zh, en}, Type: FieldInteger, Required: true, Min: Float(0), Max: Float(1e8),
		Hint: &Text{"填写截至报送日的累计数", "cumulative up to the day of reporting"}}
}

// in gives a field its unit.
func in(f FormField, zh, en string) FormField {
	f.Unit = &Text{zh, en}
	return f
}

func summary() FormField {
	return FormField{Name: "summary", Label: Text{"工作总结", "summary"}, Type: FieldText, Required: true, MaxLength: 5000}
}

func attachments() FormField {
	return FormField{Name: "attachments", Label: Text{"附件", "attachments"}, Type: FieldAttachment,
		Hint: &Text{"现场照片、整改材料（JPEG/PNG/PDF/Office，单个不超过 10 MiB）", "site photos, rectification records (JPEG/PNG/PDF/Office, up to 10 MiB each)"}}
}

// sameTask gives every level the same form, with level-specific titles.
func sameTask(title Text, form FormSchema) map[Level]Task {
	return map[Level]Task{
		LevelProvince: {Title: Text{"省级" + title.ZH, "Provincial " + title.EN}, Instructions: Text{"汇总所辖市县情况并报送。", "Roll up your cities and counties and report."}, Form: form},
		LevelCity:     {Title: Text{"市级" + title.ZH, "City " + title.EN}, Instructions: Text{"审核所辖县区报告，汇总后报送。", "Review your counties' reports, then submit the city's."}, Form: form},
		LevelCounty:   {Title: Text{"县级" + title.ZH, "County " + title.EN}, Instructions: Text{"按要求完成并报送。", "Carry it out and report."}, Form: form},
	}
}

func init() {
	rect := FormSchema{Fields: []FormField{
		count("problems_found", "问题隐患清单：排查问题隐患数", "problems & hazards found"),
		count("problems_rectified", "问题隐患清单：已整改数", "problems & hazards rectified"),
		count("measures_established", "制度措施清单：已建立制度措施数", "institutional measures established"),
		count("key_tasks_done", "重点任务清单：已完成重点任务数", "key tasks done"),
		{Name: "large_works_checked", Label: Text{"危大工程检查数", "dangerous large works checked"}, Type: FieldInteger, Min: Float(0), Max: Float(1e7)},
		{Name: "four_gates", Label: Text{"危大工程“四关”", "the four gates of dangerous large works"}, Type: FieldChecklist,
			Choices: []string{"plan_review", "safety_briefing", "implementation", "process_acceptance"}},
		{Name: "confined_space_checks", Label: Text{"市政地下有限空间作业检查数", "confined-space work checks (municipal underground)"}, Type: FieldInteger, Min: Float(0), Max: Float(1e7)},
		{Name: "enforcement_cases", Label: Text{"执法立案数", "enforcement cases"}, Type: FieldInteger, Min: Float(0), Max: Float(1e7)},
		{Name: "fines_cny", Label: Text{"罚款金额", "fines"}, Type: FieldDecimal, Min: Float(0), Max: Float(1e11), Unit: &Text{"元", "CNY"}},
		summary(), attachments(),
	}, AtMost: [][2]string{{"problems_rectified", "problems_found"}}}
	RegisterTemplate(&Template{
		ID:   "rectification-3y",
		Line: LineConstruction,
		Name: Text{"安全生产专项整治三年行动", "Three-year special rectification action"},
		Description: Text{"动员部署、排查整治、集中攻坚、巩固提升四个阶段；各地建立问题隐患、制度措施、重点任务“三个清单”并按月更新。",
			"Four stages: mobilise, investigate & rectify, concentrated push, consolidate; every tenant keeps the three lists (problems & hazards, institutional measures, key tasks) and updates them monthly."},
		Phases: []Phase{
			{ID: "mobilise", Name: Text{"动员部署", "Mobilise"}, DefaultDays: 60},
			{ID: "investigate", Name: Text{"排查整治", "Investigate & rectify"}, DefaultDays: 365},
			{ID: "push", Name: Text{"集中攻坚", "Concentrated push"}, DefaultDays: 730},
			{ID: "consolidate", Name: Text{"巩固提升", "Consolidate"}, DefaultDays: 1095},
		},
		Levels:     []Level{LevelCity, LevelCounty},
		Tasks:      sameTask(Text{"专项整治三年行动总结", "three-year action report"}, rect),
		Reminders:  []int{10, 5, 1},
		Escalation: DefaultEscalation,
		Lists:      true,
		Cadence: &Cadence{Name: Text{"三个清单月度更新", "Monthly update of the three lists"}, DueWorkday: 5,
			Tasks: sameTask(Text{"三个清单月度更新", "monthly update of the three lists"}, FormSchema{Fields: []FormField{
				count("problems_open", "问题隐患清单：未销号", "problems & hazards open"),
				count("problems_closed", "问题隐患清单：本月销号", "problems & hazards closed this month"),
				count("measures_added", "制度措施清单：本月新增", "institutional measures added this month"),
				count("tasks_done", "重点任务清单：本月完成", "key tasks done this month"),
				summary(),
			}})},
		FocusAreas: []Choice{
			{"dangerous_large_works", Text{"危险性较大的分部分项工程（方案审查、安全交底、现场实施、过程验收“四关”）", "dangerous large works (plan review, safety briefing, implementation, process acceptance)"}},
			{"confined_space", Text{"市政地下有限空间作业", "confined-space work in municipal underground facilities"}},
			{"enforcement", Text{"执法检查", "enforcement"}},
		},
	})

	house := FormSchema{Fields: []FormField{
		in(count("buildings_surveyed", "排查房屋总数", "buildings surveyed"), "栋", "buildings"),
		in(count("self_built_business", "其中：经营性自建房", "of which self-built houses used for business"), "栋", "buildings"),
		in(count("public_buildings", "其中：公共建筑", "of which public buildings"), "栋", "buildings"),
		in(count("hazards_found", "发现安全隐患数", "hazards found"), "处", "hazards"),
		in(count("hazards_rectified", "已整改隐患数", "hazards rectified"), "处", "hazards"),
		{Name: "illegal_construction", Label: Text{"城市建成区违法建设（处）", "illegal construction in built-up areas"}, Type: FieldInteger, Min: Float(0), Max: Float(1e8)},
		{Name: "illegal_approvals", Label: Text{"违法违规审批（件）", "illegal approvals"}, Type: FieldInteger, Min: Float(0), Max: Float(1e8)},
		summary(), attachments(),
	}, AtMost: [][2]string{{"hazards_rectified", "hazards_found"}, {"self_built_business", "buildings_surveyed"}, {"public_buildings", "buildings_surveyed"}}}
	RegisterTemplate(&Template{
		ID:   "house-survey",
		Line: LineConstruction,
		Name: Text{"房屋建筑安全隐患排查整治", "House-building safety hazard survey"},
		Description: Text{"第一阶段全面排查每栋房屋（经营性自建房、公共建筑等）；第二阶段清查城市建成区违法建设和违法违规审批；6月30日前完成。",
			"Phase 1: survey every building (self-built houses used for business, public buildings…); phase 2: audit illegal construction and illegal approvals in built-up areas; done by 30 June."},
		Phases: []Phase{
			{ID: "survey", Name: Text{"全面排查", "Survey every building"}, DefaultDate: "05-31"},
			{ID: "audit", Name: Text{"违法建设和违法违规审批清查", "Audit illegal construction and approvals"}, DefaultDate: "06-30"},
		},
		Levels:     []Level{LevelCity, LevelCounty},
		Tasks:      sameTask(Text{"房屋安全隐患排查整治情况", "house-safety survey report"}, house),
		Reminders:  []int{10, 5, 1, 0},
		Escalation: DefaultEscalation,
	})

	// The counts of enterprises and projects in scope and verified are not
	// asked: the registry computes them (RegistryCoverage); the form asks
	// what the registry cannot know.
	dual := FormSchema{Fields: []FormField{
		{Name: "measures", Label: Text{"推进措施", "measures taken"}, Type: FieldText, Required: true, MaxLength: 5000,
			Hint: &Text{"培训、指导、督导检查等推进双重预防体系建设的措施", "training, guidance, inspections that move dual prevention forward"}},
		count("inspections", "督导检查企业和项目次数", "inspections of enterprises and projects"),
		summary(), attachments(),
	}}
	RegisterTemplate(&Template{
		ID:   "dual-prevention",
		Line: LineConstruction,
		Name: Text{"双重预防体系建设", "Dual prevention system"},
		Description: Text{"二级及以上施工总承包企业和单项合同额1亿元以上的项目全覆盖：纳入范围和已验收的企业、项目由企业库、项目库计算（覆盖率 = 已验收 / 纳入范围），县级报告推进措施。",
			"General contractors of grade 2 and above and projects of 100 million CNY and more: the registry computes what is in scope and verified (coverage = verified / in scope); counties report their measures."},
		Phases:           []Phase{{ID: "build", Name: Text{"体系建设", "Build the system"}, DefaultDays: 180}},
		Levels:           []Level{LevelCity, LevelCounty},
		Tasks:            sameTask(Text{"双重预防体系建设情况", "dual-prevention status"}, dual),
		Reminders:        []int{10, 5, 1},
		Escalation:       DefaultEscalation,
		RegistryCoverage: true,
		Ratios: []Ratio{{Name: "coverage", Label: Text{"覆盖率", "coverage"}, Target: true,
			Numerator: []string{"enterprises_verified", "projects_verified"}, Denominator: []string{"enterprises_in_scope", "projects_in_scope"}}},
	})

	fireworks := FormSchema{Fields: []FormField{
		count("joint_inspections", "联合检查次数", "joint inspections"),
		count("outlets_inspected", "检查经营网点数", "outlets inspected"),
		count("illegal_stock_pieces", "收缴非法烟花爆竹（件）", "illegal stock confiscated (pieces)"),
		{Name: "illegal_stock_value_cny", Label: Text{"收缴非法烟花爆竹货值（元）", "illegal stock confiscated (value, CNY)"}, Type: FieldDecimal, Required: true, Min: Float(0), Max: Float(1e10)},
		{Name: "departments", Label: Text{"联合检查部门", "departments in the joint inspections"}, Type: FieldChecklist,
			Choices: []string{"emergency_management", "public_security", "market_regulation", "fire_rescue"}},
		{Name: "warehouse_checklist", Label: Text{"仓库标准化检查", "warehouse standardisation checklist"}, Type: FieldChecklist, Required: true,
			Choices: []string{"safety_distance", "lightning_protection", "video_monitoring", "duty_system", "stock_limits"}},
		summary(), attachments(),
	}}
	RegisterTemplate(&Template{
		ID:          "fireworks-holiday",
		Line:        LineEmergency,
		Name:        Text{"节前烟花爆竹安全专项整治", "Pre-holiday fireworks campaign"},
		Description: Text{"节前会同公安、市场监管、消防等部门联合检查经营网点和仓库，收缴非法烟花爆竹。", "Before the holiday: joint inspections of outlets and warehouses with other departments; confiscate illegal stock."},
		Phases:      []Phase{{ID: "inspect", Name: Text{"联合检查", "Joint inspections"}, DefaultDays: 14}},
		Levels:      []Level{LevelCity, LevelCounty},
		Tasks:       sameTask(Text{"烟花爆竹专项检查情况", "fireworks inspection report"}, fireworks),
		Reminders:   []int{2, 1, 0},
		Escalation:  DefaultEscalation,
	})

	letter := FormSchema{Fields: []FormField{
		{Name: "targets_accepted", Label: Text{"责任目标", "targets accepted"}, Type: FieldChecklist, Required: true,
			Choices: []string{"accident_control", "hazard_rectification", "dual_prevention", "emergency_response"}},
		{Name: "signatory", Label: Text{"签订人（主要负责人）", "signatory (principal official)"}, Type: FieldText, Required: true, MaxLength: 100},
		// The targets in figures, assessed at the year's end (create-assessment).
		{Name: "max_accidents", Label: Text{"事故起数控制目标（不超过，起）", "accidents: at most"}, Type: FieldInteger, Min: Float(0), Max: Float(1e6)},
		{Name: "max_deaths", Label: Text{"死亡人数控制目标（不超过，人）", "deaths: at most"}, Type: FieldInteger, Min: Float(0), Max: Float(1e6)},
		{Name: "reduce_percent", Label: Text{"事故起数比上年下降（不少于，%）", "accidents down on last year by at least (%)"}, Type: FieldDecimal, Min: Float(0), Max: Float(100)},
		{Name: "coverage_min", Label: Text{"双重预防体系覆盖率（不低于，%）", "dual-prevention coverage at least (%)"}, Type: FieldDecimal, Min: Float(0), Max: Float(100)},
		{Name: "on_time_min", Label: Text{"督办任务按时报送率（不低于，%）", "on-time rate of assignments at least (%)"}, Type: FieldDecimal, Min: Float(0), Max: Float(100)},
		{Name: "hazards_on_time_min", Label: Text{"隐患按期整改销号率（不低于，%）", "hazards closed on time at least (%)"}, Type: FieldDecimal, Min: Float(0), Max: Float(100)},
		{Name: "signed_on", Label: Text{"签订日期", "signed on"}, Type: FieldDate, Required: true},
		attachments(),
	}}
	RegisterTemplate(&Template{
		ID:          "responsibility-letter",
		Line:        LineConstruction,
		Name:        Text{"安全生产目标管理责任书", "Annual target-responsibility letters"},
		Description: Text{"省级下达年度目标管理责任书，各市、县逐级签订，逐级审核签收。", "The province issues the year's letters; each supervised tenant signs, down the tree, each level reviewing and signing off."},
		Phases:      []Phase{{ID: "sign", Name: Text{"签订", "Sign"}, DefaultDays: 30}},
		Levels:      []Level{LevelCity, LevelCounty},
		Tasks:       sameTask(Text{"目标管理责任书签订", "responsibility letter"}, letter),
		Reminders:   []int{5, 1},
		Escalation:  DefaultEscalation,
	})
}
