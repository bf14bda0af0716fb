package configs

import "time"

// Replicas tunes `paperbot serve` when the state is in PostgreSQL and
// several replicas share it (docs/deploy.md).
type Replicas struct {
	// LeaseTTL is how long one grant or renewal of a lease (the digest,
	// the source refresh, the Discord gateway) lasts (default 15s): a
	// replica that dies is replaced after at most LeaseTTL plus
	// LeaseTTL/3. Renewals come every LeaseTTL/3.
	LeaseTTL time.Duration `yaml:"lease_ttl" range:"1s,5m"`
	// FollowPoll bounds how long an index waits for a notification of new
	// papers before it looks at the table anyway (default 30s).
	FollowPoll time.Duration `yaml:"follow_poll" range:"100ms,10m"`
}

// finish fills in the defaults, so that `config check` prints what runs.
func (r *Replicas) finish() {
	r.LeaseTTL = r.LeaseTTLOrDefault()
	if r.FollowPoll == 0 {
		r.FollowPoll = 30 * time.Second // index.FollowOptions.Poll's default
	}
}

// LeaseTTLOrDefault is LeaseTTL, 15s when unset.
func (r Replicas) LeaseTTLOrDefault() time.Duration {
	if r.LeaseTTL <= 0 {
		return 15 * time.Second
	}
	return r.LeaseTTL
}
