// Package words makes the word-language dataset that examples/train/words-*.yaml
// train on: words of several languages' word lists (Debian's wamerican,
// wngerman, wfrench, wspanish, witalian, wportuguese, wdutch), each as
// its UTF-8 bytes, labelled with its language.
//
// # Words kept
//
// A word is kept when it is 2 to Steps bytes of lowercase letters
// (unicode.IsLower, so é, ß and ç count; capitalized nouns, names,
// digits, apostrophes and hyphens do not). Longer words are skipped, not
// truncated, so every sample is a whole word. A word found in more than
// one list (English "art" and German "art", French and Italian "ai") has
// no single answer and is dropped from all of them.
//
// # Samples
//
// A word becomes Steps token ids: byte b is id b+1, left-padded with id 0,
// so the last byte is always the last step (a recurrent model's final
// state comes right after the word's ending). Every language gives the
// same number of training and test words (balanced classes).
//
// # Split
//
// A word's split is a function of the word alone: FNV-1a of its bytes,
// modulo 8, puts one word in eight in the test pool and the rest in the
// training pool; within each pool the words are taken in hash order
// (ties by the word). A word never lands in both splits, and asking for
// more or fewer samples never moves one from a split to the other. The
// samples are interleaved by language (word k of every language, then
// word k+1), so any prefix of a split (data.limit) stays balanced.
package words

import (
	"bufio"
	"fmt"
	"os"
	"unicode"
	"unicode/utf8"
)

// List is one language's word list: a UTF-8 file, one word a line.
type List struct {
	Language string
	Path     string
}

// DefaultLists are the Debian word lists under /usr/share/dict, in label
// order (classes.txt).
var DefaultLists = []List{
	{"english", "/usr/share/dict/american-english"},
	{"german", "/usr/share/dict/ngerman"},
	{"french", "/usr/share/dict/french"},
	{"spanish", "/usr/share/dict/spanish"},
	{"italian", "/usr/share/dict/italian"},
	{"portuguese", "/usr/share/dict/portuguese"},
	{"dutch", "/usr/share/dict/dutch"},
}

// Keep reports whether w is a word the dataset uses: valid UTF-8, 2 to
// steps bytes, every rune a lowercase letter.
func Keep(w string, steps int) bool {
	if len(w) < 2 || len(w) > steps || !utf8.ValidString(w) {
		return false
	}
	for _, r := range w {
		if !unicode.IsLower(r) {
			return false
		}
	}
	return true
}

// readList returns the distinct words of the list at path that Keep
// accepts, and the number of lines read.
func readList(path string, steps int) (map[string]bool, int, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	kept := map[string]bool{}
	lines := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		lines++
		if w := sc.Text(); Keep(w, steps) {
			kept[w] = true
		}
	}
	if err := sc.Err(); err != nil {
		return nil, 0, fmt.Errorf("%s: %w", path, err)
	}
	return kept, lines, nil
}

// Stats counts what one list gave.
type Stats struct {
	Language string
	// Lines is the lines read; Kept the distinct words Keep accepts;
	// Ambiguous those of them found in another list too (dropped).
	Lines, Kept, Ambiguous int
	// TrainPool and TestPool are the unambiguous words of each split's
	// pool, of which Options.Train and Options.Test are used.
	TrainPool, TestPool int
}

// readAll reads every list and returns each language's unambiguous
// words.
func readAll(lists []List, steps int) ([][]string, []Stats, error) {
	sets := make([]map[string]bool, len(lists))
	stats := make([]Stats, len(lists))
	seen := map[string]int{} // word -> number of lists holding it
	for i, l := range lists {
		set, lines, err := readList(l.Path, steps)
		if err != nil {
			return nil, nil, fmt.Errorf("%s word list: %w", l.Language, err)
		}
		sets[i] = set
		stats[i] = Stats{Language: l.Language, Lines: lines, Kept: len(set)}
		for w := range set {
			seen[w]++
		}
	}
	out := make([][]string, len(lists))
	for i, set := range sets {
		for w := range set {
			if seen[w] > 1 {
				stats[i].Ambiguous++
				continue
			}
			out[i] = append(out[i], w)
		}
	}
	return out, stats, nil
}
