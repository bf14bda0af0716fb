package paper

import (
	"math"
	"time"
)

// The trending score, documented with worked examples in docs/sources.md
// ("The trending score"):
//
//	points   = upvotes + √stars + 5 × replies + 3 × people
//	decay    = ½ ^ (age / 3 days)          age = now − published
//	trending = points × decay + 10 / rank  (the rank term only when ranked)
//
// upvotes are Hugging Face upvotes, stars the GitHub stars of the paper's
// code, replies the replies in the team's own discussion threads about the
// paper, people the teammates who reacted to its digest posts (or in their
// threads) or saved it, each counted once whatever they did. age runs from 00:00 UTC of the publication date; a paper without
// a date, or dated in the future, has age 0. rank is the position on an
// imported trending listing (1 = top); the listing carries no date, so its
// term does not decay, and it is small so that fresh signals outrank a
// stale listing.
const (
	// HalfLife is how long it takes a paper's points to lose half their weight.
	HalfLife = 3 * 24 * time.Hour
	// ReplyWeight is what one reply in a team thread is worth, in upvotes.
	ReplyWeight = 5
	// PeopleWeight is what one teammate's reaction or bookmark is worth,
	// in upvotes (each person once per paper, whatever they did).
	PeopleWeight = 3
	// RankWeight is what rank 1 on a trending listing is worth (rank r is
	// worth RankWeight / r).
	RankWeight = 10
)

// Trend is a trending score with the terms it is made of, for explaining
// a score.
type Trend struct {
	// Points is upvotes + √stars + ReplyWeight × replies + PeopleWeight × people.
	Points float64
	// Age is the time since publication (0 when unknown or in the future).
	Age time.Duration
	// Decay is ½^(Age / HalfLife), in (0, 1].
	Decay float64
	// RankBonus is RankWeight / rank, or 0 when the paper has no rank.
	RankBonus float64
	// Score is Points × Decay + RankBonus.
	Score float64
}

// ExplainTrending computes a paper's trending score at time now, term by
// term.
func ExplainTrending(p Paper, now time.Time) Trend {
	var t Trend
	t.Points = float64(max(p.Upvotes, 0)) + math.Sqrt(float64(max(p.Stars, 0))) + ReplyWeight*float64(max(p.Replies, 0)) +
		PeopleWeight*float64(max(p.People, 0))
	if pub, err := time.Parse(DateLayout, p.Published); err == nil && now.After(pub) {
		t.Age = now.Sub(pub)
	}
	t.Decay = math.Exp2(-t.Age.Hours() / HalfLife.Hours())
	if p.Rank > 0 {
		t.RankBonus = RankWeight / float64(p.Rank)
	}
	t.Score = t.Points*t.Decay + t.RankBonus
	return t
}

// TrendingScore is a paper's trending score at time now (see
// ExplainTrending and docs/sources.md). Because it decays with age, a
// stored score is re-computed whenever the paper is written again; the
// refresh re-scores recent papers periodically.
func TrendingScore(p Paper, now time.Time) float64 {
	return ExplainTrending(p, now).Score
}
