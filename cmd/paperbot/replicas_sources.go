package main

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/paperbot/paperbot/configs"
)

// sourcesRecord is the source cursor that holds the sources of the
// replica that last started, or took the refresh lease, with sources.
const sourcesRecord = "replicas:sources"

// sourcesSeen is the value of sourcesRecord.
type sourcesSeen struct {
	Replica string    `json:"replica"`
	Sources string    `json:"sources"`
	At      time.Time `json:"at"`
}

// fetchingSources describes the sources that fetch papers (what the
// refresh lease runs), the same text for the same sources whatever their
// order in the configuration; "" when there are none.
func fetchingSources(s *configs.SourcesConf) string {
	var parts []string
	if h := s.HuggingFace; h.On() {
		parts = append(parts, fmt.Sprintf("huggingface %d days every %v (arXiv details %v)", h.Days, h.Every, h.Details()))
	}
	if a := s.Arxiv; a.On() && len(a.Categories) > 0 {
		parts = append(parts, fmt.Sprintf("arxiv %s (cross-lists %v)", strings.Join(slices.Sorted(slices.Values(a.Categories)), ","), a.IncludeCross))
	}
	return strings.Join(parts, "; ")
}

// compareSources warns when the sources last recorded by another replica
// are not mine (only the refresh lease holder's run), then records mine.
// Replicas that start at once may miss each other here; the holder
// compares again when it takes the lease. Failing to read or write the
// record is a warning: it is advice, not state.
func (r *replicaSet) compareSources(ctx context.Context, mine, when string) {
	v, ok, err := r.db.Cursor(ctx, sourcesRecord)
	var seen sourcesSeen
	if err == nil && ok {
		err = json.Unmarshal(v, &seen)
	}
	switch {
	case err != nil:
		r.log.WarnContext(ctx, "could not read the other replicas' sources", "cursor", sourcesRecord, "err", err)
	case ok && seen.Replica != r.holder && seen.Sources != mine:
		r.log.WarnContext(ctx, "replicas have different sources: only those of the replica holding the refresh lease run; give every replica that has sources the same ones (docs/deploy.md)",
			"when", when, "replica", r.holder, "sources", mine, "other_replica", seen.Replica, "other_sources", seen.Sources, "other_recorded", seen.At)
	}
	v, err = json.Marshal(sourcesSeen{Replica: r.holder, Sources: mine, At: time.Now().UTC()})
	if err == nil {
		err = r.db.PutCursor(ctx, sourcesRecord, v)
	}
	if err != nil && ctx.Err() == nil {
		r.log.WarnContext(ctx, "could not record this replica's sources for the others to compare", "cursor", sourcesRecord, "err", err)
	}
}
