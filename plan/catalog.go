package plan

// Built-in metric ids: the quantities the standards engine computes from
// monitoring data for an area and a calendar year (HJ 663-2013 §5, the
// 2026 edition alike). Targets in these metrics are evaluated with
// TargetInputs rather than from reports.
const (
	MetricGoodDaysRatio  = "good_days_ratio"   // 优良天数比例: days with AQI ≤ 100 / valid days, %
	MetricHeavyDaysRatio = "heavy_days_ratio"  // 重污染天数比例: days with AQI > 200 / valid days, %
	MetricGrade2         = "grade2_compliance" // 二级达标: all six items within the grade-II limits
	MetricRank           = "rank"              // position in a national or provincial ranking (1 = best)
)

// BuiltinMetrics are the engine-computed metrics every plan may use without
// declaring them.
var BuiltinMetrics = []Metric{
	{ID: MetricGoodDaysRatio, Name: "空气质量优良天数比例", Unit: "%", Source: SourceEngine},
	{ID: MetricHeavyDaysRatio, Name: "重污染天数比例", Unit: "%", Source: SourceEngine},
	{ID: MetricGrade2, Name: "环境空气质量二级达标", Unit: "", Source: SourceEngine},
	{ID: MetricRank, Name: "环境空气质量排名", Unit: "位", Source: SourceEngine},
}

// Comparators a target or indicator may use.
//
//	>= <= > < =   the value compared with Value
//	achieve       a yes/no outcome is reached (二级达标, 建成通车); no Value
//	improve       a rank better (smaller) than the previous year's; no Value
//	decrease_by   the value falls by at least Value against Baseline
//	              (reports give the change in Unit, e.g. 百分点)
//	increase_by   the value rises by at least Value against Baseline
var Comparators = []string{">=", "<=", ">", "<", "=", "achieve", "improve", "decrease_by", "increase_by"}

// comparatorNeedsValue tells which comparators compare with a Value.
func comparatorNeedsValue(c string) bool {
	switch c {
	case "achieve", "improve":
		return false
	}
	return true
}

func knownComparator(c string) bool {
	for _, k := range Comparators {
		if k == c {
			return true
		}
	}
	return false
}

// Units a plan may state values in, with their meaning. The list is closed
// so that a typo (万千万, 蒸吨) is an error rather than a new unit; extend it
// here when a plan needs a unit it lacks.
var Units = map[string]string{
	"":         "dimensionless (yes/no outcomes)",
	"%":        "percent",
	"百分点":      "percentage points",
	"位":        "rank position",
	"个":        "count (items)",
	"座":        "count (stations, buildings)",
	"台":        "count (machines, generating units, boilers)",
	"辆":        "count (vehicles)",
	"条":        "count (lines: rail sidings, roads)",
	"家":        "count (enterprises)",
	"处":        "count (sites)",
	"项":        "count (projects)",
	"万千瓦":      "10 MW of installed capacity",
	"兆瓦":       "MW",
	"吉瓦":       "GW",
	"万吨":       "10 kt",
	"吨":        "t",
	"蒸吨/小时":    "steam tonnes per hour (boiler rating)",
	"吨/月·平方公里": "dust fall, t per month per km²",
	"微克/立方米":   "µg/m³",
	"毫克/立方米":   "mg/m³",
	"天":        "days",
	"公里":       "km",
	"万元":       "10 k CNY",
}

// AreaKinds are the known area kinds.
var AreaKinds = []AreaKind{AreaCity, AreaDistrict, AreaCounty, AreaCountyCity, AreaZone, AreaTownship}

func knownAreaKind(k AreaKind) bool {
	for _, a := range AreaKinds {
		if a == k {
			return true
		}
	}
	return false
}
