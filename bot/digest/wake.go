package digest

// Wake makes the scheduler (Run) look at the subscriptions again now. The
// service wakes it itself after the changes it makes (Subscribe,
// Unsubscribe, SyncConfig); Wake is for the changes it cannot see, such as
// a subscription made through another replica on a shared store.
func (d *Service) Wake() { d.notify() }
