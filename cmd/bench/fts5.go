package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	sqlite3 "github.com/mattn/go-sqlite3"

	"github.com/paperbot/paperbot/bot/paper"
)

// The SQLite FTS5 peer: a content table holding each paper's columns and an
// external-content FTS5 index over title, abstract, authors and categories
// with the porter tokenizer, ranked by bm25. It is what a careful engineer
// would build with SQLite for the same product.
const ftsSchema = `
CREATE TABLE papers(
	rowid      INTEGER PRIMARY KEY,
	paper_id   TEXT NOT NULL UNIQUE,
	title      TEXT NOT NULL,
	abstract   TEXT NOT NULL,
	authors    TEXT NOT NULL,
	categories TEXT NOT NULL,
	published  TEXT NOT NULL
);
CREATE VIRTUAL TABLE papers_fts USING fts5(
	title, abstract, authors, categories,
	content='papers', content_rowid='rowid',
	tokenize='porter unicode61 remove_diacritics 2'
);`

// ftsBM25 weighs the columns like paperbot: a title match counts extra,
// author matches rank, category filters do not.
const ftsBM25 = "bm25(papers_fts, 2.0, 1.0, 1.0, 0.0)"

// ftsDriver is the database/sql driver name of the cgo SQLite build.
const ftsDriver = "sqlite3"

var _ = sqlite3.SQLiteDriver{} // the driver registers itself as "sqlite3"

// errNoFTS5 explains how to get an SQLite with FTS5.
var errNoFTS5 = errors.New("this build of SQLite has no FTS5: run the benchmark with `go run -tags sqlite_fts5 .` in cmd/bench (github.com/mattn/go-sqlite3 compiles FTS5 in only with that tag)")

// sqliteVersion is the version of the SQLite compiled in.
func sqliteVersion() string {
	v, _, _ := sqlite3.Version()
	return v
}

// openFTS opens (creating when asked) the FTS5 database at path.
func openFTS(ctx context.Context, path string, create bool) (*sql.DB, error) {
	dsn := "file:" + path + "?_txlock=immediate"
	if !create {
		dsn = "file:" + path + "?mode=ro"
	}
	db, err := sql.Open(ftsDriver, dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	pragmas := []string{"PRAGMA cache_size = -65536", "PRAGMA temp_store = MEMORY"}
	if create {
		// Bulk loading: like paperbot's Options.Bulk, no sync per batch.
		pragmas = append(pragmas, "PRAGMA journal_mode = WAL", "PRAGMA synchronous = OFF")
	} else {
		// Serving: map the file like Bleve maps its segments.
		pragmas = append(pragmas, "PRAGMA mmap_size = 2147418112")
	}
	for _, p := range pragmas {
		if _, err := db.ExecContext(ctx, p); err != nil {
			db.Close()
			return nil, fmt.Errorf("%s: %w", p, err)
		}
	}
	if create {
		if _, err := db.ExecContext(ctx, ftsSchema); err != nil {
			db.Close()
			if strings.Contains(err.Error(), "no such module: fts5") {
				return nil, errNoFTS5
			}
			return nil, fmt.Errorf("creating the FTS5 schema: %w", err)
		}
	}
	return db, nil
}

// ftsWriter inserts papers in transactions of batch papers.
type ftsWriter struct {
	db            *sql.DB
	tx            *sql.Tx
	insRow, insFT *sql.Stmt
	batch, n      int
}

func newFTSWriter(db *sql.DB, batch int) *ftsWriter {
	if batch <= 0 {
		batch = 2000
	}
	return &ftsWriter{db: db, batch: batch}
}

func (w *ftsWriter) Add(ctx context.Context, p paper.Paper) error {
	if w.tx == nil {
		tx, err := w.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		w.tx = tx
		if w.insRow, err = tx.PrepareContext(ctx, `INSERT INTO papers(paper_id, title, abstract, authors, categories, published) VALUES(?, ?, ?, ?, ?, ?)`); err != nil {
			return err
		}
		if w.insFT, err = tx.PrepareContext(ctx, `INSERT INTO papers_fts(rowid, title, abstract, authors, categories) VALUES(?, ?, ?, ?, ?)`); err != nil {
			return err
		}
	}
	authors := strings.Join(p.Authors, "; ")
	cats := strings.Join(p.Categories, " ")
	res, err := w.insRow.ExecContext(ctx, p.ID, p.Title, p.Abstract, authors, cats, p.Published)
	if err != nil {
		return fmt.Errorf("paper %s: %w", p.ID, err)
	}
	rowid, err := res.LastInsertId()
	if err != nil {
		return err
	}
	if _, err := w.insFT.ExecContext(ctx, rowid, p.Title, p.Abstract, authors, cats); err != nil {
		return fmt.Errorf("paper %s: %w", p.ID, err)
	}
	w.n++
	if w.n%w.batch == 0 {
		return w.commit()
	}
	return nil
}

func (w *ftsWriter) commit() error {
	if w.tx == nil {
		return nil
	}
	w.insRow.Close()
	w.insFT.Close()
	err := w.tx.Commit()
	w.tx = nil
	return err
}

// Close commits what is pending and folds the write-ahead log into the
// database file, so that its size is the index size.
func (w *ftsWriter) Close(ctx context.Context) error {
	if err := w.commit(); err != nil {
		return err
	}
	_, err := w.db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
	return err
}

// ftsQuery is a query of the mix translated for FTS5.
type ftsQuery struct {
	// Match is the FTS5 MATCH expression ("" for pure id lookups).
	Match string
	// IDs are canonical paper ids looked up directly.
	IDs []string
	// Recent orders by publication date (a filter-only query, as paperbot does).
	Recent bool
}

// ftsStop are the stop words paperbot's English analyzer drops; FTS5 has
// no stop-word list, so free words that are stop words are dropped from the
// translation (else "the" would match nearly every paper).
type ftsTranslator struct{ stop analysis.TokenMap }

func newFTSTranslator() (*ftsTranslator, error) {
	stop := analysis.NewTokenMap()
	if err := stop.LoadBytes(en.EnglishStopWords); err != nil {
		return nil, err
	}
	return &ftsTranslator{stop: stop}, nil
}

// ftsTokens splits text the way FTS5's unicode61 tokenizer does: runs of
// letters and digits, lower-cased.
func ftsTokens(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) })
}

// ftsString quotes a string for an FTS5 expression.
func ftsString(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// Translate turns a query in paperbot's language into the FTS5 equivalent:
// free words OR-ed over title and abstract (paperbot's semantics: any word
// matches, bm25 ranks), "phrases" as phrases, author: and cat: as column
// filters, -exclusions as NOT, ids as lookups. Typos stay as typed.
func (t *ftsTranslator) Translate(q string) ftsQuery {
	var words, must, not []string
	var ids []string
	hasText := false
	for _, p := range readParts(q) {
		switch p.kind {
		case partAuthor:
			if ts := ftsTokens(p.text); len(ts) > 0 {
				must = append(must, "authors : "+ftsString(strings.Join(ts, " ")))
			}
		case partCat:
			if ts := ftsTokens(p.text); len(ts) > 0 {
				must = append(must, "categories : "+ftsString(strings.Join(ts, " ")))
			}
		case partID:
			ids = append(ids, p.text)
		case partFilter:
			// Not in the mix; dates would be a SQL range.
		case partPhrase:
			ph := ftsTokens(p.text)
			if len(ph) == 0 {
				continue
			}
			expr := "{title abstract} : " + ftsString(strings.Join(ph, " "))
			if p.neg {
				not = append(not, expr)
			} else {
				must = append(must, expr)
				hasText = true
			}
		case partWord:
			for _, w := range ftsTokens(p.text) {
				if t.stop[w] {
					continue
				}
				if p.neg {
					not = append(not, "{title abstract} : "+ftsString(w))
				} else {
					words = append(words, ftsString(w))
				}
			}
		}
	}
	var parts []string
	if len(words) > 0 {
		parts = append(parts, "{title abstract} : ("+strings.Join(words, " OR ")+")")
	}
	parts = append(parts, must...)
	out := ftsQuery{IDs: ids}
	if len(parts) == 0 {
		return out
	}
	expr := "(" + strings.Join(parts, ") AND (") + ")"
	for _, n := range not {
		expr += " NOT (" + n + ")"
	}
	out.Match = expr
	out.Recent = len(words) == 0 && !hasText
	return out
}

// partKind is what a token of a query is, as the peers' translations see it.
type partKind int

const (
	partWord   partKind = iota // a free word, as typed
	partPhrase                 // a "quoted phrase", without its quotes
	partAuthor                 // author:name, the name without quotes
	partCat                    // cat:category, as typed
	partID                     // an arXiv id or URL, canonical
	partFilter                 // year:, since:, before:, sort: (not in the mix; not translated)
)

// queryPart is one token of a query in paperbot's language.
type queryPart struct {
	kind partKind
	text string
	neg  bool // -word, -"phrase"
}

// readParts reads a query of the mix the way paperbot's parser reads it, for
// the peer engines' translations: words, phrases, author: and cat: filters,
// ids (bare, arXiv:, id:, URLs), in the order written.
func readParts(q string) []queryPart {
	var out []queryPart
	for _, tok := range splitQuery(q) {
		neg := strings.HasPrefix(tok, "-") && len(tok) > 1
		if neg {
			tok = tok[1:]
		}
		if field, val, ok := strings.Cut(tok, ":"); ok && !strings.HasPrefix(tok, `"`) {
			val = strings.Trim(val, `"`)
			switch strings.ToLower(field) {
			case "author", "authors", "au", "by":
				out = append(out, queryPart{kind: partAuthor, text: val})
				continue
			case "cat", "category":
				out = append(out, queryPart{kind: partCat, text: val})
				continue
			case "id", "arxiv":
				out = append(out, queryPart{kind: partID, text: paper.CanonicalID(val)})
				continue
			case "year", "since", "after", "before", "until", "sort":
				out = append(out, queryPart{kind: partFilter, text: tok})
				continue
			}
			// A URL (http:, https:) is an id below; other words with a
			// colon are words.
		}
		if strings.HasPrefix(tok, `"`) {
			out = append(out, queryPart{kind: partPhrase, text: strings.Trim(tok, `"`), neg: neg})
			continue
		}
		if id, ok := paper.ParseArxivID(tok); ok && !neg {
			out = append(out, queryPart{kind: partID, text: id})
			continue
		}
		out = append(out, queryPart{kind: partWord, text: tok, neg: neg})
	}
	return out
}

// splitQuery splits a query into tokens, keeping "quoted phrases" and
// field:"quoted values" whole.
func splitQuery(q string) []string {
	var out []string
	rs := []rune(q)
	for i := 0; i < len(rs); {
		for i < len(rs) && unicode.IsSpace(rs[i]) {
			i++
		}
		if i >= len(rs) {
			break
		}
		start := i
		inQuote := false
		for i < len(rs) && (inQuote || !unicode.IsSpace(rs[i])) {
			if rs[i] == '"' {
				inQuote = !inQuote
			}
			i++
		}
		out = append(out, string(rs[start:i]))
	}
	return out
}

// ftsSearcher runs translated queries.
type ftsSearcher struct {
	db    *sql.DB
	tr    *ftsTranslator
	rank  *sql.Stmt
	rec   *sql.Stmt
	byID  *sql.Stmt
	limit int
}

func newFTSSearcher(ctx context.Context, db *sql.DB, limit int) (*ftsSearcher, error) {
	tr, err := newFTSTranslator()
	if err != nil {
		return nil, err
	}
	s := &ftsSearcher{db: db, tr: tr, limit: limit}
	cols := `p.paper_id, highlight(papers_fts, 0, '<b>', '</b>'), snippet(papers_fts, 1, '<b>', '</b>', '…', 40), p.authors, p.published`
	if s.rank, err = db.PrepareContext(ctx, `SELECT `+cols+` FROM papers_fts JOIN papers p ON p.rowid = papers_fts.rowid WHERE papers_fts MATCH ? ORDER BY `+ftsBM25+` LIMIT ?`); err != nil {
		return nil, err
	}
	if s.rec, err = db.PrepareContext(ctx, `SELECT `+cols+` FROM papers_fts JOIN papers p ON p.rowid = papers_fts.rowid WHERE papers_fts MATCH ? ORDER BY p.published DESC LIMIT ?`); err != nil {
		return nil, err
	}
	if s.byID, err = db.PrepareContext(ctx, `SELECT paper_id, title, abstract, authors, published FROM papers WHERE paper_id = ?`); err != nil {
		return nil, err
	}
	return s, nil
}

// Search runs one query and returns the number of hits read.
func (s *ftsSearcher) Search(ctx context.Context, q string) (int, error) {
	fq := s.tr.Translate(q)
	n := 0
	for _, id := range fq.IDs {
		k, err := readRows(s.byID.QueryContext(ctx, id))
		if err != nil {
			return n, err
		}
		n += k
	}
	if fq.Match == "" {
		return n, nil
	}
	stmt := s.rank
	if fq.Recent {
		stmt = s.rec
	}
	k, err := readRows(stmt.QueryContext(ctx, fq.Match, s.limit))
	if err != nil {
		return n, fmt.Errorf("MATCH %s: %w", fq.Match, err)
	}
	return n + k, nil
}

// readRows reads every row (five text columns) and counts them.
func readRows(rows *sql.Rows, err error) (int, error) {
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	var a, b, c, d, e sql.NullString
	for rows.Next() {
		if err := rows.Scan(&a, &b, &c, &d, &e); err != nil {
			return n, err
		}
		n++
	}
	return n, rows.Err()
}

func (s *ftsSearcher) Close() error {
	s.rank.Close()
	s.rec.Close()
	s.byID.Close()
	return nil
}
