package words

import (
	"cmp"
	"fmt"
	"hash/fnv"
	"slices"
)

// testBuckets: a word whose hash is 0 modulo testBuckets is in the test
// pool.
const testBuckets = 8

// Options sizes the dataset. Zero fields take the defaults.
type Options struct {
	// Lists are the languages in label order; default DefaultLists.
	Lists []List
	// Steps is the sample length in bytes (token ids), also the longest
	// word kept; default 16.
	Steps int
	// Train and Test are the words per language of each split; defaults
	// 20,000 and 2,000.
	Train, Test int
}

// Split is one split's samples: X holds len(Y) rows of Steps token ids,
// Y the label (the language's index) of each, Words the word of each.
type Split struct {
	X     []int64
	Y     []int64
	Words []string
}

// Dataset is the training and test samples and what each list gave.
type Dataset struct {
	Languages   []string
	Steps       int
	Train, Test Split
	Stats       []Stats
}

// Vocab is the number of token ids: 0 (padding) and a byte's value + 1.
const Vocab = 257

// Encode returns the steps token ids of w: its bytes, each plus 1, after
// steps-len(w) padding ids 0. w must not be longer than steps.
func Encode(w string, steps int) []int64 {
	ids := make([]int64, steps)
	pad := steps - len(w)
	for i := range len(w) {
		ids[pad+i] = int64(w[i]) + 1
	}
	return ids
}

// Hash is the word's split hash, FNV-1a (64 bits) of its bytes.
func Hash(w string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(w))
	return h.Sum64()
}

// InTest reports whether w belongs to the test pool.
func InTest(w string) bool { return Hash(w)%testBuckets == 0 }

// Build reads the lists and returns the balanced dataset, or an error
// naming the list that is missing or has too few words.
func Build(o Options) (*Dataset, error) {
	if o.Lists == nil {
		o.Lists = DefaultLists
	}
	if o.Steps == 0 {
		o.Steps = 16
	}
	if o.Train == 0 {
		o.Train = 20000
	}
	if o.Test == 0 {
		o.Test = 2000
	}
	switch {
	case len(o.Lists) < 2:
		return nil, fmt.Errorf("words: %d word lists; a classifier needs at least 2", len(o.Lists))
	case o.Steps < 2:
		return nil, fmt.Errorf("words: steps must be at least 2, got %d", o.Steps)
	case o.Train < 0 || o.Test < 0:
		return nil, fmt.Errorf("words: train %d and test %d words per language must not be negative", o.Train, o.Test)
	}
	d := &Dataset{Steps: o.Steps}
	for _, l := range o.Lists {
		if l.Language == "" || slices.Contains(d.Languages, l.Language) {
			return nil, fmt.Errorf("words: list %s: language %q is empty or given twice", l.Path, l.Language)
		}
		d.Languages = append(d.Languages, l.Language)
	}
	words, stats, err := readAll(o.Lists, o.Steps)
	if err != nil {
		return nil, err
	}
	d.Stats = stats
	train := make([][]string, len(words))
	test := make([][]string, len(words))
	for i, ws := range words {
		tr, te := pools(ws)
		d.Stats[i].TrainPool, d.Stats[i].TestPool = len(tr), len(te)
		if len(tr) < o.Train || len(te) < o.Test {
			return nil, fmt.Errorf("%s word list %s: %d training and %d test words usable, fewer than the %d and %d asked for",
				o.Lists[i].Language, o.Lists[i].Path, len(tr), len(te), o.Train, o.Test)
		}
		train[i], test[i] = tr[:o.Train], te[:o.Test]
	}
	d.Train = interleave(train, o.Steps)
	d.Test = interleave(test, o.Steps)
	return d, nil
}

// pools splits one language's words by InTest, each pool in hash order
// (ties by the word).
func pools(ws []string) (train, test []string) {
	type hw struct {
		h uint64
		w string
	}
	all := make([]hw, len(ws))
	for i, w := range ws {
		all[i] = hw{Hash(w), w}
	}
	slices.SortFunc(all, func(a, b hw) int { return cmp.Or(cmp.Compare(a.h, b.h), cmp.Compare(a.w, b.w)) })
	for _, x := range all {
		if x.h%testBuckets == 0 {
			test = append(test, x.w)
		} else {
			train = append(train, x.w)
		}
	}
	return train, test
}

// interleave makes a split of per-language words of equal counts: word k
// of every language in label order, then word k+1.
func interleave(perLang [][]string, steps int) Split {
	n := len(perLang[0])
	s := Split{X: make([]int64, 0, n*len(perLang)*steps)}
	for k := range n {
		for label, ws := range perLang {
			s.X = append(s.X, Encode(ws[k], steps)...)
			s.Y = append(s.Y, int64(label))
			s.Words = append(s.Words, ws[k])
		}
	}
	return s
}
