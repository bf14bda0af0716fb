package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/paperbot/paperbot/bot/install"
)

// InstallStore keeps the OAuth installations (adapters/slack/oauth.Store).
type InstallStore interface {
	PutInstallation(ctx context.Context, in install.Installation) error
	Installation(ctx context.Context, platform, team string) (install.Installation, bool, error)
	Installations(ctx context.Context, platform string) ([]install.Installation, error)
	DeleteInstallation(ctx context.Context, platform, team string) (bool, error)
}

func installation(team string, sealed string) install.Installation {
	return install.Installation{
		Platform: "slack", Team: team, TeamName: "Team " + team, AppID: "A1", BotUserID: "UB" + team,
		Scopes: "commands,chat:write", InstalledBy: "U1", InstalledAt: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC),
		Sealed: []byte(sealed), ExpiresAt: time.Date(2026, 3, 1, 21, 0, 0, 0, time.UTC),
	}
}

// Installations are kept per platform and team: a put replaces, a delete
// removes one team only, a record comes back whole (sealed bytes, expiry),
// and a record without a team or credentials is refused.
func testInstallations(t *testing.T, b Backend) {
	ctx := t.Context()
	s := one(t, b)
	if _, ok, err := s.Installation(ctx, "slack", "T1"); err != nil || ok {
		t.Fatalf("empty store: ok=%v err=%v", ok, err)
	}
	if list, err := s.Installations(ctx, "slack"); err != nil || len(list) != 0 {
		t.Fatalf("empty store lists %v, %v", list, err)
	}
	for _, team := range []string{"T2", "T1", "T3"} {
		if err := s.PutInstallation(ctx, installation(team, "sealed-"+team)); err != nil {
			t.Fatal(err)
		}
	}
	other := installation("T1", "discord-sealed")
	other.Platform = "discord"
	if err := s.PutInstallation(ctx, other); err != nil {
		t.Fatal(err)
	}
	replaced := installation("T1", "\x00\x01sealed-T1-new\xff")
	replaced.ExpiresAt = time.Time{}
	if err := s.PutInstallation(ctx, replaced); err != nil {
		t.Fatal(err)
	}
	got, ok, err := s.Installation(ctx, "slack", "T1")
	if err != nil || !ok {
		t.Fatalf("T1: ok=%v err=%v", ok, err)
	}
	if string(got.Sealed) != string(replaced.Sealed) || !got.ExpiresAt.IsZero() || got.TeamName != "Team T1" ||
		!got.InstalledAt.Equal(replaced.InstalledAt) || got.BotUserID != "UBT1" || got.Scopes != replaced.Scopes {
		t.Errorf("T1 came back as %+v, want %+v", got, replaced)
	}
	list, err := s.Installations(ctx, "slack")
	if err != nil {
		t.Fatal(err)
	}
	var teams []string
	for _, in := range list {
		teams = append(teams, in.Team)
	}
	if len(teams) != 3 || teams[0] != "T1" || teams[1] != "T2" || teams[2] != "T3" {
		t.Errorf("slack installations %v, want [T1 T2 T3]", teams)
	}
	if found, err := s.DeleteInstallation(ctx, "slack", "T2"); err != nil || !found {
		t.Fatalf("delete T2: found=%v err=%v", found, err)
	}
	if found, err := s.DeleteInstallation(ctx, "slack", "T2"); err != nil || found {
		t.Errorf("delete T2 again: found=%v err=%v, want false", found, err)
	}
	if _, ok, _ := s.Installation(ctx, "slack", "T2"); ok {
		t.Error("T2 still installed after its delete")
	}
	for _, k := range [][2]string{{"slack", "T1"}, {"slack", "T3"}, {"discord", "T1"}} {
		if _, ok, err := s.Installation(ctx, k[0], k[1]); err != nil || !ok {
			t.Errorf("%s %s lost by the delete of slack T2 (ok=%v err=%v)", k[0], k[1], ok, err)
		}
	}
	for _, bad := range []install.Installation{
		{Platform: "slack", Sealed: []byte("x")},
		{Platform: "slack", Team: "T9"},
	} {
		if err := s.PutInstallation(ctx, bad); err == nil {
			t.Errorf("PutInstallation(%+v) took a record without team or credentials", bad)
		}
	}
}

// An installation is durable: it is there after the store is reopened.
func testInstallationsRestart(t *testing.T, b Backend) {
	ctx := t.Context()
	open := b.New(t)
	s := open(t)
	if err := s.PutInstallation(ctx, installation("T1", "sealed")); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t)
	if got, ok, err := s.Installation(ctx, "slack", "T1"); err != nil || !ok || string(got.Sealed) != "sealed" {
		t.Errorf("after reopening: %+v ok=%v err=%v", got, ok, err)
	}
}
