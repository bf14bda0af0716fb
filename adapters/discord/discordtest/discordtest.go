// Package discordtest is a fake Discord REST API for tests: an httptest
// server that records every request, creates messages and threads the way
// Discord does (ids, error 160004 for a second thread on a message, an
// enforced nonce remembered for NonceWindow), and
// lets a test answer any request itself (a 429, a 500).
//
// It also answers the reads the digest makes: GET /users/@me, GET
// /channels/{id} (a thread with its message_count, or a text channel with
// its last_message_id; 404 for a message without a thread) and GET
// /channels/{id}/messages (after, before, limit; newest first, and, like
// Discord, without the nonce the message was created with). Message ids
// are snowflakes of the fake's clock (SetClock), so "after" works on time.
//
// Point a client at it with Server.URL as the adapter's API URL (the
// adapter rewrites discord.com to it) or with Server.Client().
package discordtest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// Request is one recorded request.
type Request struct {
	Method string
	// Path is the path without the /api/vN prefix ("/channels/1/messages").
	Path   string
	Query  url.Values
	Header http.Header
	Body   []byte
}

// JSON decodes the request's body into v.
func (r Request) JSON(v any) error { return json.Unmarshal(r.Body, v) }

// Response is a canned answer.
type Response struct {
	// Abort drops the connection without an answer (the client cannot know
	// whether the request was processed).
	Abort bool
	// AbortAfter processes the request as usual, then drops the connection
	// instead of answering (the request took effect; the client cannot know).
	AbortAfter bool
	Status     int
	Header     http.Header
	// Body is encoded as JSON unless it is a []byte.
	Body any
}

// BotUserID is the bot's user id (GET /users/@me, the gateway's READY):
// the author of the messages the bot creates.
const BotUserID = "100000000000000001"

// NonceWindow is how long the fake remembers an enforced nonce. Discord
// checks a nonce "for uniqueness in the past few minutes" and forgets it
// after that: a POST sent again later with the same nonce is a new message.
const NonceWindow = 2 * time.Minute

// Message is a message the fake created. Like Discord, the fake returns
// the existing message for a POST with the same enforced nonce made within
// NonceWindow (by the fake's clock), and creates a new one after that.
type Message struct {
	ID        string
	ChannelID string
	// AuthorID is BotUserID for the bot's messages (POSTs), a person's id
	// for messages added with AddMessage.
	AuthorID string
	Body     json.RawMessage
	nonce    string
	created  time.Time // by the fake's clock
}

// Server is the fake API.
type Server struct {
	*httptest.Server

	mu        sync.Mutex
	requests  []Request
	messages  []Message
	threads   map[string]string // message id -> thread name
	intercept func(r Request) *Response
	seq       int
	lastID    uint64
	now       func() time.Time
	changed   chan struct{} // closed and replaced on every request

	// The fake gateway.
	gw       *websocket.Conn
	gwMu     sync.Mutex // serialises writes to gw
	gwSeq    int64
	identify json.RawMessage
	closeOn  int // close code sent in answer to identify (0: READY)
	// Identified gateway connections: open now, the most open at once,
	// and how many identified in all (GatewayConnections).
	gwOpen, gwMost, gwTotal int

	guild string // the guild_id of channels (SetGuild)
	// removed are the servers the bot was removed from (RemoveFromGuild).
	removed map[string]bool
}

// RemoveFromGuild makes GET /guilds/{guild} answer as Discord does for a
// server the bot is no longer in: 403 Missing Access.
func (s *Server) RemoveFromGuild(guild string) {
	s.mu.Lock()
	if s.removed == nil {
		s.removed = map[string]bool{}
	}
	s.removed[guild] = true
	s.mu.Unlock()
}

// AddToGuild adds the bot back to a server RemoveFromGuild removed it from.
func (s *Server) AddToGuild(guild string) {
	s.mu.Lock()
	delete(s.removed, guild)
	s.mu.Unlock()
}

// getGuild answers GET /guilds/{g}: the server, unless the bot was removed
// from it.
func (s *Server) getGuild(w http.ResponseWriter, r *http.Request) {
	g := r.PathValue("g")
	s.mu.Lock()
	gone := s.removed[g]
	s.mu.Unlock()
	if gone {
		writeJSON(w, http.StatusForbidden, map[string]any{"code": 50001, "message": "Missing Access"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": g, "name": "papers lab"})
}

// SetGuild makes the channels the fake reads out belong to guild.
func (s *Server) SetGuild(guild string) {
	s.mu.Lock()
	s.guild = guild
	s.mu.Unlock()
}

// CloseOnIdentify makes the gateway answer an identify by closing with code
// (4004: authentication failed) instead of READY.
func (s *Server) CloseOnIdentify(code int) {
	s.mu.Lock()
	s.closeOn = code
	s.mu.Unlock()
}

// New starts a fake API, closed when the test ends.
func New(t testing.TB) *Server {
	s := &Server{threads: map[string]string{}, changed: make(chan struct{}), seq: 1000}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /channels/{c}/messages", s.createMessage)
	mux.HandleFunc("POST /channels/{c}/messages/{m}/threads", s.startThread)
	mux.HandleFunc("PATCH /webhooks/{app}/{token}/messages/{msg}", s.editWebhook)
	mux.HandleFunc("POST /webhooks/{app}/{token}", s.followup)
	mux.HandleFunc("DELETE /webhooks/{app}/{token}/messages/{msg}", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("POST /interactions/{id}/{token}/callback", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("PUT /applications/{app}/commands", s.overwrite)
	mux.HandleFunc("PUT /applications/{app}/guilds/{g}/commands", s.overwrite)
	mux.HandleFunc("GET /gateway", s.gatewayURL)
	mux.HandleFunc("GET /gateway/bot", s.gatewayURL)
	mux.HandleFunc("GET /gateway-ws/", s.gateway)
	mux.HandleFunc("GET /applications/@me", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"id": "100000000000000001", "name": "paperbot"})
	})
	mux.HandleFunc("GET /users/@me", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"id": BotUserID, "username": "paperbot", "bot": true})
	})
	mux.HandleFunc("GET /channels/{c}", s.getChannel)
	mux.HandleFunc("GET /guilds/{g}", s.getGuild)
	mux.HandleFunc("GET /channels/{c}/messages", s.listMessages)
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		path := r.URL.Path
		for _, v := range []string{"/api/v10", "/api/v9"} {
			if p, ok := strings.CutPrefix(path, v); ok {
				path = p
				break
			}
		}
		req := Request{Method: r.Method, Path: path, Query: r.URL.Query(), Header: r.Header.Clone(), Body: body}
		s.mu.Lock()
		s.requests = append(s.requests, req)
		icpt := s.intercept
		s.mu.Unlock()
		defer s.notify()
		if icpt != nil {
			if resp := icpt(req); resp != nil {
				if resp.Abort {
					panic(http.ErrAbortHandler)
				}
				if resp.AbortAfter {
					r.URL.Path = path
					r.Body = io.NopCloser(strings.NewReader(string(body)))
					mux.ServeHTTP(httptest.NewRecorder(), r)
					panic(http.ErrAbortHandler)
				}
				for k, vs := range resp.Header {
					w.Header()[k] = vs
				}
				if b, ok := resp.Body.([]byte); ok {
					w.WriteHeader(resp.Status)
					w.Write(b)
					return
				}
				writeJSON(w, resp.Status, resp.Body)
				return
			}
		}
		r.URL.Path = path
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

// Intercept answers requests with f first; f returns nil to let the fake
// answer as usual.
func (s *Server) Intercept(f func(r Request) *Response) {
	s.mu.Lock()
	s.intercept = f
	s.mu.Unlock()
}

// Requests returns every request so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Messages returns the messages created so far (channel posts; not
// interaction edits or follow-ups).
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Threads returns the threads started so far: message id → thread name.
func (s *Server) Threads() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.threads)
}

// WaitFor blocks until a request matching match has arrived, or ctx ends.
func (s *Server) WaitFor(ctx context.Context, match func(Request) bool) (Request, error) {
	for {
		s.mu.Lock()
		for _, r := range s.requests {
			if match(r) {
				s.mu.Unlock()
				return r, nil
			}
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return Request{}, fmt.Errorf("discordtest: no matching request: %w", ctx.Err())
		}
	}
}

// Client is an HTTP client whose requests to discord.com reach the fake.
func (s *Server) Client() *http.Client {
	u, _ := url.Parse(s.URL)
	return &http.Client{Transport: &rewrite{base: u}}
}

type rewrite struct{ base *url.URL }

func (t *rewrite) RoundTrip(r *http.Request) (*http.Response, error) {
	if h := r.URL.Hostname(); h == "discord.com" || h == "discordapp.com" {
		r = r.Clone(r.Context())
		r.URL.Scheme, r.URL.Host, r.Host = t.base.Scheme, t.base.Host, t.base.Host
	}
	return http.DefaultTransport.RoundTrip(r)
}

func (s *Server) notify() {
	s.mu.Lock()
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
}

// SetClock sets the clock message ids are made from (default time.Now).
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	s.now = now
	s.mu.Unlock()
}

// discordEpoch is the first millisecond of 2015, where snowflakes start.
const discordEpoch = 1420070400000

// clock is the fake's time (SetClock). Callers hold s.mu.
func (s *Server) clock() time.Time {
	if s.now != nil {
		return s.now()
	}
	return time.Now()
}

// nextID is a new snowflake: the clock's millisecond and a sequence,
// always greater than the last one. Callers hold s.mu.
func (s *Server) nextID() string {
	s.seq++
	ms := max(s.clock().UnixMilli()-discordEpoch, 0)
	id := max(uint64(ms)<<22|uint64(s.seq&0xfff), s.lastID+1)
	s.lastID = id
	return strconv.FormatUint(id, 10)
}

// AddMessage adds a message by someone else (author) to a channel or
// thread, as if typed in Discord.
func (s *Server) AddMessage(channel, author, content string) Message {
	body, _ := json.Marshal(map[string]any{"content": content})
	s.mu.Lock()
	defer s.mu.Unlock()
	m := Message{ID: s.nextID(), ChannelID: channel, AuthorID: author, Body: body}
	s.messages = append(s.messages, m)
	return m
}

// messageJSON is a stored message as Discord returns it when fetched:
// what it was created with, with its id, channel and author, and without
// the nonce (Discord returns a nonce only to the create call).
func messageJSON(m Message) map[string]any {
	out := map[string]any{}
	_ = json.Unmarshal(m.Body, &out)
	delete(out, "nonce")
	delete(out, "enforce_nonce")
	delete(out, "allowed_mentions")
	out["id"], out["channel_id"], out["type"] = m.ID, m.ChannelID, 0
	out["author"] = map[string]any{"id": m.AuthorID, "username": "someone", "bot": m.AuthorID == BotUserID}
	return out
}

func snowflake(id string) uint64 {
	n, _ := strconv.ParseUint(id, 10, 64)
	return n
}

// getChannel answers GET /channels/{id}: a thread (its id is the message
// it was started from) with message_count (the messages in it, not the
// starter message, as Discord counts), a message without a thread is 404
// Unknown Channel, any other id is a text channel.
func (s *Server) getChannel(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("c")
	s.mu.Lock()
	defer s.mu.Unlock()
	last, count := "", 0
	for _, m := range s.messages {
		if m.ChannelID == id {
			last = m.ID
			count++
		}
	}
	if name, ok := s.threads[id]; ok {
		parent := ""
		for _, m := range s.messages {
			if m.ID == id {
				parent = m.ChannelID
			}
		}
		writeJSON(w, http.StatusOK, map[string]any{"id": id, "type": 11, "name": name, "parent_id": parent,
			"message_count": count, "total_message_sent": count, "last_message_id": nullable(last)})
		return
	}
	for _, m := range s.messages {
		if m.ID == id {
			writeJSON(w, http.StatusNotFound, map[string]any{"code": 10003, "message": "Unknown Channel"})
			return
		}
	}
	ch := map[string]any{"id": id, "type": 0, "name": "papers", "last_message_id": nullable(last)}
	if s.guild != "" {
		ch["guild_id"] = s.guild
	}
	writeJSON(w, http.StatusOK, ch)
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// listMessages answers GET /channels/{id}/messages: the limit (default 50,
// at most 100) messages right after "after", or right before "before"
// (default: the latest), newest first.
func (s *Server) listMessages(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("c")
	q := r.URL.Query()
	limit := 50
	if l, err := strconv.Atoi(q.Get("limit")); err == nil {
		limit = l
	}
	if limit < 1 || limit > 100 {
		writeJSON(w, http.StatusBadRequest, map[string]any{"code": 50035, "message": "Invalid Form Body (limit)"})
		return
	}
	s.mu.Lock()
	var in []Message // oldest first
	for _, m := range s.messages {
		if m.ChannelID == id {
			in = append(in, m)
		}
	}
	s.mu.Unlock()
	var page []Message
	switch {
	case q.Get("after") != "":
		after := snowflake(q.Get("after"))
		for _, m := range in {
			if snowflake(m.ID) > after && len(page) < limit {
				page = append(page, m)
			}
		}
	default:
		before := uint64(1<<64 - 1)
		if b := q.Get("before"); b != "" {
			before = snowflake(b)
		}
		for i := len(in) - 1; i >= 0 && len(page) < limit; i-- {
			if snowflake(in[i].ID) < before {
				page = append([]Message{in[i]}, page...)
			}
		}
	}
	out := []map[string]any{}
	for i := len(page) - 1; i >= 0; i-- {
		out = append(out, messageJSON(page[i]))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) createMessage(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	if !json.Valid(body) {
		writeJSON(w, http.StatusBadRequest, map[string]any{"code": 50109, "message": "The request body contains invalid JSON."})
		return
	}
	var opts struct {
		Nonce        string `json:"nonce"`
		EnforceNonce bool   `json:"enforce_nonce"`
	}
	_ = json.Unmarshal(body, &opts)
	if len(opts.Nonce) > 25 {
		writeJSON(w, http.StatusBadRequest, map[string]any{"code": 50035, "message": "Invalid Form Body (nonce)"})
		return
	}
	s.mu.Lock()
	now := s.clock()
	if opts.EnforceNonce && opts.Nonce != "" {
		for _, m := range s.messages {
			if m.ChannelID == r.PathValue("c") && m.nonce == opts.Nonce && now.Sub(m.created) < NonceWindow {
				s.mu.Unlock()
				writeJSON(w, http.StatusOK, map[string]any{"id": m.ID, "channel_id": m.ChannelID, "type": 0, "nonce": m.nonce})
				return
			}
		}
	}
	m := Message{ID: s.nextID(), ChannelID: r.PathValue("c"), AuthorID: BotUserID, Body: body, nonce: opts.Nonce, created: now}
	s.messages = append(s.messages, m)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"id": m.ID, "channel_id": m.ChannelID, "type": 0})
}

func (s *Server) startThread(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Name string `json:"name"`
	}
	_ = json.NewDecoder(r.Body).Decode(&body)
	msg := r.PathValue("m")
	s.mu.Lock()
	_, exists := s.threads[msg]
	if !exists {
		s.threads[msg] = body.Name
	}
	s.mu.Unlock()
	if exists {
		writeJSON(w, http.StatusBadRequest, map[string]any{"code": 160004, "message": "A thread has already been created for this message"})
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"id": msg, "type": 11, "name": body.Name, "parent_id": r.PathValue("c")})
}

func (s *Server) editWebhook(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	id := s.nextID()
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"id": id, "type": 20})
}

func (s *Server) followup(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	id := s.nextID()
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"id": id, "type": 0})
}

func (s *Server) overwrite(w http.ResponseWriter, r *http.Request) {
	var cmds []map[string]any
	if err := json.NewDecoder(r.Body).Decode(&cmds); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"code": 50035, "message": "Invalid Form Body"})
		return
	}
	s.mu.Lock()
	for _, c := range cmds {
		c["id"] = s.nextID()
		c["application_id"] = r.PathValue("app")
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, cmds)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if v != nil {
		_ = json.NewEncoder(w).Encode(v)
	}
}
