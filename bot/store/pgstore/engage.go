package pgstore

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/store/internal/records"
)

// The team's marks on papers (bot.MarkStore), in the marks table
// (migration 0003).

var _ bot.MarkStore = (*Store)(nil)

// AddMark records a mark; a mark already there is kept as it was.
func (s *Store) AddMark(ctx context.Context, m bot.Mark) (bool, error) {
	if err := records.CheckMark(m); err != nil {
		return false, err
	}
	v, err := json.Marshal(m)
	if err != nil {
		return false, wrap(err, "encoding a mark")
	}
	var added bool
	err = s.do(ctx, "recording a mark", func() error {
		tag, err := s.pool.Exec(ctx, `INSERT INTO marks (platform, team, paper_id, user_id, kind, detail, at, record)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING`,
			m.Platform, m.Team, m.PaperID, m.User, string(m.Kind), m.Detail, m.At, v)
		added = err == nil && tag.RowsAffected() == 1
		return err
	})
	return added, err
}

// RemoveMark removes the mark with m's key.
func (s *Store) RemoveMark(ctx context.Context, m bot.Mark) (bool, error) {
	if err := records.CheckMark(m); err != nil {
		return false, err
	}
	var removed bool
	err := s.do(ctx, "removing a mark", func() error {
		tag, err := s.pool.Exec(ctx, `DELETE FROM marks WHERE platform = $1 AND team = $2 AND paper_id = $3
AND user_id = $4 AND kind = $5 AND detail = $6`, m.Platform, m.Team, m.PaperID, m.User, string(m.Kind), m.Detail)
		removed = err == nil && tag.RowsAffected() > 0
		return err
	})
	return removed, err
}

func byPaper(ms []bot.Mark) map[string][]bot.Mark {
	out := map[string][]bot.Mark{}
	for _, m := range ms {
		out[m.PaperID] = append(out[m.PaperID], m)
	}
	return out
}

// MarksOf returns the marks of each paper in scope.
func (s *Store) MarksOf(ctx context.Context, scope bot.Scope, paperIDs ...string) (map[string][]bot.Mark, error) {
	ms, err := all[bot.Mark](ctx, s, "reading marks", `SELECT record FROM marks
WHERE platform = $1 AND team = $2 AND paper_id = ANY($3) ORDER BY paper_id, user_id, kind, detail`, scope.Platform, scope.Team, paperIDs)
	return byPaper(ms), err
}

// AllMarksOf returns the marks of each paper in every scope.
func (s *Store) AllMarksOf(ctx context.Context, paperIDs ...string) (map[string][]bot.Mark, error) {
	ms, err := all[bot.Mark](ctx, s, "reading marks", `SELECT record FROM marks
WHERE paper_id = ANY($1) ORDER BY platform, team, paper_id, user_id, kind, detail`, paperIDs)
	return byPaper(ms), err
}

// MarksSince returns the marks in scope made at or after since, oldest first.
func (s *Store) MarksSince(ctx context.Context, scope bot.Scope, since time.Time) ([]bot.Mark, error) {
	return all[bot.Mark](ctx, s, "reading marks", `SELECT record FROM marks
WHERE platform = $1 AND team = $2 AND at >= $3 ORDER BY at, paper_id, user_id, kind, detail`, scope.Platform, scope.Team, since)
}

// SavedBy returns one person's saves in scope, newest first.
func (s *Store) SavedBy(ctx context.Context, scope bot.Scope, user string) ([]bot.Mark, error) {
	return all[bot.Mark](ctx, s, "reading saved papers", `SELECT record FROM marks
WHERE platform = $1 AND team = $2 AND user_id = $3 AND kind = $4 ORDER BY at DESC, paper_id`,
		scope.Platform, scope.Team, user, string(bot.MarkSave))
}

// DiscussionsByThread returns the discussions on a platform whose thread
// id is one of ids.
func (s *Store) DiscussionsByThread(ctx context.Context, platform string, ids ...string) ([]bot.Discussion, error) {
	ids = slices.DeleteFunc(slices.Clone(ids), func(id string) bool { return id == "" })
	if len(ids) == 0 {
		return nil, nil
	}
	return all[bot.Discussion](ctx, s, "reading discussions", `SELECT record FROM discussions
WHERE platform = $1 AND thread_id = ANY($2) ORDER BY started, paper_id, channel, thread_id`, platform, ids)
}
