package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"golang.org/x/mod/modfile"

	"github.com/paperbot/paperbot/bot/paper"
	"github.com/paperbot/paperbot/index/sources"
)

// The corpora the benchmark knows.
const (
	corpus250k = "250k"
	corpus1M   = "1m"
	corpus3M   = "3m"
)

// corpusSizes are the corpora's sizes in papers: 250k is the sample as it
// is (0: every record paperbot's parser accepts); the others are the sample
// followed by records derived from it (derive). Each derived corpus is the
// start of every larger one, record for record.
var corpusSizes = map[string]int{corpus250k: 0, corpus1M: 1_000_000, corpus3M: 3_000_000}

// corpusNames are the corpora, smallest first.
func corpusNames() []string { return []string{corpus250k, corpus1M, corpus3M} }

// derivedSeed fixes the re-pairing of the derived corpus: the same input
// always gives byte-identical output.
const derivedSeed = 20240607

// datasetEnv overrides where the arXiv 250k sample is.
const datasetEnv = "PAPERBOT_ARXIV_250K"

// datasetRel is the sample's path relative to the repository root.
const datasetRel = "../shared/datasets/arxiv/arxiv-250k.jsonl.xz"

// findDataset returns the path of the arXiv 250k sample: the flag, then
// $PAPERBOT_ARXIV_250K, then ../shared/datasets/... beside the repository
// that holds the working directory.
func findDataset(flagValue string) (string, error) {
	if flagValue != "" {
		return flagValue, statFile(flagValue)
	}
	if v := os.Getenv(datasetEnv); v != "" {
		return v, statFile(v)
	}
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	p := filepath.Join(root, datasetRel)
	if err := statFile(p); err != nil {
		return "", fmt.Errorf("%w (set --dataset or $%s)", err, datasetEnv)
	}
	return p, nil
}

func statFile(p string) error {
	st, err := os.Stat(p)
	if err != nil {
		return fmt.Errorf("dataset: %w", err)
	}
	if !st.Mode().IsRegular() {
		return fmt.Errorf("dataset: %s is not a file", p)
	}
	return nil
}

// botModule is the module path of paperbot itself (the repository root's
// go.mod); the bench is a module of its own inside it.
const botModule = "github.com/paperbot/paperbot"

// repoRoot is the nearest directory upwards from the working directory
// whose go.mod is paperbot's (not the bench's own, in cmd/bench).
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if data, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && modfile.ModulePath(data) == botModule {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("not inside the paperbot repository (no go.mod of " + botModule + " above the working directory); run from the repository or pass --dataset")
		}
		dir = parent
	}
}

// openDataset streams the records of a dataset file, decompressing .xz with
// the xz tool and .gz transparently (sources.Parse does gzip).
func openDataset(ctx context.Context, path string) (io.ReadCloser, error) {
	if !strings.HasSuffix(path, ".xz") {
		return os.Open(path)
	}
	if _, err := exec.LookPath("xz"); err != nil {
		return nil, fmt.Errorf("%s is xz-compressed and the xz tool is missing (apt-get install xz-utils)", path)
	}
	cmd := exec.CommandContext(ctx, "xz", "-dc", path)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	return &cmdReader{ReadCloser: out, cmd: cmd}, nil
}

type cmdReader struct {
	io.ReadCloser
	cmd *exec.Cmd
}

func (r *cmdReader) Close() error {
	r.ReadCloser.Close()
	err := r.cmd.Wait()
	if err != nil && r.cmd.ProcessState != nil && !r.cmd.ProcessState.Success() {
		// Closing the pipe early kills xz with SIGPIPE: not an error.
		if strings.Contains(err.Error(), "broken pipe") || strings.Contains(err.Error(), "signal: broken pipe") {
			return nil
		}
	}
	return err
}

// readPapers parses every record of a dataset. Records paperbot's parser
// rejects are left out (both engines then index the same records) and
// reported through logf.
func readPapers(ctx context.Context, path string, logf func(string, ...any)) ([]paper.Paper, error) {
	r, err := openDataset(ctx, path)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	var out []paper.Paper
	var rejects []string
	rejected := 0
	err = sources.Parse(ctx, r, filepath.Base(strings.TrimSuffix(path, ".xz")), sources.JSONL, sources.Handler{
		Paper: func(p paper.Paper) error { out = append(out, p); return nil },
		Reject: func(e *sources.RecordError) {
			rejected++
			if len(rejects) < 3 {
				rejects = append(rejects, e.Error())
			}
		},
	})
	if err != nil {
		return nil, err
	}
	if rejected > 0 {
		logf("%s: paperbot's parser rejected %d records, left out (e.g. %s)", filepath.Base(path), rejected, strings.Join(rejects, "; "))
	}
	return out, nil
}

// corpusFile makes sure the plain JSON Lines file of a corpus exists in the
// work directory and returns its path. The 250k corpus is the sample
// decompressed; the 1m and 3m corpora are the sample followed by 750,000 and
// 2,750,000 derived records (see derive). Files are written under a temporary name and
// renamed when complete, so an interrupted run never leaves a short corpus.
func corpusFile(ctx context.Context, work, dataset, name string, logf func(string, ...any)) (string, error) {
	dir := filepath.Join(work, "corpus")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(dir, "arxiv-"+name+".jsonl")
	key := corpusKey(dataset)
	if _, err := os.Stat(path); err == nil {
		if old, _ := os.ReadFile(path + ".key"); string(old) == key {
			return path, nil
		}
		// Made from another dataset or by another parser (records it
		// rejected then may be read now): made again, and every index
		// built from it with it.
		logf("the %s corpus in %s was made from another dataset or by another parser: making it again, and its indexes", name, dir)
		stale, _ := filepath.Glob(filepath.Join(work, name+"*", "*.done"))
		for _, f := range stale {
			os.Remove(f)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	total, ok := corpusSizes[name]
	if !ok {
		return "", fmt.Errorf("unknown corpus %q (want %s)", name, strings.Join(corpusNames(), ", "))
	}
	if total == 0 {
		logf("decompressing %s", dataset)
	} else {
		logf("deriving the %s corpus from %s", name, dataset)
	}
	base, err := readPapers(ctx, dataset, logf)
	if err != nil {
		return "", err
	}
	if total == 0 {
		total = len(base)
	}
	tmp := path + ".partial"
	if err := writeCorpus(tmp, base, total); err != nil {
		os.Remove(tmp)
		return "", err
	}
	if err := os.Rename(tmp, path); err != nil {
		return "", err
	}
	return path, os.WriteFile(path+".key", []byte(key), 0o644)
}

// corpusKey identifies what a corpus is made from: the dataset (its path,
// size and modification time) and the parser that reads it (a hash of the
// source of index/sources and bot/paper, when the repository is at hand).
func corpusKey(dataset string) string {
	h := sha256.New()
	if st, err := os.Stat(dataset); err == nil {
		fmt.Fprintf(h, "%s %d %d\n", dataset, st.Size(), st.ModTime().UnixNano())
	}
	if root, err := repoRoot(); err == nil {
		for _, pkg := range []string{"index/sources", "bot/paper"} {
			files, _ := filepath.Glob(filepath.Join(root, pkg, "*.go"))
			slices.Sort(files)
			for _, f := range files {
				if strings.HasSuffix(f, "_test.go") {
					continue
				}
				if b, err := os.ReadFile(f); err == nil {
					fmt.Fprintf(h, "%s %d\n", filepath.Base(f), len(b))
					h.Write(b)
				}
			}
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// writeCorpus streams base and then derived records up to total into a
// JSON Lines file.
func writeCorpus(path string, base []paper.Paper, total int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	if err := derive(base, total, func(p *paper.Paper) error { return enc.Encode(p) }); err != nil {
		f.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// derive emits base followed by derived records up to total: each derived
// record keeps the title of one base paper and takes the abstract (with its
// categories) and the author list of two other base papers, chosen by
// seeded permutations, under a new arXiv-style id from 2001.00001 onwards
// (10,500 a month, about arXiv's rate in 2020) with a publication date in
// that id's month. Every title and abstract thus appears several times in
// different pairs, like papers on one topic. The records do not depend on
// total: a smaller corpus is the start of a larger one. From the 250k
// sample, 3M papers run to ids of October 2041 (4110.xxxxx).
func derive(base []paper.Paper, total int, emit func(*paper.Paper) error) error {
	n := len(base)
	if n == 0 {
		return errors.New("derive: empty base corpus")
	}
	seen := make(map[string]struct{}, total)
	emitted := 0
	for i := range base {
		if emitted == total {
			return nil
		}
		seen[base[i].ID] = struct{}{}
		if err := emit(&base[i]); err != nil {
			return err
		}
		emitted++
	}
	for round := uint64(1); emitted < total; round++ {
		rng := rand.New(rand.NewPCG(derivedSeed, round))
		abs := rng.Perm(n)
		auth := rng.Perm(n)
		for i := 0; i < n && emitted < total; i++ {
			id, published := derivedID(emitted - n)
			if _, dup := seen[id]; dup {
				return fmt.Errorf("derive: id %s already in the base corpus", id)
			}
			seen[id] = struct{}{}
			t, a, au := &base[i], &base[abs[i]], &base[auth[i]]
			p := paper.Paper{
				ID:         id,
				Title:      t.Title,
				Abstract:   a.Abstract,
				Authors:    au.Authors,
				Categories: a.Categories,
				Published:  published,
				Source:     "bench-derived",
			}
			if err := emit(&p); err != nil {
				return err
			}
			emitted++
		}
	}
	return nil
}

// derivedID is the id and publication date of derived record k (from 0):
// 10,500 a month from January 2020, numbered from 00001 in each month, on a
// day of that month.
func derivedID(k int) (id, published string) {
	const perMonth = 10500
	month := k / perMonth
	yy, mm := 20+month/12, month%12+1
	num := k%perMonth + 1
	return fmt.Sprintf("%02d%02d.%05d", yy, mm, num), fmt.Sprintf("20%02d-%02d-%02d", yy, mm, 1+num%28)
}

// countLines counts the records of a JSON Lines file.
func countLines(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	buf := make([]byte, 1<<20)
	n := 0
	for {
		m, err := f.Read(buf)
		for _, b := range buf[:m] {
			if b == '\n' {
				n++
			}
		}
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}
