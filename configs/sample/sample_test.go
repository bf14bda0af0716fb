package sample

import (
	"testing"

	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/configs"
)

func TestPapers(t *testing.T) {
	papers, err := Papers()
	if err != nil {
		t.Fatal(err)
	}
	if len(papers) != 194 {
		t.Fatalf("got %d sample papers, want 194", len(papers))
	}
	if got := papers[0].Title; got != "Mapping LLM Security Landscapes: A Comprehensive Stakeholder Risk Assessment Proposal" {
		t.Errorf("first title %q: the page's button label should be stripped", got)
	}
	ids := map[string]bool{}
	withArxiv := 0
	for i, p := range papers {
		if p.Rank != i+1 {
			t.Errorf("paper %d has rank %d, want its trending position", i, p.Rank)
		}
		if ids[p.ID] {
			t.Errorf("duplicate id %s", p.ID)
		}
		ids[p.ID] = true
		if paper.IsArxivID(p.ID) {
			withArxiv++
			if p.URL != paper.AbsURL(p.ID) || p.Published == "" {
				t.Errorf("%s: url %q published %q, want the abs page and the id's month", p.ID, p.URL, p.Published)
			}
		}
		if p.Abstract == "" {
			t.Errorf("%s (%q) has no abstract", p.ID, p.Title)
		}
	}
	// Every verified row of arxiv-ids.tsv must find its paper by title.
	rows, err := readIDs(configs.SampleIDs)
	if err != nil {
		t.Fatal(err)
	}
	if withArxiv != len(rows) {
		t.Errorf("%d papers got an arXiv id, but arxiv-ids.tsv has %d rows: a title does not match", withArxiv, len(rows))
	}
	tran := papers[1]
	if tran.ID != "2205.13760" || len(tran.Authors) == 0 || tran.Authors[0] != "Pascal Notin" {
		t.Errorf("Tranception = %+v", tran)
	}
}

func TestReadIDsRejectsBadRows(t *testing.T) {
	for _, tsv := range []string{
		"h\n2205.13760\tTitle\n",
		"h\nnot-an-id\tTitle\t\t\thttps://x\n",
	} {
		if _, err := readIDs(tsv); err == nil {
			t.Errorf("readIDs(%q) accepted a bad row", tsv)
		}
	}
}

func TestMonthOf(t *testing.T) {
	for id, want := range map[string]string{"2205.13760": "2022-05-01", "1503.03585": "2015-03-01", "hep-th/9901001": ""} {
		if got := monthOf(id); got != want {
			t.Errorf("monthOf(%s) = %q, want %q", id, got, want)
		}
	}
}
