package duban

// AccidentGrade is the grade of a work-safety accident (事故等级).
type AccidentGrade string

// Accident grades, lowest first.
const (
	GradeGeneral         AccidentGrade = "general"          // 一般事故
	GradeLarger          AccidentGrade = "larger"           // 较大事故
	GradeMajor           AccidentGrade = "major"            // 重大事故
	GradeEspeciallyMajor AccidentGrade = "especially_major" // 特别重大事故
)

// GradeAccident grades an accident by the 2007 regulation on work-safety
// accident reports (生产安全事故报告和调查处理条例, art. 3): by deaths
// (3 / 10 / 30), serious injuries (10 / 50 / 100) and direct economic loss
// (10 / 50 / 100 million CNY), the higher grade winning. "以上" includes the
// number, "以下" does not. Negative figures count as zero.
func GradeAccident(deaths, seriousInjuries int, directLossCNY int64) AccidentGrade {
	const million = 1_000_000
	grade := GradeGeneral
	raise := func(g AccidentGrade) {
		if accidentRank(g) > accidentRank(grade) {
			grade = g
		}
	}
	switch {
	case deaths >= 30:
		raise(GradeEspeciallyMajor)
	case deaths >= 10:
		raise(GradeMajor)
	case deaths >= 3:
		raise(GradeLarger)
	}
	switch {
	case seriousInjuries >= 100:
		raise(GradeEspeciallyMajor)
	case seriousInjuries >= 50:
		raise(GradeMajor)
	case seriousInjuries >= 10:
		raise(GradeLarger)
	}
	switch {
	case directLossCNY >= 100*million:
		raise(GradeEspeciallyMajor)
	case directLossCNY >= 50*million:
		raise(GradeMajor)
	case directLossCNY >= 10*million:
		raise(GradeLarger)
	}
	return grade
}

func accidentRank(g AccidentGrade) int {
	switch g {
	case GradeLarger:
		return 1
	case GradeMajor:
		return 2
	case GradeEspeciallyMajor:
		return 3
	}
	return 0
}

// RequiredLevel is the level an accident report must reach: general
// accidents the city, larger ones the province, major and especially major
// ones the nation.
func (g AccidentGrade) RequiredLevel() Level {
	switch g {
	case GradeLarger:
		return LevelProvince
	case GradeMajor, GradeEspeciallyMajor:
		return LevelNation
	}
	return LevelCity
}
