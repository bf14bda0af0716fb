package bot

import "context"

type postMessageCtx struct{}

// WithPostMessage returns a context carrying the message that an earlier
// Post call with the same key (PostKey) tried to post. The digest passes it
// to PostFinder.FindPost, so that a poster whose platform does not keep the
// key with the message can still recognise the message by its content
// (Discord returns a message's nonce only when it is created, never when
// it is fetched).
func WithPostMessage(ctx context.Context, m Message) context.Context {
	return context.WithValue(ctx, postMessageCtx{}, m)
}

// PostMessage returns the message carried by WithPostMessage, if any.
func PostMessage(ctx context.Context) (Message, bool) {
	m, ok := ctx.Value(postMessageCtx{}).(Message)
	return m, ok
}
