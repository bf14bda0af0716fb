package bot

import (
	"sync"

	"github.com/paperbot/paperbot/bot/fault"
)

// fetchGate bounds the commands that wait for arXiv (show of a paper the
// index does not hold yet). Such a command holds one of the bot's turns
// (Config.MaxConcurrent) while it waits for arXiv, which answers one
// request every 3 seconds: without a bound, a few `show` commands of
// unknown ids held every turn, and every other command, from any
// workspace, waited behind arXiv. Fetches take at most half the turns,
// and one user waits for one fetch at a time; a fetch beyond either is
// answered at once ("try again in a minute"), never queued.
type fetchGate struct {
	mu    sync.Mutex
	max   int
	n     int
	users map[string]bool
}

func newFetchGate(turns int) *fetchGate {
	return &fetchGate{max: max(1, turns/2), users: map[string]bool{}}
}

// take reserves a fetch of paper id for req's user; release gives it back.
func (g *fetchGate) take(req *Request, id string) (release func(), err error) {
	user := UserKey(req)
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case g.users[user]:
		return nil, fault.New(fault.Transient, "paper %s is not in the index yet, and paperbot is still fetching another paper from arXiv for you (one at a time)", id)
	case g.n >= g.max:
		return nil, fault.New(fault.Transient, "paper %s is not in the index yet, and arXiv is being asked for other papers right now (paperbot fetches %d at a time)", id, g.max)
	}
	g.n++
	g.users[user] = true
	return func() {
		g.mu.Lock()
		defer g.mu.Unlock()
		g.n--
		delete(g.users, user)
	}, nil
}
