package fault

import (
	"errors"
	"testing"
)

// An error's text says each thing once: a message that its cause already
// says (or that says its cause) is not repeated in the log.
func TestErrorSaysEachThingOnce(t *testing.T) {
	notIndexed := New(NotFound, "paper 2401.99999 is not in the index")
	for _, tt := range []struct {
		err  error
		want string
	}{
		{Wrap(NotFound, notIndexed, "paper 2401.99999 is not in the index"), "paper 2401.99999 is not in the index"},
		{Wrap(NotFound, notIndexed, "paper 2401.99999 is not in the index, and this paperbot does not fetch papers from arXiv"),
			"paper 2401.99999 is not in the index, and this paperbot does not fetch papers from arXiv"},
		{Wrap(NotFound, errors.New("paper x: no such id in segment 3"), "paper x"), "paper x: no such id in segment 3"},
		{Wrap(Transient, errors.New("dial tcp: connection refused"), "I could not reach Discord"), "I could not reach Discord: dial tcp: connection refused"},
		{Wrap(Internal, errors.New("boom"), ""), "boom"},
		{New(Invalid, "bad"), "bad"},
	} {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
}
