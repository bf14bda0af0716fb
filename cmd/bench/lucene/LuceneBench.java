// LuceneBench is the Lucene peer of cmd/bench: a yardstick, not a product.
// The bench compiles this file with javac against Debian's liblucene8-java
// jars into its work directory and runs it as a child process, as it runs
// its own Go children:
//
//   java -Xmx1g -cp CLASSES:JARS LuceneBench version
//   java ... LuceneBench ingest --corpus FILE.jsonl --out DIR [--limit N] [--threads N]
//   java ... LuceneBench query --index DIR --plan PLAN.json
//
// Each command prints one JSON object on stdout, with the field names of the
// Go children's results (ingestOut and queryOut in cmd/bench); query prints
// every query's raw latencies too, which the bench summarises with the code
// that summarises the other engines.
//
// Lucene's defaults throughout: BM25Similarity (k1 1.2, b 0.75), the
// English analyzer, IndexWriterConfig's 16 MB buffer, TieredMergePolicy and
// ConcurrentMergeScheduler (background merges, never forced to one segment),
// FSDirectory.open (memory-mapped on 64-bit Linux), top-10 collectors (which
// count hits exactly up to 1,000 and then skip what cannot reach the top).

import java.io.BufferedReader;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.TokenStream;
import org.apache.lucene.analysis.custom.CustomAnalyzer;
import org.apache.lucene.analysis.en.EnglishAnalyzer;
import org.apache.lucene.analysis.miscellaneous.PerFieldAnalyzerWrapper;
import org.apache.lucene.analysis.tokenattributes.CharTermAttribute;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field.Store;
import org.apache.lucene.document.LongPoint;
import org.apache.lucene.document.NumericDocValuesField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause.Occur;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.BoostQuery;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.MatchAllDocsQuery;
import org.apache.lucene.search.PrefixQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.Sort;
import org.apache.lucene.search.SortField;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.search.uhighlight.UnifiedHighlighter;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.QueryBuilder;
import org.apache.lucene.util.Version;

public final class LuceneBench {
  public static void main(String[] args) throws Exception {
    String cmd = args.length > 0 ? args[0] : "";
    Map<String, String> flags = new LinkedHashMap<>();
    for (int i = 1; i + 1 < args.length; i += 2) {
      flags.put(args[i].replaceFirst("^--?", ""), args[i + 1]);
    }
    Map<String, Object> out;
    switch (cmd) {
      case "version":
        out = new LinkedHashMap<>();
        out.put("lucene", Version.LATEST.toString());
        out.put("java", Runtime.version().toString());
        out.put("max_heap_bytes", Runtime.getRuntime().maxMemory());
        out.put("gc", ManagementFactory.getGarbageCollectorMXBeans().get(0).getName());
        break;
      case "ingest":
        out = ingest(flags);
        break;
      case "query":
        out = query(flags);
        break;
      default:
        System.err.println("usage: LuceneBench version | ingest --corpus F --out DIR [--limit N] [--threads N] | query --index DIR --plan F");
        System.exit(2);
        return;
    }
    System.out.println(Json.write(out));
  }

  // ---- analysis: what paperbot's mapping does, in Lucene's own analyzers

  /** Title and abstract: Lucene's English analyzer (possessives, lower case, stop words, Porter). */
  static Analyzer english() {
    return new EnglishAnalyzer();
  }

  /** Author names: words, lower-cased, accents folded (Müller finds Muller). */
  static Analyzer names() throws IOException {
    return CustomAnalyzer.builder()
        .withTokenizer("standard")
        .addTokenFilter("lowercase")
        .addTokenFilter("asciiFolding")
        .build();
  }

  // ---- ingest

  static Map<String, Object> ingest(Map<String, String> flags) throws Exception {
    Path corpus = Path.of(required(flags, "corpus"));
    Path out = Path.of(required(flags, "out"));
    long limit = Long.parseLong(flags.getOrDefault("limit", "0"));
    int threads = Integer.parseInt(flags.getOrDefault("threads", String.valueOf(Runtime.getRuntime().availableProcessors())));
    Analyzer analyzer = new PerFieldAnalyzerWrapper(english(), Map.of("authors", names()));
    long start = System.nanoTime();
    long[] papers = {0};
    AtomicReference<Throwable> failed = new AtomicReference<>();
    try (BufferedReader in = Files.newBufferedReader(corpus, StandardCharsets.UTF_8);
        Directory dir = FSDirectory.open(out);
        IndexWriter w = new IndexWriter(dir, new IndexWriterConfig(analyzer).setOpenMode(IndexWriterConfig.OpenMode.CREATE))) {
      // Indexing threads share the reader, each parsing and adding the
      // records it takes (IndexWriter builds one segment per thread).
      Runnable work = () -> {
        try {
          for (String line; (line = next(in, papers, limit)) != null; ) {
            w.addDocument(document(Json.object(line)));
          }
        } catch (Throwable t) {
          failed.compareAndSet(null, t);
        }
      };
      List<Thread> ts = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        Thread t = new Thread(work, "index-" + i);
        t.start();
        ts.add(t);
      }
      for (Thread t : ts) {
        t.join();
      }
      if (failed.get() != null) {
        throw new IOException("indexing: " + failed.get(), failed.get());
      }
      w.commit();
    } // close waits for running merges
    double seconds = (System.nanoTime() - start) / 1e9;
    Map<String, Object> res = new LinkedHashMap<>();
    res.put("engine", "lucene");
    res.put("papers", papers[0]);
    res.put("rejected", 0);
    res.put("seconds", seconds);
    res.put("peak_rss_bytes", procMem().get("hwm_bytes"));
    try (Directory dir = FSDirectory.open(out); DirectoryReader r = DirectoryReader.open(dir)) {
      res.put("papers_after_reopen", r.numDocs());
      res.put("segments", r.leaves().size());
    }
    res.put("version", "Lucene " + Version.LATEST + ", " + threads + " indexing threads");
    return res;
  }

  /** The next non-blank line of the corpus, or null at the end or the limit. */
  static String next(BufferedReader in, long[] n, long limit) throws IOException {
    synchronized (in) {
      for (String line; (line = in.readLine()) != null; ) {
        if (line.isBlank()) {
          continue;
        }
        if (limit > 0 && n[0] >= limit) {
          return null;
        }
        n[0]++;
        return line;
      }
      return null;
    }
  }

  /**
   * A paper record as a document. Indexed as paperbot indexes it: the id as a
   * term; title + abstract as one English-analysed field ("text", what words and
   * phrases search); the title again (for its extra weight); the authors joined
   * with " ; " (names analysis); each category lower-cased as a term; the
   * publication date as a point (ranges) and a doc value (newest first). Stored:
   * every field of the record (paperbot stores the whole record).
   */
  static Document document(Map<String, Object> r) {
    Document d = new Document();
    String id = string(r.get("id")), title = string(r.get("title")), abs = string(r.get("abstract"));
    d.add(new StringField("id", id, Store.YES));
    d.add(new TextField("title", title, Store.YES));
    d.add(new StoredField("abstract", abs));
    d.add(new TextField("text", abs.isEmpty() ? title : title + "\n" + abs, Store.NO));
    List<String> authors = strings(r.get("authors"));
    d.add(new TextField("authors", String.join(" ; ", authors), Store.NO));
    for (String a : authors) {
      d.add(new StoredField("authors", a));
    }
    for (String c : strings(r.get("categories"))) {
      d.add(new StringField("categories", c.toLowerCase(Locale.ROOT), Store.NO));
      d.add(new StoredField("categories", c));
    }
    String published = string(r.get("published"));
    if (!published.isEmpty()) {
      long day = LocalDate.parse(published).toEpochDay();
      d.add(new LongPoint("published", day));
      d.add(new NumericDocValuesField("published", day));
      d.add(new StoredField("published", published));
    }
    for (Map.Entry<String, Object> e : r.entrySet()) {
      switch (e.getKey()) {
        case "id": case "title": case "abstract": case "authors": case "categories": case "published":
          continue;
      }
      for (String v : strings(e.getValue())) {
        d.add(new StoredField(e.getKey(), v));
      }
    }
    return d;
  }

  // ---- queries

  /** Runs the queries of the plan the bench wrote (see luceneQuery in lucene.go). */
  static final class Searcher {
    final IndexSearcher searcher;
    final Analyzer english = english();
    final QueryBuilder text = new QueryBuilder(english);
    final QueryBuilder names;
    final UnifiedHighlighter highlighter;
    /** The stored fields of the hits being answered, read once for the reply and the highlighter. */
    final Map<Integer, Document> hits = new HashMap<>();
    static final Sort NEWEST = new Sort(new SortField("published", SortField.Type.LONG, true), SortField.FIELD_SCORE);

    Searcher(IndexSearcher searcher) throws IOException {
      this.searcher = searcher;
      this.names = new QueryBuilder(names());
      // Lucene's unified highlighter with its defaults: it highlights the
      // stored title and abstract by analysing them again (no offsets or
      // term vectors are indexed), here with the query's terms whatever
      // field they were searched in. It is given the hits' stored fields,
      // read once for the whole reply, as Elasticsearch's fetch phase does,
      // rather than reading them a second time.
      this.highlighter = new UnifiedHighlighter(searcher, english) {
        @Override
        protected List<CharSequence[]> loadFieldValues(String[] fields, DocIdSetIterator docs, int cacheCharsThreshold) throws IOException {
          List<CharSequence[]> out = new ArrayList<>();
          for (int doc = docs.nextDoc(); doc != DocIdSetIterator.NO_MORE_DOCS; doc = docs.nextDoc()) {
            CharSequence[] values = new CharSequence[fields.length];
            for (int i = 0; i < fields.length; i++) {
              values[i] = string(hits.get(doc).get(fields[i]));
            }
            out.add(values);
          }
          return out;
        }
      };
      this.highlighter.setFieldMatcher(field -> true);
    }

    /** Runs one query, reads its top 10 with highlights; returns their ids. */
    List<String> run(Map<String, Object> q) throws IOException {
      List<String> found = new ArrayList<>();
      List<String> ids = strings(q.get("ids"));
      if (!ids.isEmpty()) {
        for (String id : ids) {
          for (ScoreDoc sd : searcher.search(new TermQuery(new Term("id", id)), 1).scoreDocs) {
            found.add(searcher.doc(sd.doc).get("id"));
          }
        }
        return found;
      }
      BooleanQuery.Builder b = new BooleanQuery.Builder();
      boolean required = false;
      Map<String, Integer> words = terms(string(q.get("words")));
      if (!words.isEmpty()) {
        // paperbot's ranking: any word matches, BM25 over title + abstract,
        // and a word found in the title weighs half again.
        BooleanQuery.Builder any = new BooleanQuery.Builder(), inTitle = new BooleanQuery.Builder();
        for (Map.Entry<String, Integer> w : words.entrySet()) {
          any.add(boost(new TermQuery(new Term("text", w.getKey())), w.getValue()), Occur.SHOULD);
          inTitle.add(boost(new TermQuery(new Term("title", w.getKey())), 0.5f * w.getValue()), Occur.SHOULD);
        }
        b.add(any.build(), Occur.MUST);
        b.add(inTitle.build(), Occur.SHOULD);
        required = true;
      }
      for (String p : strings(q.get("phrases"))) {
        Query pq = text.createPhraseQuery("text", p);
        if (pq != null) {
          b.add(pq, Occur.MUST);
          required = true;
        }
      }
      for (String a : strings(q.get("authors"))) {
        Query aq = names.createPhraseQuery("authors", a);
        if (aq != null) {
          b.add(aq, Occur.MUST);
          required = true;
        }
      }
      List<String> cats = strings(q.get("cats")), prefixes = strings(q.get("cat_prefixes"));
      if (!cats.isEmpty() || !prefixes.isEmpty()) {
        BooleanQuery.Builder c = new BooleanQuery.Builder();
        cats.forEach(cat -> c.add(new TermQuery(new Term("categories", cat)), Occur.SHOULD));
        prefixes.forEach(p -> c.add(new PrefixQuery(new Term("categories", p)), Occur.SHOULD));
        b.add(c.build(), Occur.FILTER);
        required = true;
      }
      for (String t : terms(string(q.get("not_words"))).keySet()) {
        b.add(new TermQuery(new Term("text", t)), Occur.MUST_NOT);
      }
      for (String p : strings(q.get("not_phrases"))) {
        Query pq = text.createPhraseQuery("text", p);
        if (pq != null) {
          b.add(pq, Occur.MUST_NOT);
        }
      }
      if (!required) {
        b.add(new MatchAllDocsQuery(), Occur.MUST);
      }
      Query query = b.build();
      TopDocs top = Boolean.TRUE.equals(q.get("recent")) ? searcher.search(query, 10, NEWEST, true) : searcher.search(query, 10);
      hits.clear();
      for (ScoreDoc sd : top.scoreDocs) {
        Document doc = searcher.doc(sd.doc);
        hits.put(sd.doc, doc);
        found.add(doc.get("id"));
      }
      highlighter.highlightFields(new String[] {"title", "abstract"}, query, top, new int[] {1, 1});
      return found;
    }

    /** The English terms of free text, each with how often it occurs. */
    Map<String, Integer> terms(String s) throws IOException {
      Map<String, Integer> out = new LinkedHashMap<>();
      if (s.isEmpty()) {
        return out;
      }
      try (TokenStream ts = english.tokenStream("text", s)) {
        CharTermAttribute term = ts.addAttribute(CharTermAttribute.class);
        ts.reset();
        while (ts.incrementToken()) {
          out.merge(term.toString(), 1, Integer::sum);
        }
        ts.end();
      }
      return out;
    }

    static Query boost(Query q, float by) {
      return by == 1f ? q : new BoostQuery(q, by);
    }
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> query(Map<String, String> flags) throws Exception {
    Map<String, Object> plan = Json.object(Files.readString(Path.of(required(flags, "plan")), StandardCharsets.UTF_8));
    List<Object> queries = (List<Object>) plan.get("queries");
    List<Object> orders = (List<Object>) plan.get("orders");
    long start = System.nanoTime();
    Directory dir = FSDirectory.open(Path.of(required(flags, "index")));
    DirectoryReader reader = DirectoryReader.open(dir);
    Searcher s = new Searcher(new IndexSearcher(reader));
    Map<String, Object> res = new LinkedHashMap<>();
    res.put("engine", "lucene");
    res.put("papers", reader.numDocs());
    res.put("open_seconds", (System.nanoTime() - start) / 1e9);
    res.put("mem_after_open", procMem());

    int n = queries.size();
    long[] hits = new long[n];
    List<Object> tops = new ArrayList<>();
    long[][] wall = new long[n][orders.size()], cpu = new long[n][orders.size()];
    int errors = 0;
    String firstError = null;
    for (int i = 0; i < n; i++) { // the warm-up pass, in file order
      List<String> top = List.of();
      try {
        top = s.run((Map<String, Object>) queries.get(i));
      } catch (Exception e) {
        errors++;
        firstError = firstError == null ? "query " + i + " of the plan: " + e : firstError;
      }
      hits[i] = top.size();
      tops.add(top);
    }
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    for (int r = 0; r < orders.size(); r++) {
      for (Object o : (List<Object>) orders.get(r)) {
        int i = ((Number) o).intValue();
        long c0 = threads.getCurrentThreadCpuTime(), t0 = System.nanoTime();
        try {
          s.run((Map<String, Object>) queries.get(i));
        } catch (Exception e) {
          errors++;
          firstError = firstError == null ? "query " + i + " of the plan: " + e : firstError;
        }
        wall[i][r] = System.nanoTime() - t0;
        cpu[i][r] = threads.getCurrentThreadCpuTime() - c0;
      }
    }
    res.put("mem_after_queries", procMem());
    res.put("peak_rss_bytes", procMem().get("hwm_bytes"));
    Runtime rt = Runtime.getRuntime();
    res.put("heap_live_bytes", rt.totalMemory() - rt.freeMemory());
    res.put("version", "Lucene " + Version.LATEST + ", max heap " + (rt.maxMemory() >> 20) + " MiB");
    res.put("hits", hits);
    res.put("top", tops);
    res.put("wall_ns", wall);
    res.put("cpu_ns", cpu);
    res.put("errors", errors);
    if (firstError != null) {
      res.put("first_error", firstError);
    }
    reader.close();
    dir.close();
    return res;
  }

  // ---- helpers

  /** This process's memory from /proc/self/status, in bytes, with the Go children's names. */
  static Map<String, Object> procMem() throws IOException {
    Map<String, String> names = Map.of("VmRSS", "rss_bytes", "RssAnon", "rss_anon_bytes", "RssFile", "rss_file_bytes", "VmHWM", "hwm_bytes");
    Map<String, Object> m = new LinkedHashMap<>();
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      String[] kv = line.split(":\\s+");
      if (kv.length == 2 && names.containsKey(kv[0])) {
        m.put(names.get(kv[0]), Long.parseLong(kv[1].replace(" kB", "").trim()) * 1024);
      }
    }
    return m;
  }

  static String required(Map<String, String> flags, String name) {
    String v = flags.get(name);
    if (v == null) {
      throw new IllegalArgumentException("--" + name + " is required");
    }
    return v;
  }

  static String string(Object o) {
    return o == null ? "" : o.toString();
  }

  /** A JSON value as strings: an array's elements, or the value itself. */
  static List<String> strings(Object o) {
    List<String> out = new ArrayList<>();
    if (o instanceof List) {
      for (Object e : (List<?>) o) {
        out.add(string(e));
      }
    } else if (o != null) {
      out.add(string(o));
    }
    return out;
  }
}
