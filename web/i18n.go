package web

import (
	"net/http"
	"strings"
)

// Languages of the dashboard: Chinese first, English on request.
const (
	langZH = "zh-CN"
	langEN = "en"
)

// catalogue holds every string the dashboard shows, in Chinese and English.
// Templates look strings up with {{t "key"}}; a test checks that every key
// used exists here and that every entry has both languages.
var catalogue = map[string][2]string{
	"app.name":              {"蓝天 · 空气质量限期达标平台", "Lantian · air-quality compliance platform"},
	"nav.overview":          {"总览", "Overview"},
	"nav.realtime":          {"实时", "Real time"},
	"nav.calendar":          {"日历", "Calendar"},
	"nav.ranking":           {"排名", "Ranking"},
	"nav.api":               {"API", "API"},
	"lang.switch":           {"English", "中文"},
	"nav.audit":             {"审计日志", "Audit log"},
	"nav.logout":            {"退出登录", "Sign out"},
	"role.admin":            {"系统管理员", "administrator"},
	"role.analyst":          {"分析人员", "analyst"},
	"role.leader":           {"局领导", "bureau leader"},
	"role.commission":       {"环委办", "commission office"},
	"role.county":           {"县（市、区）联络员", "county/district officer"},
	"role.department":       {"市直部门联络员", "department officer"},
	"role.viewer":           {"只读用户", "read-only viewer"},
	"role.machine":          {"机器客户端", "machine client"},
	"label.year":            {"年份", "Year"},
	"label.asof":            {"截至", "As of"},
	"label.area":            {"区域", "Area"},
	"label.station":         {"站点", "Station"},
	"label.stations":        {"评价站点数", "Evaluation stations"},
	"label.show":            {"查看", "Show"},
	"label.export":          {"导出", "Export"},
	"label.edition":         {"标准版本", "Edition"},
	"label.synthetic":       {"模拟数据", "Simulated data"},
	"label.nodata":          {"暂无监测数据", "No monitoring data"},
	"kind.national":         {"国控站", "national station"},
	"kind.provincial":       {"省控站", "provincial station"},
	"kind.county":           {"县控站", "county station"},
	"kind.township":         {"乡镇站", "township station"},
	"kind.micro":            {"微型站", "micro station"},
	"kind.background":       {"背景站", "background station"},
	"label.emptytable":      {"本表暂无数据：所选年份和范围内没有有足够监测数据的区域或站点（区域需接入评价站点数据后才参与统计和排名）。", "No rows: no area or station has enough monitoring data for the chosen year and scope (an area takes part once its evaluation stations' data are imported)."},
	"label.colon":           {"：", ": "},
	"label.nostations":      {"本区域尚未接入评价站点。导入站点数据（lantian import）或生成模拟数据（lantian demo --simulate）后在此显示。", "no evaluation station of this area is connected yet; the card fills once station data are imported (lantian import) or simulated (lantian demo --simulate)."},
	"label.nohours":         {"本区域 %d 个评价站点在 %d 年没有有效监测数据。", "the area's %d evaluation stations have no valid data in %d."},
	"label.source":          {"数据来源", "Where the numbers come from"},
	"label.unit":            {"单位", "Unit"},
	"label.period":          {"时段", "Period"},
	"label.month":           {"月份", "Month"},
	"label.kind":            {"类型", "Kind"},
	"label.time":            {"时间", "Time"},
	"label.date":            {"日期", "Date"},
	"label.aqi":             {"AQI", "AQI"},
	"label.category":        {"类别", "Category"},
	"label.primary":         {"首要污染物", "Primary pollutant"},
	"label.valid":           {"有效", "Valid"},
	"label.invalid":         {"无效", "Invalid"},
	"label.yes":             {"是", "yes"},
	"label.no":              {"否", "no"},
	"label.detail":          {"详情", "Detail"},
	"label.coverage":        {"有效数据", "Coverage"},
	"label.insufficient":    {"数据不足", "insufficient"},
	"label.invalidvalue":    {"数据不足：有效天数 %d/%d，不满足 GB 3095 表4 的数据有效性规定；数值仅供参考，不作达标评价", "Insufficient data: %d/%d valid days, short of GB 3095 Table 4; the value is for information only and is not assessed"},
	"label.invalidnote":     {"数据不足：有效天数不满足 GB 3095 表4 的数据有效性规定，数值仅供参考，不作达标评价（鼠标悬停查看有效天数）。", "Insufficient data: fewer valid days than GB 3095 Table 4 requires; the value is for information only and is not assessed (hover for the valid days)."},
	"label.validity":        {"数据有效性", "Validity"},
	"method.actual":         {"全年数据已齐，预测即实际值", "year complete: the projection is the actual value"},
	"method.persistence":    {"无往年数据：按本年已过天数外推", "no earlier years: extrapolated from this year so far"},
	"method.climatology":    {"按往年同期均值预测", "projected from earlier years' same period"},
	"method.none":           {"无数据", "no data"},
	"label.reference":       {"参照", "reference"},
	"card.goodratio":        {"优良天数比例", "Good-days ratio"},
	"card.heavy":            {"重污染天数", "Heavy-pollution days"},
	"card.nongoodleft":      {"剩余可超标天数", "Non-good days still allowed"},
	"card.heavyleft":        {"剩余可重污染天数", "Heavy days still allowed"},
	"card.pm25allowance":    {"PM2.5 年剩余日控制值", "PM2.5 remaining daily allowance"},
	"card.projection":       {"年末预测", "Year-end projection"},
	"card.pmeet":            {"达标概率", "Probability of meeting"},
	"card.target":           {"目标", "Target"},
	"card.limit":            {"二级限值", "Grade-II limit"},
	"card.ytd":              {"年初至今", "Year to date"},
	"card.compliant":        {"二级达标", "Grade-II compliant"},
	"card.composite":        {"综合指数", "Composite index"},
	"card.validdays":        {"有效天数", "Valid days"},
	"card.days":             {"天", "days"},
	"card.lost":             {"目标已无法完成", "target can no longer be met"},
	"card.yearover":         {"全年已结束", "year complete"},
	"card.plantargets":      {"规划目标", "Plan targets"},
	"card.method":           {"预测方法：按本区域历史日数据估计剩余天数均值及其波动（90% 区间）", "Projection: mean and spread of the remaining days estimated from the area's own daily history (90 % interval)"},
	"stat.annual_mean":      {"年平均", "annual mean"},
	"stat.p95":              {"24小时平均第95百分位数", "24-hour mean, 95th percentile"},
	"stat.p90_mda8":         {"日最大8小时平均第90百分位数", "daily maximum 8-hour mean, 90th percentile"},
	"item.name":             {"评价项目", "Item"},
	"item.value":            {"浓度", "Value"},
	"item.limit":            {"标准限值", "Limit"},
	"item.compliant":        {"达标", "Compliant"},
	"item.multiple":         {"超标倍数", "Exceedance multiple"},
	"status.met":            {"已达成", "met"},
	"status.not_met":        {"未达成", "not met"},
	"status.on_track":       {"进展正常", "on track"},
	"status.at_risk":        {"有风险", "at risk"},
	"status.no_data":        {"无数据", "no data"},
	"status.not_computable": {"需报送", "reported"},
	"overview.title":        {"目标总览", "Targets overview"},
	"overview.cards":        {"城市及各县（市、区）目标卡片", "Target cards of the city and every county"},
	"overview.table":        {"目标完成情况汇总", "Target summary"},
	"realtime.title":        {"实时空气质量", "Real-time air quality"},
	"realtime.stations":     {"站点实时 AQI", "Station real-time AQI"},
	"realtime.areas":        {"区域实时 AQI", "Area real-time AQI"},
	"realtime.map":          {"站点分布", "Station map"},
	"realtime.latest":       {"最新时次", "Latest hour"},
	"calendar.title":        {"AQI 日历", "AQI calendar"},
	"calendar.table":        {"逐日 AQI", "Daily AQI"},
	"ranking.title":         {"区域排名", "Area ranking"},
	"ranking.composite":     {"按综合指数排名", "Ranked by composite index"},
	"ranking.change":        {"按同比变化率排名", "Ranked by change vs same period last year"},
	"ranking.rank":          {"排名", "Rank"},
	"ranking.tie":           {"并列", "tied"},
	"ranking.prev":          {"去年同期", "Same period last year"},
	"ranking.changerate":    {"变化率", "Change rate"},
	"ranking.kind.month":    {"月度", "Month"},
	"ranking.kind.ytd":      {"年初至今", "Year to date"},
	"ranking.kind.year":     {"全年", "Year"},
	"ranking.method":        {"综合指数 = ΣCi/Si（SO2、NO2、PM10、PM2.5 年均值，CO 第95百分位数，O3 第90百分位数）；按升序排名，数值相同者并列。", "Composite index = ΣCi/Si (annual means of SO2, NO2, PM10, PM2.5; CO 95th and O3 90th percentiles); ranked ascending, equal values tied."},
	"detail.series":         {"六项污染物日均浓度（O3 为日最大8小时平均）", "Daily values of the six pollutants (O3: daily maximum 8-hour mean)"},
	"detail.diurnal":        {"日变化", "Diurnal profile"},
	"detail.weekly":         {"周变化", "Weekly profile"},
	"detail.daily":          {"逐日统计", "Daily statistics"},
	"detail.assessment":     {"年度评价", "Annual assessment"},
	"detail.stations":       {"评价站点", "Evaluation stations"},
	"detail.provenance":     {"数据来源：%d 个站点、%d 个有效小时，%s", "Source: %d stations, %d valid hours, %s"},
	"detail.hours":          {"有效小时", "Valid hours"},
	"detail.days":           {"有效天数", "Valid days"},
	"error.title":           {"出错了", "Something went wrong"},
	"error.back":            {"返回总览", "Back to the overview"},
	"footer.text":           {"数据按 HJ 633、GB 3095、HJ 663 计算；时间为北京时间，小时按结束时刻标记。", "Computed per HJ 633, GB 3095 and HJ 663; Beijing time, hours labelled by their end."},
}

// translator returns the lookup function for a language. Unknown keys
// show as the key itself, which the catalogue test prevents.
func translator(lang string) func(string) string {
	i := 0
	if lang == langEN {
		i = 1
	}
	return func(key string) string {
		if m, ok := catalogue[key]; ok {
			return m[i]
		}
		return key
	}
}

// language picks the language of a request: ?lang= first (and remembered
// in a cookie), then the lang cookie, then Chinese.
func language(w http.ResponseWriter, r *http.Request) string {
	if q := r.URL.Query().Get("lang"); q != "" {
		l := langZH
		if strings.HasPrefix(strings.ToLower(q), "en") {
			l = langEN
		}
		http.SetCookie(w, &http.Cookie{Name: "lang", Value: l, Path: "/", MaxAge: 365 * 24 * 3600, HttpOnly: true, SameSite: http.SameSiteLaxMode})
		return l
	}
	if c, err := r.Cookie("lang"); err == nil && c.Value == langEN {
		return langEN
	}
	return langZH
}
