package index

import (
	"runtime"
	"sync"
)

// minSpread is the fewest items onCores spreads over goroutines: fewer are
// done on the caller's (a writer of a few papers, the bot's own).
const minSpread = 64

// onCores calls fn for every i in [0, n), on as many goroutines as there
// are cores (the items are taken in turn: papers of a batch cost about
// the same), and returns once all are done.
func onCores(n int, fn func(i int)) {
	g := runtime.GOMAXPROCS(0)
	if n < minSpread || g == 1 {
		for i := range n {
			fn(i)
		}
		return
	}
	var wg sync.WaitGroup
	for k := range g {
		wg.Go(func() {
			for i := k; i < n; i += g {
				fn(i)
			}
		})
	}
	wg.Wait()
}
