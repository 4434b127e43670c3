package words

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestKeep(t *testing.T) {
	for w, want := range map[string]bool{
		"ab": true, "haus": true, "straße": true, "été": true, "ação": true, "sixteenbyteslong": true,
		"a": false, "seventeenbyteslon": false, "Haus": false, "it's": false, "x-ray": false, "abc1": false,
		"": false, "ab c": false, "\xffab": false, "straßenbahnenzüge": false, // 18 bytes, 16 runes
	} {
		if got := Keep(w, 16); got != want {
			t.Errorf("Keep(%q, 16) = %v, want %v", w, got, want)
		}
	}
}

// Encode: bytes + 1, left-padded with 0; a multi-byte letter is one id
// per byte.
func TestEncode(t *testing.T) {
	if got, want := Encode("ab", 5), []int64{0, 0, 0, 'a' + 1, 'b' + 1}; !slices.Equal(got, want) {
		t.Errorf("Encode(ab, 5) = %v, want %v", got, want)
	}
	if got, want := Encode("é", 3), []int64{0, 0xc3 + 1, 0xa9 + 1}; !slices.Equal(got, want) {
		t.Errorf("Encode(é, 3) = %v, want %v", got, want)
	}
	if got, want := Encode("abc", 3), []int64{'a' + 1, 'b' + 1, 'c' + 1}; !slices.Equal(got, want) {
		t.Errorf("Encode(abc, 3) = %v, want %v", got, want)
	}
}

// randomWords returns n distinct words of 2 to 4 letters from alphabet
// (at most 8 bytes with two-byte letters).
func randomWords(r *rand.Rand, alphabet []rune, n int) []string {
	seen := map[string]bool{}
	var out []string
	for len(out) < n {
		var b strings.Builder
		for range 2 + r.IntN(3) {
			b.WriteRune(alphabet[r.IntN(len(alphabet))])
		}
		if w := b.String(); !seen[w] {
			seen[w] = true
			out = append(out, w)
		}
	}
	return out
}

// testLists writes three word lists with disjoint alphabets (so they
// share only the words put in on purpose) of 600 words each, plus
// shared words, duplicates and lines Keep rejects, and returns the
// lists and the shared words.
func testLists(t *testing.T) ([]List, []string) {
	t.Helper()
	dir := t.TempDir()
	r := rand.New(rand.NewPCG(1, 2))
	shared := []string{"zz", "zzz", "zzzz"}
	alphabets := [][]rune{[]rune("abcdef"), []rune("ghijkl"), []rune("mnoéßç")}
	var lists []List
	for i, a := range alphabets {
		ws := randomWords(r, a, 600)
		lines := append(slices.Clone(ws), ws[:50]...) // duplicates count once
		lines = append(lines, "Capital", "x", "it's", "toolongtobeaword-at-all", "")
		if i < 2 {
			lines = append(lines, shared...) // in lists 0 and 1: dropped from both
		} else {
			lines = append(lines, shared[0]) // and in list 2
		}
		r.Shuffle(len(lines), func(i, j int) { lines[i], lines[j] = lines[j], lines[i] })
		p := filepath.Join(dir, fmt.Sprintf("list%d", i))
		if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		lists = append(lists, List{Language: fmt.Sprintf("lang%d", i), Path: p})
	}
	return lists, shared
}

// Build drops shared words, balances the classes, splits by the word's
// hash alone, interleaves the languages and encodes every word.
func TestBuild(t *testing.T) {
	lists, shared := testLists(t)
	d, err := Build(Options{Lists: lists, Steps: 8, Train: 200, Test: 30})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(d.Languages, []string{"lang0", "lang1", "lang2"}) {
		t.Errorf("languages %v", d.Languages)
	}
	for i, s := range d.Stats {
		wantAmb := 3
		if i == 2 {
			wantAmb = 1
		}
		if s.Kept != 600+len(shared)-2*(i/2) || s.Ambiguous != wantAmb || s.TrainPool+s.TestPool != 600 || s.Lines != 600+50+5+len(shared)-2*(i/2) {
			t.Errorf("stats %+v: want 600 own words, %d shared dropped", s, wantAmb)
		}
	}
	inTrain := map[string]bool{}
	for name, sp := range map[string]Split{"train": d.Train, "test": d.Test} {
		n := 200
		if name == "test" {
			n = 30
		}
		if len(sp.Y) != 3*n || len(sp.Words) != 3*n || len(sp.X) != 3*n*8 {
			t.Fatalf("%s: %d labels, %d words, %d ids; want %d samples of 8", name, len(sp.Y), len(sp.Words), len(sp.X), 3*n)
		}
		perLang := make([]int, 3)
		for i, w := range sp.Words {
			if sp.Y[i] != int64(i%3) {
				t.Fatalf("%s sample %d has label %d: the languages are not interleaved", name, i, sp.Y[i])
			}
			perLang[sp.Y[i]]++
			if slices.Contains(shared, w) || !Keep(w, 8) {
				t.Errorf("%s holds %q", name, w)
			}
			if !strings.ContainsRune([]string{"abcdef", "ghijkl", "mnoéßç"}[sp.Y[i]], []rune(w)[0]) {
				t.Errorf("%s: %q labelled %d", name, w, sp.Y[i])
			}
			if !slices.Equal(sp.X[i*8:(i+1)*8], Encode(w, 8)) {
				t.Errorf("%s sample %d: ids %v, want Encode(%q)", name, i, sp.X[i*8:(i+1)*8], w)
			}
			if InTest(w) != (name == "test") {
				t.Errorf("%q is in %s, its hash says otherwise", w, name)
			}
			if name == "train" {
				inTrain[w] = true
			}
		}
		if !slices.Equal(perLang, []int{n, n, n}) {
			t.Errorf("%s: %v samples per language, want %d each", name, perLang, n)
		}
	}
	for _, w := range d.Test.Words {
		if inTrain[w] {
			t.Errorf("%q is in both splits", w)
		}
	}

	// Deterministic, and asking for fewer samples keeps a prefix of each
	// language's words: no word moves between the splits.
	again, err := Build(Options{Lists: lists, Steps: 8, Train: 200, Test: 30})
	if err != nil || !slices.Equal(again.Train.X, d.Train.X) || !slices.Equal(again.Test.Words, d.Test.Words) {
		t.Errorf("a second build differs (%v)", err)
	}
	small, err := Build(Options{Lists: lists, Steps: 8, Train: 50, Test: 10})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(small.Train.Words, d.Train.Words[:150]) || !slices.Equal(small.Test.Words, d.Test.Words[:30]) {
		t.Error("a smaller build is not a prefix of the larger one")
	}
}

func TestBuildErrors(t *testing.T) {
	lists, _ := testLists(t)
	for _, c := range []struct {
		o    Options
		want string
	}{
		{Options{Lists: lists, Steps: 8, Train: 590, Test: 10}, "lang0 word list " + lists[0].Path + ": "},
		{Options{Lists: lists, Steps: 8, Train: 10, Test: 500}, "fewer than the 10 and 500 asked for"},
		{Options{Lists: []List{lists[0], {"lang9", lists[1].Path + ".missing"}}, Steps: 8, Train: 1, Test: 1}, "lang9 word list: open " + lists[1].Path + ".missing"},
		{Options{Lists: []List{lists[0], {"lang0", lists[1].Path}}}, `language "lang0" is empty or given twice`},
		{Options{Lists: lists[:1]}, "at least 2"},
		{Options{Lists: lists, Steps: 1}, "steps must be at least 2"},
		{Options{Lists: lists, Train: -1}, "must not be negative"},
	} {
		_, err := Build(c.o)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%+v: got %v, want one line with %q", c.o, err, c.want)
		}
	}
}
