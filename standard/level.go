package standard

import "fmt"

// Level is the AQI level (空气质量指数级别) 1…6 of HJ 633-2012 表2 /
// HJ 633-2026 表1; 0 means no level (AQI not available).
type Level uint8

// LevelOf returns the level of an AQI value: ≤50 → 1, ≤100 → 2, ≤150 → 3,
// ≤200 → 4, ≤300 → 5, above → 6. AQI is an integer, so the table's ranges
// are inclusive upper bounds. Negative AQI has no level.
func LevelOf(aqi int) Level {
	if aqi < 0 {
		return 0
	}
	// (aqi+49)/50 is 0 for 0, then 1 per step of 50 from 1; levels 5 and
	// 6 begin at 201 and 301. A lookup instead of a chain of compares:
	// the AQI of successive days is no help to a branch predictor.
	return levelBySpan[(min(aqi, 301)+49)/50]
}

// levelBySpan[(min(aqi, 301)+49)/50] is the level of aqi ≥ 0 (see LevelOf).
var levelBySpan = [...]Level{1, 1, 2, 3, 4, 5, 5, 6}

// RGB is a colour of HJ 633 附录A 表A.1.
type RGB struct{ R, G, B uint8 }

// Hex returns the colour as "#RRGGBB".
func (c RGB) Hex() string { return fmt.Sprintf("#%02X%02X%02X", c.R, c.G, c.B) }

type levelInfo struct {
	name, category, categoryEN, colourName, hex string
	rgb                                         RGB
	cmyk                                        [4]uint8
	health2012, advice2012                      string
	health2026, advice2026                      string
}

// HJ 633-2012 表2 / 附录A and HJ 633-2026 表1 / 附录A (standards.md §1.6),
// transcribed verbatim including the source's "锻练".
var levels = [7]levelInfo{
	{},
	{"一级", "优", "Excellent", "绿色", "#00E400", RGB{0, 228, 0}, [4]uint8{40, 0, 100, 0},
		"空气质量令人满意，基本无空气污染", "各类人群可正常活动",
		"空气质量令人满意，基本无空气污染", "各类人群可正常活动"},
	{"二级", "良", "Good", "黄色", "#FFFF00", RGB{255, 255, 0}, [4]uint8{0, 0, 100, 0},
		"空气质量可接受，但某些污染物可能对极少数异常敏感人群健康有较弱影响", "极少数异常敏感人群应减少户外活动",
		"空气质量可接受，但某些污染物可能对极少数异常敏感人群健康有较弱影响", "极少数异常敏感人群应减少户外活动"},
	{"三级", "轻度污染", "Lightly polluted", "橙色", "#FF7E00", RGB{255, 126, 0}, [4]uint8{0, 52, 100, 0},
		"易感人群症状有轻度加剧，健康人群出现刺激症状", "儿童、老年人及心脏病、呼吸系统疾病患者应减少长时间、高强度的户外锻炼",
		"敏感人群症状有轻度加剧，健康人群出现刺激症状", "青少年儿童、老年人及心血管系统疾病、呼吸系统疾病患者应减少长时间、高强度的户外锻炼"},
	{"四级", "中度污染", "Moderately polluted", "红色", "#FF0000", RGB{255, 0, 0}, [4]uint8{0, 100, 100, 0},
		"进一步加剧易感人群症状，可能对健康人群心脏、呼吸系统有影响", "儿童、老年人及心脏病、呼吸系统疾病患者避免长时间、高强度的户外锻练，一般人群适量减少户外运动",
		"进一步加剧敏感人群症状，可能对健康人群心血管系统、呼吸系统有影响", "青少年儿童、老年人及心血管系统疾病、呼吸系统疾病患者避免长时间、高强度的户外锻炼，一般人群适量减少户外运动"},
	{"五级", "重度污染", "Heavily polluted", "紫色", "#99004C", RGB{153, 0, 76}, [4]uint8{10, 100, 40, 30},
		"心脏病和肺病患者症状显著加剧，运动耐受力降低，健康人群普遍出现症状", "儿童、老年人和心脏病、肺病患者应停留在室内，停止户外运动，一般人群减少户外运动",
		"心血管系统和呼吸系统患者症状显著加剧，运动耐受力降低，健康人群普遍出现症状", "青少年儿童、老年人和心血管系统疾病、呼吸系统疾病患者应停留在室内，停止户外运动，一般人群减少户外运动"},
	{"六级", "严重污染", "Severely polluted", "褐红色", "#7E0023", RGB{126, 0, 35}, [4]uint8{30, 100, 100, 30},
		"健康人群运动耐受力降低，有明显强烈症状，提前出现某些疾病", "儿童、老年人和病人应当留在室内，避免体力消耗，一般人群应避免户外活动",
		"健康人群运动耐受力降低，有明显强烈症状，提前出现某些疾病", "青少年儿童、老年人和病人应当留在室内，避免体力消耗，一般人群应避免户外活动"},
}

func (l Level) info() *levelInfo {
	if l > 6 {
		return &levels[0]
	}
	return &levels[l]
}

// Name returns the level name, "一级" … "六级".
func (l Level) Name() string { return l.info().name }

// Category returns the category (类别), "优" … "严重污染".
func (l Level) Category() string { return l.info().category }

// CategoryEN returns the English category used by the UI.
func (l Level) CategoryEN() string { return l.info().categoryEN }

// ColourName returns the colour's Chinese name (绿色 … 褐红色).
func (l Level) ColourName() string { return l.info().colourName }

// Hex returns the HJ 633 附录A colour as "#RRGGBB" ("" for no level).
func (l Level) Hex() string { return l.info().hex }

// RGB returns the HJ 633 附录A colour.
func (l Level) RGB() RGB { return l.info().rgb }

// CMYK returns the HJ 633 附录A print colour (percent).
func (l Level) CMYK() [4]uint8 { return l.info().cmyk }

// Health returns the health effects text (对健康影响情况) of the edition.
func (l Level) Health(e Edition) string {
	if e.Is2026() {
		return l.info().health2026
	}
	return l.info().health2012
}

// Advice returns the recommended measures (建议采取的措施) of the edition.
func (l Level) Advice(e Edition) string {
	if e.Is2026() {
		return l.info().advice2026
	}
	return l.info().advice2012
}

// SensitiveGroups returns the sensitive groups of HJ 633-2026 表2 for a
// pollutant whose IAQI exceeds 100 (2026 only; "" under 2012).
func SensitiveGroups(e Edition, p Pollutant) string {
	if !e.Is2026() {
		return ""
	}
	switch p {
	case SO2:
		return "患有哮喘的人、青少年儿童以及老年人"
	case NO2:
		return "患有呼吸系统疾病（如哮喘）的人、青少年儿童以及老年人"
	case CO:
		return "患有心血管系统疾病的人"
	case O3:
		return "患有呼吸系统疾病（如哮喘）的人、青少年儿童、户外活动频繁的人以及老年人"
	case PM10, PM25:
		return "患有心血管系统疾病或呼吸系统疾病（如哮喘）的人、青少年儿童、户外活动频繁的人以及老年人"
	}
	return ""
}
