package calc

import (
	"fmt"
	"strings"
	"time"

	"github.com/lantian-aq/lantian/standard"
)

// RulesFor returns the default rules with the edition chosen by name:
// "auto" (or empty) applies each edition on its own dates (HJ 633-2012,
// HJ 663-2013 and GB 3095-2012 before 2026-03-01, the 2026 documents with
// the GB 3095-2026 transitional limits from then, the final limits from
// 2031-01-01); "2012", "2026" (transitional limits) and "2031" (2026
// documents with the final limits) apply one edition to every date, for
// comparisons such as "2019 judged by the 2026 rules".
func RulesFor(edition string) (standard.Rules, error) {
	r := standard.DefaultRules()
	past := time.Date(1, 1, 1, 0, 0, 0, 0, standard.Beijing)
	future := time.Date(9999, 1, 1, 0, 0, 0, 0, standard.Beijing)
	switch strings.ToLower(strings.TrimSpace(edition)) {
	case "", "auto":
	case "2012":
		r.Cutover2026, r.FinalLimitsFrom = future, future
	case "2026":
		r.Cutover2026, r.FinalLimitsFrom = past, future
	case "2031", "2026-final":
		r.Cutover2026, r.FinalLimitsFrom = past, past
	default:
		return r, fmt.Errorf("unknown edition %q (want auto, 2012, 2026 or 2031)", edition)
	}
	return r, nil
}
