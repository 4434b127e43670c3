// Command genwords writes the word-language dataset (package
// internal/words) that examples/train/words-*.yaml train on:
//
//	go run ./internal/cmd/genwords -out .cache/words   # make words
//
// It needs Debian's word lists (apt-get install wamerican wngerman
// wfrench wspanish witalian wportuguese wdutch); each list's path is a
// flag. It prints what each list gave.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/dlc-go/dlc/internal/words"
)

func main() {
	out := flag.String("out", ".cache/words", "output folder")
	steps := flag.Int("steps", 16, "token ids per word: the longest word kept, in bytes")
	trainN := flag.Int("train", 20000, "training words per language")
	testN := flag.Int("test", 2000, "test words per language")
	lists := make([]words.List, len(words.DefaultLists))
	paths := make([]*string, len(lists))
	for i, l := range words.DefaultLists {
		lists[i] = l
		paths[i] = flag.String(l.Language, l.Path, "the "+l.Language+" word list")
	}
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "genwords: unexpected argument %q\n", flag.Arg(0))
		os.Exit(2)
	}
	for i := range lists {
		lists[i].Path = *paths[i]
	}
	if *steps < 2 || *trainN < 1 || *testN < 1 {
		fmt.Fprintln(os.Stderr, "genwords: -steps must be at least 2, -train and -test at least 1")
		os.Exit(2)
	}
	d, err := words.Build(words.Options{Lists: lists, Steps: *steps, Train: *trainN, Test: *testN})
	if err == nil {
		err = d.Write(*out)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "genwords:", err)
		os.Exit(1)
	}
	for _, s := range d.Stats {
		fmt.Printf("%-10s %7d lines, %7d words kept, %6d ambiguous dropped; pools %6d train, %5d test\n",
			s.Language, s.Lines, s.Kept, s.Ambiguous, s.TrainPool, s.TestPool)
	}
	fmt.Printf("%s: %d training and %d test words of %d languages, %d token ids each\n",
		*out, len(d.Train.Y), len(d.Test.Y), len(d.Languages), d.Steps)
}
