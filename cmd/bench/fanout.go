package main

import (
	"context"
	"errors"
	"io"
)

type fanoutOptions struct {
	channels, papers int
}

type fanoutReport struct{}

func (c *fanoutReport) targets() []targetCheck { return nil }

func (c *fanoutReport) writeMarkdown(w io.Writer) {}

func (b *bench) runFanout(ctx context.Context) (*fanoutReport, error) {
	return nil, errors.New("not built yet")
}
