package paper

import (
	"math"
	"time"
)

// TrendingScore is a paper's trending score at time now. Placeholder until
// the sources land (issue 6): a trending-listing rank, else upvotes and
// stars, each damped by age.
func TrendingScore(p Paper, now time.Time) float64 {
	s := float64(p.Upvotes) + 0.1*float64(p.Stars)
	if p.Rank > 0 {
		s += 1000 / float64(p.Rank)
	}
	if t, err := time.Parse(DateLayout, p.Published); err == nil {
		days := max(0, now.Sub(t).Hours()/24)
		s /= math.Pow(1+days/7, 1.5)
	}
	return s
}
