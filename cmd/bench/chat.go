package main

import (
	"context"
	"errors"
	"io"
	"time"
)

type chatOptions struct {
	rate     int
	duration time.Duration
	binary   string
}

type chatReport struct{}

func (c *chatReport) targets() []targetCheck { return nil }

func (c *chatReport) writeMarkdown(w io.Writer) {}

func (b *bench) runChat(ctx context.Context, dataset string) (*chatReport, error) {
	return nil, errors.New("not built yet")
}
