// Command catalog fills a new zerodesk database with a large knowledge base
// for the benchmarks (bench/RESULTS.md, issue 13): the demo articles plus n
// generated ones in each of the given languages, written through the same
// path as the demo (kb.SeedIfEmpty), so the rows, the search index and the
// catalog are exactly what the portal makes of real articles. The words are
// our own: drawn from the demo articles' vocabulary of each language, the
// frequent words more often (a Zipf law), so a search finds what it would in
// a real help desk of that size (see writer). Nothing generated is committed.
//
//	go run ./bench/catalog -data /tmp/kb3 -articles 5000 -langs en,es,de
//	go run ./bench/catalog -data /tmp/kb1 -articles 50000 -langs en
//	zerodesk serve --data /tmp/kb3
package main

import (
	"context"
	"flag"
	"fmt"
	"io/fs"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing/fstest"
	"time"
	"unicode"

	"zerodesk/data"
	"zerodesk/internal/kb"
	"zerodesk/internal/store"
)

func main() {
	dir := flag.String("data", "", "data directory to create (must hold no database yet)")
	n := flag.Int("articles", 5000, "generated articles")
	langs := flag.String("langs", "en", "languages, comma-separated: the first is the source, the others translate every article")
	seed := flag.Uint64("seed", 1, "random seed (the same seed makes the same catalog)")
	flag.Parse()
	if *dir == "" {
		log.Fatal("catalog: -data is required")
	}
	start := time.Now()
	if err := build(context.Background(), *dir, *n, strings.Split(*langs, ","), *seed); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("catalog: %d articles × %s in %s (%s)\n", *n, *langs, *dir, time.Since(start).Round(time.Second))
}

func build(ctx context.Context, dir string, n int, langs []string, seed uint64) error {
	dbPath := filepath.Join(dir, "zerodesk.db")
	if _, err := os.Stat(dbPath); err == nil {
		return fmt.Errorf("catalog: %s exists", dbPath)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	demo := data.Demo()
	vocab, err := vocabulary(demo)
	if err != nil {
		return err
	}
	files, err := Generate(demo, vocab, n, langs, seed)
	if err != nil {
		return err
	}
	db, err := store.Open(dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx, data.Migrations()); err != nil {
		return err
	}
	k, err := kb.New(ctx, db, kb.Options{})
	if err != nil {
		return err
	}
	loaded, err := k.SeedIfEmpty(ctx, files)
	if err != nil {
		return err
	}
	if loaded == 0 {
		return fmt.Errorf("catalog: nothing loaded")
	}
	_, err = db.Write.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
	return err
}

// vocabulary is every language's words in the demo articles, the most
// frequent first, with how often each occurs.
func vocabulary(demo fs.FS) (map[string][]wordCount, error) {
	counts := map[string]map[string]int{}
	docs := map[string]int{} // language NUL word → articles holding it
	articles := map[string]int{}
	err := fs.WalkDir(demo, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".md") {
			return err
		}
		raw, err := fs.ReadFile(demo, p)
		if err != nil {
			return err
		}
		lang := strings.SplitN(p, "/", 2)[0]
		if counts[lang] == nil {
			counts[lang] = map[string]int{}
		}
		body := string(raw)
		if i := strings.LastIndex(body, "+++"); i >= 0 {
			body = body[i+3:] // the front matter is no prose
		}
		seen := map[string]bool{}
		for _, w := range strings.FieldsFunc(body, func(r rune) bool { return !unicode.IsLetter(r) }) {
			if len([]rune(w)) >= 2 {
				w = strings.ToLower(w)
				counts[lang][w]++
				if !seen[w] {
					seen[w] = true
					docs[lang+"\x00"+w]++
				}
			}
		}
		articles[lang]++
		return nil
	})
	out := map[string][]wordCount{}
	for lang, m := range counts {
		for w, c := range m {
			// A word in most articles is a common word (the, your): the
			// writer uses those in every article, the others by topic.
			common := float64(docs[lang+"\x00"+w]) >= 0.8*float64(articles[lang])
			out[lang] = append(out[lang], wordCount{w, c, common})
		}
		slices.SortFunc(out[lang], func(a, b wordCount) int {
			switch {
			case a.common != b.common && a.common:
				return -1
			case a.common != b.common:
				return 1
			case a.n != b.n:
				return b.n - a.n
			}
			return strings.Compare(a.word, b.word)
		})
	}
	return out, err
}

type wordCount struct {
	word   string
	n      int
	common bool // in most of the demo's articles
}

// Generate is the demo files plus n articles (gen-00001 …) in every language
// of langs, as LANG/KEY.md files in the demo format, the first language the
// source. The same arguments make the same files.
func Generate(demo fs.FS, vocab map[string][]wordCount, n int, langs []string, seed uint64) (fs.FS, error) {
	files := fstest.MapFS{}
	err := fs.WalkDir(demo, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, err := fs.ReadFile(demo, p)
		files[p] = &fstest.MapFile{Data: raw}
		return err
	})
	if err != nil {
		return nil, err
	}
	for _, lang := range langs {
		if len(vocab[lang]) < 200 {
			return nil, fmt.Errorf("catalog: too few demo words in %q", lang)
		}
	}
	categories := []string{"setup", "faq", "howto", "documents", "technotes"}
	published := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 1; i <= n; i++ {
		key := fmt.Sprintf("gen-%05d", i)
		for j, lang := range langs {
			// One stream per article and language: the same article reads
			// the same whatever n is.
			g := &writer{rnd: rand.New(rand.NewPCG(seed, uint64(i)<<8|uint64(j))), words: vocab[lang]}
			var b strings.Builder
			b.WriteString("+++\n")
			fmt.Fprintf(&b, "key = %q\n", key)
			if j == 0 {
				fmt.Fprintf(&b, "category = %q\nposition = %d\n", categories[i%len(categories)], 1000+i)
			}
			fmt.Fprintf(&b, "title = %q\n", g.sentence(4, 9, false))
			fmt.Fprintf(&b, "description = %q\n", g.sentence(10, 20, true))
			fmt.Fprintf(&b, "published = %s\n", published.AddDate(0, 0, i%300).Format(time.DateOnly))
			b.WriteString("+++\n\n")
			for s := range 2 + g.rnd.IntN(3) { // sections
				if s > 0 {
					fmt.Fprintf(&b, "## %s\n\n", g.sentence(2, 5, false))
				}
				for range 1 + g.rnd.IntN(3) { // paragraphs
					for range 2 + g.rnd.IntN(4) {
						b.WriteString(g.sentence(6, 18, true))
						b.WriteByte(' ')
					}
					b.WriteString("\n\n")
				}
			}
			files[lang+"/"+key+".md"] = &fstest.MapFile{Data: []byte(b.String())}
		}
	}
	return files, nil
}

// writer makes sentences of vocabulary words the way articles use words:
// half of them from the language's common words (those in 80 % of the demo
// articles: the, to, your), half from the article's topic, a few hundred of the other
// words chosen per article, so a topical word such as "password" is in the
// articles about it, not in all 5,000. Within each, the frequent words come
// more often (a Zipf law).
type writer struct {
	rnd   *rand.Rand
	words []wordCount
	topic []string
	zipf  [2]*rand.Zipf
}

func (g *writer) word() string {
	if g.zipf[0] == nil {
		commonWords := 0
		for commonWords < len(g.words) && g.words[commonWords].common {
			commonWords++
		}
		commonWords = max(commonWords, 2)
		rest := g.words[commonWords:]
		size := min(len(rest), 200+g.rnd.IntN(200))
		for _, i := range g.rnd.Perm(len(rest))[:size] {
			g.topic = append(g.topic, rest[i].word)
		}
		g.zipf[0] = rand.NewZipf(g.rnd, 1.1, 2, uint64(commonWords-1))
		g.zipf[1] = rand.NewZipf(g.rnd, 1.1, 2, uint64(len(g.topic)-1))
	}
	if g.rnd.IntN(2) == 0 {
		return g.words[g.zipf[0].Uint64()].word
	}
	return g.topic[g.zipf[1].Uint64()]
}

func (g *writer) sentence(minWords, maxWords int, stop bool) string {
	n := minWords + g.rnd.IntN(maxWords-minWords+1)
	ws := make([]string, n)
	for i := range ws {
		ws[i] = g.word()
	}
	r := []rune(strings.Join(ws, " "))
	r[0] = unicode.ToUpper(r[0])
	if stop {
		return string(r) + "."
	}
	return string(r)
}
