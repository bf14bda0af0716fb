package discordtest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/gorilla/websocket"
)

// gatewayURL answers GET /gateway/bot with the fake gateway's WebSocket URL.
func (s *Server) gatewayURL(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"url": "ws" + strings.TrimPrefix(s.URL, "http") + "/gateway-ws",
		"shards": 1, "session_start_limit": map[string]any{"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}})
}

// gateway is a minimal Discord gateway: Hello, then READY once the client
// identifies; heartbeats are acknowledged; Dispatch sends events.
func (s *Server) gateway(w http.ResponseWriter, r *http.Request) {
	up := websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}
	c, err := up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	defer c.Close()
	send := func(v any) error {
		s.gwMu.Lock()
		defer s.gwMu.Unlock()
		return c.WriteJSON(v)
	}
	if send(map[string]any{"op": 10, "d": map[string]any{"heartbeat_interval": 41250}}) != nil {
		return
	}
	identified := false // this connection counts among the open ones
	for {
		var msg struct {
			Op int             `json:"op"`
			D  json.RawMessage `json:"d"`
		}
		if err := c.ReadJSON(&msg); err != nil {
			s.mu.Lock()
			if s.gw == c {
				s.gw = nil
			}
			if identified {
				s.gwOpen--
			}
			s.mu.Unlock()
			s.notify()
			return
		}
		switch msg.Op {
		case 1: // heartbeat
			_ = send(map[string]any{"op": 11})
		case 2: // identify
			s.mu.Lock()
			s.identify = msg.D
			if code := s.closeOn; code != 0 {
				s.mu.Unlock()
				s.gwMu.Lock()
				_ = c.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(code, "Authentication failed."))
				s.gwMu.Unlock()
				return
			}
			s.gw = c
			if !identified {
				identified = true
				s.gwOpen++
				s.gwTotal++
				s.gwMost = max(s.gwMost, s.gwOpen)
			}
			s.gwSeq++
			seq := s.gwSeq
			s.mu.Unlock()
			_ = send(map[string]any{"op": 0, "t": "READY", "s": seq, "d": map[string]any{
				"v": 10, "session_id": "fake-session", "user": map[string]any{"id": BotUserID, "username": "paperbot", "bot": true},
				"guilds": []any{}, "application": map[string]any{"id": "100000000000000001"},
			}})
			s.notify()
		}
	}
}

// GatewayConnections reports the gateway connections that identified:
// how many are open now, the most that were open at once, and how many
// identified in all. A bot that runs one gateway connection (per shard)
// never has most above 1.
func (s *Server) GatewayConnections() (open, most, total int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.gwOpen, s.gwMost, s.gwTotal
}

// Identify returns the data of the gateway client's identify (nil before).
func (s *Server) Identify() json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.identify
}

// WaitIdentified blocks until a gateway client has identified.
func (s *Server) WaitIdentified(ctx context.Context) error {
	for {
		s.mu.Lock()
		ok := s.gw != nil
		ch := s.changed
		s.mu.Unlock()
		if ok {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("discordtest: no gateway client identified: %w", ctx.Err())
		}
	}
}

// Dispatch sends a gateway event (op 0) of type t with data d to the
// connected client.
func (s *Server) Dispatch(t string, d json.RawMessage) error {
	s.mu.Lock()
	c := s.gw
	s.gwSeq++
	seq := s.gwSeq
	s.mu.Unlock()
	if c == nil {
		return fmt.Errorf("discordtest: no gateway client")
	}
	s.gwMu.Lock()
	defer s.gwMu.Unlock()
	return c.WriteJSON(map[string]any{"op": 0, "t": t, "s": seq, "d": d})
}
