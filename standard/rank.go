package standard

import "sort"

// Ranked is one entry's place in a ranking.
type Ranked struct {
	// Index is the entry's position in the input.
	Index int `json:"index"`
	// Rank is 1 for the best; tied entries share the rank and the next
	// rank skips (1, 2, 2, 4: standard competition ranking). 0 means not
	// ranked (no valid value).
	Rank int `json:"rank"`
	// Tied is set when another entry has the same value (并列).
	Tied bool `json:"tied"`
}

// Rank ranks values ascending (smaller is better, as the composite index
// and its change rate are ranked, standards.md §4.2) with ties: equal
// values share a rank ("数值相同的城市以并列计"). Entries whose valid is
// false are not ranked. The result is in ranking order.
func Rank(values []int64, valid []bool) []Ranked {
	idx := make([]int, 0, len(values))
	for i := range values {
		if valid == nil || valid[i] {
			idx = append(idx, i)
		}
	}
	sort.SliceStable(idx, func(a, b int) bool { return values[idx[a]] < values[idx[b]] })
	out := make([]Ranked, 0, len(values))
	for k, i := range idx {
		rank := k + 1
		if k > 0 && values[idx[k-1]] == values[i] {
			rank = out[k-1].Rank
			out[k-1].Tied = true
			out = append(out, Ranked{Index: i, Rank: rank, Tied: true})
			continue
		}
		out = append(out, Ranked{Index: i, Rank: rank})
	}
	for i := range values {
		if valid != nil && !valid[i] {
			out = append(out, Ranked{Index: i})
		}
	}
	return out
}

// RankDecimals ranks published numbers (composite indices, change rates)
// ascending on their rounded values, so entries that publish the same
// number tie. Absent numbers are not ranked.
func RankDecimals(ds []Decimal) []Ranked {
	vals := make([]int64, len(ds))
	ok := make([]bool, len(ds))
	for i, d := range ds {
		if d.Valid() {
			// Compare at a common scale in case decimals differ.
			vals[i] = d.Scaled() * pow10[max(0, 6-d.Decimals)]
			ok[i] = true
		}
	}
	return Rank(vals, ok)
}

// RankChangeRates ranks cities by the change rate of their composite index
// (城市环境空气质量变化程度排名方案, standards.md §4.1): improvement ranks all
// cities ascending (the largest fall first); deterioration ranks, from the
// largest rise, only cities whose rate is positive and that are not already
// compliant with grade II in every pollutant (compliant[i]), which "do not
// take part in the deterioration ranking". Equal published rates tie.
func RankChangeRates(rates []Decimal, compliant []bool) (improvement, deterioration []Ranked) {
	improvement = RankDecimals(rates)
	neg := make([]Decimal, len(rates))
	for i, d := range rates {
		if !d.Valid() || d.Exact.Num <= 0 || (compliant != nil && compliant[i]) {
			continue
		}
		neg[i] = Decimal{Ratio{-d.Exact.Num, d.Exact.Den}, d.Decimals}
	}
	det := RankDecimals(neg)
	for _, r := range det {
		if r.Rank > 0 {
			deterioration = append(deterioration, r)
		}
	}
	return improvement, deterioration
}
