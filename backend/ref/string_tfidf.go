package ref

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/dlc-go/dlc/ir"
)

func init() { Register("TfIdfVectorizer", tfIdfVectorizer) }

// tfidfPool is the n-gram pool of a TfIdfVectorizer node: for each gram
// length, a map from the gram's key to its ordinal in the pool.
type tfidfPool struct {
	byLen map[int]map[string]int
	count int // number of n-grams in the pool
}

// gramKey joins tokens with a separator that cannot occur in decimal
// integers and is unlikely in text; keys are only compared among grams of
// one length.
func gramKey(tokens []string) string { return strings.Join(tokens, "\x00") }

// newTfidfPool decodes the pool: ngram_counts[k] is where the (k+1)-grams
// start in pool_int64s or pool_strings; grams are numbered in pool order.
func newTfidfPool(n *ir.Node) (*tfidfPool, error) {
	var tokens []string
	if n.Has("pool_strings") {
		tokens = n.Strings("pool_strings")
	} else {
		for _, v := range n.Ints("pool_int64s") {
			tokens = append(tokens, strconv.FormatInt(v, 10))
		}
	}
	starts := n.Ints("ngram_counts")
	p := &tfidfPool{byLen: map[int]map[string]int{}}
	for k, start := range starts {
		end := int64(len(tokens))
		if k+1 < len(starts) {
			end = starts[k+1]
		}
		glen := k + 1
		if start < 0 || end > int64(len(tokens)) || start > end || (end-start)%int64(glen) != 0 {
			return nil, fmt.Errorf("ngram_counts %v do not divide a pool of %d tokens into %d-grams", starts, len(tokens), glen)
		}
		m := map[string]int{}
		for i := start; i < end; i += int64(glen) {
			m[gramKey(tokens[i:i+int64(glen)])] = p.count
			p.count++
		}
		p.byLen[glen] = m
	}
	return p, nil
}

// tfIdfVectorizer counts, for each row, the pool n-grams found in it. An
// n-gram of length L >= 2 with skip s takes tokens i, i+s+1, ...,
// i+(L-1)(s+1); every skip from 0 to max_skip_count counts. Unigrams are
// counted once, since skips do not change them.
func tfIdfVectorizer(_ Ctx, n *ir.Node, in []ir.Data) ([]ir.Data, error) {
	x := Tensor(in, 0)
	var toks []string
	switch d := x.Data.(type) {
	case []string:
		toks = d
	case []int32, []int64:
		toks = make([]string, x.Len())
		for i := range toks {
			toks[i] = strconv.FormatInt(x.Int64At(i), 10)
		}
	default:
		return nil, fmt.Errorf("input dtype %s: want string, int32 or int64", x.DType)
	}
	rows, cols := 1, 0
	switch x.Rank() {
	case 1:
		cols = x.Shape[0]
	case 2:
		rows, cols = x.Shape[0], x.Shape[1]
	default:
		return nil, fmt.Errorf("input shape %v: want [C] or [N,C]", x.Shape)
	}
	pool, err := newTfidfPool(n)
	if err != nil {
		return nil, err
	}
	indexes := n.Ints("ngram_indexes")
	if len(indexes) != pool.count {
		return nil, fmt.Errorf("ngram_indexes has %d entries, the pool has %d n-grams", len(indexes), pool.count)
	}
	width := 0
	for _, i := range indexes {
		if i < 0 {
			return nil, fmt.Errorf("ngram_indexes holds negative index %d", i)
		}
		width = max(width, int(i)+1)
	}
	weights := n.Floats("weights")
	if len(weights) > 0 && len(weights) != pool.count {
		return nil, fmt.Errorf("weights has %d entries, the pool has %d n-grams", len(weights), pool.count)
	}
	mode := n.Str("mode")
	if mode != "TF" && mode != "IDF" && mode != "TFIDF" {
		return nil, fmt.Errorf("mode %q: want TF, IDF or TFIDF", mode)
	}
	minLen, maxLen := int(n.Int("min_gram_length")), int(n.Int("max_gram_length"))
	maxSkip := int(n.Int("max_skip_count"))
	shape := []int{width}
	if x.Rank() == 2 {
		shape = []int{rows, width}
	}
	out := ir.Zeros(ir.Float32, shape)
	res := out.Data.([]float32)
	gram := make([]string, 0, maxLen)
	for r := 0; r < rows; r++ {
		row := toks[r*cols : (r+1)*cols]
		counts := make([]int, pool.count)
		for glen := max(minLen, 1); glen <= maxLen; glen++ {
			m := pool.byLen[glen]
			if len(m) == 0 {
				continue
			}
			skips := maxSkip
			if glen == 1 {
				skips = 0
			}
			for s := 0; s <= skips; s++ {
				step := s + 1
				for start := 0; start+(glen-1)*step < len(row); start++ {
					gram = gram[:0]
					for k := 0; k < glen; k++ {
						gram = append(gram, row[start+k*step])
					}
					if j, ok := m[gramKey(gram)]; ok {
						counts[j]++
					}
				}
			}
		}
		for j, c := range counts {
			w := float32(1)
			if len(weights) > 0 {
				w = weights[j]
			}
			var v float32
			switch mode {
			case "TF":
				v = float32(c)
			case "IDF":
				if c > 0 {
					v = w
				}
			case "TFIDF":
				v = float32(c) * w
			}
			res[r*width+int(indexes[j])] += v
		}
	}
	return Outs(out), nil
}
