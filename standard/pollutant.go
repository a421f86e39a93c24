package standard

import (
	"fmt"
	"strings"
)

// Pollutant is one of the six basic items of GB 3095 (基本项目) that the
// AQI of HJ 633 and the assessment of HJ 663 are built on.
type Pollutant uint8

// The six basic pollutants, in the column order of lantian's hourly and daily
// outputs (so2,no2,co,o3,pm10,pm25).
const (
	SO2 Pollutant = iota
	NO2
	CO
	O3
	PM10
	PM25
	// NumPollutants is the number of basic pollutants; arrays indexed by
	// Pollutant have this length.
	NumPollutants = 6
)

// Pollutants lists the basic pollutants in their canonical order.
var Pollutants = [NumPollutants]Pollutant{SO2, NO2, CO, O3, PM10, PM25}

var pollutantNames = [NumPollutants]string{"SO2", "NO2", "CO", "O3", "PM10", "PM2.5"}
var pollutantCodes = [NumPollutants]string{"so2", "no2", "co", "o3", "pm10", "pm25"}
var pollutantNamesZH = [NumPollutants]string{"二氧化硫", "二氧化氮", "一氧化碳", "臭氧", "可吸入颗粒物", "细颗粒物"}

// String returns the name as published by CNEMC (SO2, NO2, CO, O3, PM10, PM2.5).
func (p Pollutant) String() string {
	if p < NumPollutants {
		return pollutantNames[p]
	}
	return fmt.Sprintf("Pollutant(%d)", uint8(p))
}

// Code returns the lower-case ASCII identifier used in CSV headers and the
// API (so2, no2, co, o3, pm10, pm25).
func (p Pollutant) Code() string {
	if p < NumPollutants {
		return pollutantCodes[p]
	}
	return p.String()
}

// NameZH returns the Chinese name of the pollutant.
func (p Pollutant) NameZH() string {
	if p < NumPollutants {
		return pollutantNamesZH[p]
	}
	return p.String()
}

// Unit returns the unit in which GB 3095 states the pollutant's limits:
// mg/m³ for CO, µg/m³ for the others.
func (p Pollutant) Unit() string {
	if p == CO {
		return "mg/m³"
	}
	return "μg/m³"
}

// PublishedDecimals is the number of decimals to which HJ 633-2026 §4.2.2
// rounds a concentration before its IAQI is computed and published: CO to
// 0.1 mg/m³, the others to whole µg/m³.
func (p Pollutant) PublishedDecimals() int {
	if p == CO {
		return 1
	}
	return 0
}

// ParsePollutant accepts the usual spellings of a pollutant name
// (PM2.5, pm25, PM2_5, so2, …), case-insensitively.
func ParsePollutant(s string) (Pollutant, error) {
	k := strings.ToLower(strings.TrimSpace(s))
	k = strings.NewReplacer(".", "", "_", "", "-", "", " ", "").Replace(k)
	for i, c := range pollutantCodes {
		if k == c {
			return Pollutant(i), nil
		}
	}
	return 0, fmt.Errorf("unknown pollutant %q (want one of so2, no2, co, o3, pm10, pm25)", s)
}
