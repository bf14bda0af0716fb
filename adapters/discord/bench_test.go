package discord

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/paperbot/paperbot/adapters/discord/discordtest"
	"github.com/paperbot/paperbot/bot"
	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/configs/secret"
)

func BenchmarkRenderResults(b *testing.B) {
	var hits []paper.Hit
	for range 5 {
		for _, p := range samplePapers() {
			hits = append(hits, paper.Hit{Paper: p, Snippet: bot.Plain(p.Abstract)})
		}
	}
	m := bot.ResultsMessage("Papers matching “protein”", paper.Results{Hits: hits[:10], Total: 120}, nil, "papers")
	b.ReportAllocs()
	for b.Loop() {
		_ = render(m)
	}
}

func BenchmarkVerify(b *testing.B) {
	key, _ := ParsePublicKey(vectorKey)
	v := NewVerifier(key, 0, func() time.Time { return time.Unix(1700000000, 0) })
	for b.Loop() {
		if err := v.Verify(vectorSignature, vectorTimestamp, []byte(vectorBody)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAck measures the time from a signed /papers request reaching
// the endpoint to its deferred response being written (the core runs after).
func BenchmarkAck(b *testing.B) {
	fake := discordtest.New(b)
	seed, _ := hex.DecodeString(rfc8032Seed)
	priv := ed25519.NewKeyFromSeed(seed)
	key, _ := ParsePublicKey(vectorKey)
	a, err := New(Options{Mode: HTTP, Token: secret.New("t"), PublicKey: key, APIURL: fake.URL, Specs: nil})
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- a.Run(ctx, bot.HandlerFunc(func(context.Context, *bot.Request, bot.Responder) error { return nil }))
	}()
	<-a.started
	body := commandJSON("help")
	for b.Loop() {
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		req := httptest.NewRequest(http.MethodPost, "/discord/interactions", strings.NewReader(body))
		req.Header.Set("X-Signature-Timestamp", ts)
		req.Header.Set("X-Signature-Ed25519", hex.EncodeToString(ed25519.Sign(priv, []byte(ts+body))))
		w := httptest.NewRecorder()
		a.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatal(w.Code)
		}
	}
	b.StopTimer()
	cancel()
	<-done
}
