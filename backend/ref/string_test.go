package ref

import (
	"slices"
	"testing"

	"github.com/dlc-go/dlc/ir"
)

func stStrings(t *testing.T, what string, d ir.Data, shape []int, want ...string) {
	t.Helper()
	x := d.(*ir.Tensor)
	got := x.Data.([]string)
	if !slices.Equal(x.Shape, shape) || len(got) != len(want) {
		t.Fatalf("%s: got %v %q, want %v %q", what, x.Shape, got, shape, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("%s: got %q, want %q", what, got, want)
		}
	}
}

func stStr(shape []int, v ...string) *ir.Tensor { return ir.FromSlice(shape, v) }

func TestStringNormalizer(t *testing.T) {
	// Case changes use simple case mapping: ß stays ß in upper case.
	x := stStr([]int{1, 4}, "Monday", "tuesday", "MONDAY", "Straße")
	attrs := map[string]*ir.Attr{"stopwords": ir.StringsAttr("monday"), "case_change_action": ir.StringAttr("UPPER")}
	stStrings(t, "insensitive", sqMust(t, "StringNormalizer", attrs, x), []int{1, 2}, "TUESDAY", "STRAßE")
	attrs["is_case_sensitive"] = ir.IntAttr(1)
	attrs["case_change_action"] = ir.StringAttr("LOWER")
	// Case-sensitive: no input is exactly "monday", so all stay.
	stStrings(t, "sensitive", sqMust(t, "StringNormalizer", attrs, x), []int{1, 4}, "monday", "tuesday", "monday", "straße")
	stStrings(t, "sensitive match", sqMust(t, "StringNormalizer", attrs, stStr([]int{2}, "monday", "Monday")), []int{1}, "monday")
	stStrings(t, "all removed 1-D", sqMust(t, "StringNormalizer", attrs, stStr([]int{2}, "monday", "monday")), []int{1}, "")
	stStrings(t, "all removed 2-D", sqMust(t, "StringNormalizer", attrs, stStr([]int{1, 1}, "monday")), []int{1, 1}, "")
	_, err := sqRun(t, "StringNormalizer", nil, 1, stStr([]int{2, 1}, "a", "b"))
	cfErr(t, "[2,1] input", err, "want [C] or [1,C]")
	_, err = sqRun(t, "StringNormalizer", map[string]*ir.Attr{"case_change_action": ir.StringAttr("TITLE")}, 1, stStr([]int{1}, "a"))
	cfErr(t, "bad action", err, "case_change_action")
}

func TestTfIdfVectorizer(t *testing.T) {
	attrs := func(mode string) map[string]*ir.Attr {
		return map[string]*ir.Attr{
			"min_gram_length": ir.IntAttr(1), "max_gram_length": ir.IntAttr(2), "max_skip_count": ir.IntAttr(1),
			"mode": ir.StringAttr(mode), "ngram_counts": ir.IntsAttr(0, 2), "ngram_indexes": ir.IntsAttr(0, 1, 2, 3, 4),
			// unigrams 1, 3; bigrams (1,2), (2,3), (1,3)
			"pool_int64s": ir.IntsAttr(1, 3, 1, 2, 2, 3, 1, 3), "weights": ir.FloatsAttr(1, 1, 0.5, 1, 2)}
	}
	x := ir.FromSlice([]int{5}, []int64{1, 2, 1, 2, 3})
	// Unigrams count once; (1,3) is found only with one skipped token.
	cfTensor(t, "TF", sqMust(t, "TfIdfVectorizer", attrs("TF"), x), []int{5}, 2, 1, 2, 1, 1)
	cfTensor(t, "TFIDF", sqMust(t, "TfIdfVectorizer", attrs("TFIDF"), x), []int{5}, 2, 1, 1, 1, 2)
	cfTensor(t, "IDF", sqMust(t, "TfIdfVectorizer", attrs("IDF"), x), []int{5}, 1, 1, 0.5, 1, 2)
	batch := ir.FromSlice([]int{2, 2}, []int32{3, 3, 2, 3})
	cfTensor(t, "batch", sqMust(t, "TfIdfVectorizer", attrs("TF"), batch), []int{2, 5}, 0, 2, 0, 0, 0, 0, 1, 0, 1, 0)

	s := attrs("TF")
	delete(s, "pool_int64s")
	s["pool_strings"] = ir.StringsAttr("a", "c", "a", "b", "b", "c", "a", "c")
	cfTensor(t, "strings", sqMust(t, "TfIdfVectorizer", s, stStr([]int{3}, "a", "b", "c")), []int{5}, 1, 1, 1, 1, 1)

	bad := attrs("TF")
	bad["ngram_counts"] = ir.IntsAttr(0, 3)
	_, err := sqRun(t, "TfIdfVectorizer", bad, 1, x)
	cfErr(t, "bad ngram_counts", err, "ngram_counts")
	_, err = sqRun(t, "TfIdfVectorizer", attrs("BM25"), 1, x)
	cfErr(t, "bad mode", err, "mode")
}

func TestStringConcatSplitRegex(t *testing.T) {
	cat := sqMust(t, "StringConcat", nil, stStr([]int{2, 1}, "a", "b"), stStr([]int{2}, "x", "y"))
	stStrings(t, "concat", cat, []int{2, 2}, "ax", "ay", "bx", "by")

	x := stStr([]int{3}, "a  b c", " x ", "")
	res, err := sqRun(t, "StringSplit", nil, 2, x)
	if err != nil {
		t.Fatal(err)
	}
	stStrings(t, "whitespace", res[0], []int{3, 3}, "a", "b", "c", "x", "", "", "", "", "")
	cfTensor(t, "counts", res[1], []int{3}, 3, 1, 0)
	res, err = sqRun(t, "StringSplit", map[string]*ir.Attr{"maxsplit": ir.IntAttr(1)}, 2, x)
	if err != nil {
		t.Fatal(err)
	}
	stStrings(t, "maxsplit", res[0], []int{3, 2}, "a", "b c", "x", "", "", "")
	res, err = sqRun(t, "StringSplit", map[string]*ir.Attr{"delimiter": ir.StringAttr(",")}, 2, stStr([]int{1}, "a,,b"))
	if err != nil {
		t.Fatal(err)
	}
	stStrings(t, "delimiter", res[0], []int{1, 3}, "a", "", "b")

	m := sqMust(t, "RegexFullMatch", map[string]*ir.Attr{"pattern": ir.StringAttr(`[a-z]+\d`)}, stStr([]int{3}, "abc1", "abc12", "xabc1!"))
	cfTensor(t, "regex", m, []int{3}, 1, 0, 0)
	_, err = sqRun(t, "RegexFullMatch", map[string]*ir.Attr{"pattern": ir.StringAttr(`(`)}, 1, stStr([]int{1}, "a"))
	cfErr(t, "bad pattern", err, "pattern")
}
