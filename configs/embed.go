package configs

import _ "embed"

// SampleTrending is the sample corpus: a capture of a trending-papers page
// (194 papers) in the trending text format.
//
//go:embed sample/trending-papers.txt
var SampleTrending string

// SampleIDs maps the sample papers' titles to their arXiv ids, authors and
// code links, each verified against a page that shows the id (see
// sample/README.md). Tab-separated with a header line.
//
//go:embed sample/arxiv-ids.tsv
var SampleIDs string

// Example is the example configuration, configs/paperbot.example.yaml.
//
//go:embed paperbot.example.yaml
var Example string
