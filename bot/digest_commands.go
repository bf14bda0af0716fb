package bot

// DigestService is the daily digest as the command handlers see it. It is a
// placeholder until the digest lands (issue 5): subscribe, unsubscribe,
// subscriptions and digest preview are declared in digestSpecs.
type DigestService interface{}

// digestSpecs declares the digest's commands.
func (b *Bot) digestSpecs() []CommandSpec { return nil }
