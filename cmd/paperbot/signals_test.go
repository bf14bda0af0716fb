package main

import (
	"os"
	"os/signal"
	"syscall"
	"testing"
	"time"
)

// A hangup stops paperbot as SIGTERM does, through the context its
// commands run with (serve drains and logs "shut down"), instead of
// killing the process where it stands.
func TestHangupEndsTheCommandsContext(t *testing.T) {
	ctx, stop := signal.NotifyContext(t.Context(), stopSignals()...)
	defer stop()
	if err := syscall.Kill(os.Getpid(), syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	select {
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("SIGHUP did not end the context")
	}
}
