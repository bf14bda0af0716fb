package sources_test

import (
	"bytes"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/paperbot/paperbot/index/sources"
	"github.com/paperbot/paperbot/index/sources/sourcestest"
)

// t0 is the fake start time of most tests: Tuesday 4 February 2025, 15:00 UTC.
var t0 = time.Date(2025, 2, 4, 15, 0, 0, 0, time.UTC)

// request is one request a fake server saw.
type request struct {
	Method string
	Path   string
	Query  string
	Header http.Header
	At     time.Time // on the fake clock
}

// server is an httptest server with a handler per test, recording every
// request with the fake clock's time, the number of connections opened
// and the most requests in flight at once.
type server struct {
	*httptest.Server
	clock *sourcestest.Clock

	mu       sync.Mutex
	reqs     []request
	conns    int
	inFlight int
	maxIn    int
}

func newServer(t *testing.T, clock *sourcestest.Clock, h http.HandlerFunc) *server {
	t.Helper()
	s := &server{clock: clock}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.reqs = append(s.reqs, request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery, Header: r.Header.Clone(), At: clock.Now()})
		s.inFlight++
		s.maxIn = max(s.maxIn, s.inFlight)
		s.mu.Unlock()
		defer func() {
			s.mu.Lock()
			s.inFlight--
			s.mu.Unlock()
		}()
		h(w, r)
	}))
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.mu.Lock()
			s.conns++
			s.mu.Unlock()
		}
	}
	s.Start()
	t.Cleanup(s.Close)
	return s
}

func (s *server) requests() []request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]request(nil), s.reqs...)
}

// fixture reads testdata/name.
func fixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// serveFile answers with a fixture.
func serveFile(t *testing.T, name, contentType string) http.HandlerFunc {
	body := fixture(t, name)
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.Write(body)
	}
}

// sequence answers the n-th request with the n-th handler (the last one
// repeats).
func sequence(hs ...http.HandlerFunc) http.HandlerFunc {
	var mu sync.Mutex
	n := 0
	return func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		h := hs[min(n, len(hs)-1)]
		n++
		mu.Unlock()
		h(w, r)
	}
}

// status answers with a status, headers as pairs, and a body.
func status(code int, body string, hdr ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(hdr); i += 2 {
			w.Header().Set(hdr[i], hdr[i+1])
		}
		w.WriteHeader(code)
		w.Write([]byte(body))
	}
}

// newClient is a client for tests: the fake clock, a pacer with the given
// spacing and a recognisable User-Agent.
func newClient(source string, clock *sourcestest.Clock, interval time.Duration, log *slog.Logger) *sources.Client {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &sources.Client{
		Source:    source,
		HTTP:      sources.NewHTTPClient(10 * time.Second),
		UserAgent: "paperbot-test/1.0 (mailto:team@example.org)",
		Clock:     clock,
		Pacer:     sources.NewPacer(interval, clock),
		Log:       log,
	}
}

// logBuffer is a slog logger writing text to a buffer.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func (l *logBuffer) logger() *slog.Logger { return slog.New(slog.NewTextHandler(l, nil)) }
