package records

import (
	"strings"

	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/fault"
)

// CheckMark checks a mark's key: platform, paper, user and a known kind are
// required; no part may hold the key separator (NUL) or exceed MaxKey.
func CheckMark(m bot.Mark) error {
	switch {
	case m.Platform == "" || m.PaperID == "" || m.User == "":
		return fault.New(fault.Invalid, "a mark needs a platform, a paper and a user (platform %q, paper %q, user %q)", m.Platform, m.PaperID, m.User)
	case m.Kind != bot.MarkReaction && m.Kind != bot.MarkSave:
		return fault.New(fault.Invalid, "mark kind %q is neither %q nor %q", m.Kind, bot.MarkReaction, bot.MarkSave)
	}
	for _, f := range []struct{ name, v string }{
		{"platform", m.Platform}, {"team", m.Team}, {"paper", m.PaperID}, {"user", m.User}, {"detail", m.Detail},
	} {
		if strings.ContainsRune(f.v, 0) || len(f.v) > MaxKey {
			return fault.New(fault.Invalid, "mark %s %q: at most %d bytes, no NUL", f.name, bot.Truncate(f.v, 40), MaxKey)
		}
	}
	return nil
}
