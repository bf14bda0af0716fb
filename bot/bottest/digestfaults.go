package bottest

import "fmt"

// DigestPart is a kind of post of a channel's digest day.
type DigestPart int

// The posts of a digest day: the header, then for each paper its message
// and the thread under it.
const (
	Header DigestPart = iota
	PaperPost
	PaperThread
)

// DigestFaultKind is how a post goes wrong.
type DigestFaultKind int

const (
	// AnswerLost: the platform made the post, and the answer never came
	// (the connection dropped).
	AnswerLost DigestFaultKind = iota
	// Refused: the platform answered an error and made nothing.
	Refused
	// StoredThenError: the platform made the post, then answered an
	// error (a 500).
	StoredThenError
	// Crash: the platform made the post, and the process died before its
	// ledger recorded it; it starts again on the same state file.
	Crash
)

// DigestFault is one post of a day that goes wrong, and how.
type DigestFault struct {
	Part DigestPart
	// Paper is the paper (1 the most trending) of a PaperPost or a
	// PaperThread.
	Paper int
	Kind  DigestFaultKind
}

// String names the fault for a subtest.
func (f DigestFault) String() string {
	what := "the header"
	switch f.Part {
	case PaperPost:
		what = fmt.Sprintf("paper %d", f.Paper)
	case PaperThread:
		what = fmt.Sprintf("thread %d", f.Paper)
	}
	switch f.Kind {
	case AnswerLost:
		return what + " made, the answer lost"
	case Refused:
		return what + " not made, an error"
	case StoredThenError:
		return what + " made, then an error"
	default:
		return "crash after the platform made " + what
	}
}

// DigestFaults is the table the Slack and Discord digest tests share: the
// ways one post of a day (of DigestTop papers) can fail that every
// platform's digest must settle, completing the day with every paper
// posted and threaded exactly once, nothing twice. Each adapter's test
// produces them with its fake API, and adds those only its platform has.
func DigestFaults() []DigestFault {
	return []DigestFault{
		{Part: PaperPost, Paper: 2, Kind: AnswerLost},
		{Part: PaperPost, Paper: 2, Kind: Refused},
		{Part: PaperThread, Paper: 2, Kind: AnswerLost},
		{Part: Header, Kind: Crash},
		{Part: PaperPost, Paper: 2, Kind: Crash},
		{Part: PaperThread, Paper: 2, Kind: Crash},
	}
}

// DigestTop is how many papers the day of DigestFaults posts.
const DigestTop = 3
