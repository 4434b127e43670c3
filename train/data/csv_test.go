package data

import (
	"slices"
	"testing"
)

func TestLoadCSV(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name, text string
		opt        CSVOptions
	}{
		{"auto-header.csv", "a,b,label\n1,2,0\n# comment\n3.5,-4,2\n5,6e1,1\n", CSVOptions{LabelColumn: -1}},
		{"no-header.csv", "0,1,2\n2,3.5,-4\n1,5,6e1\n", CSVOptions{Header: HeaderNo}},
		{"by-name.csv", "a,label,b\n1,0,2\n3.5,2,-4\n5,1,6e1\n", CSVOptions{LabelName: "label"}},
		{"semicolon.csv", "1;2;0\n3.5;-4;2\n5;60;1\n", CSVOptions{LabelColumn: 2, Comma: ';'}},
	}
	for _, c := range cases {
		m, err := LoadCSV(writeTemp(t, dir, c.name, []byte(c.text)), c.opt)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		x, y, _ := fillAll(m)
		if !slices.Equal(m.SampleShape(), []int{2}) || m.Labels().NumClasses != 3 {
			t.Errorf("%s: shape %v labels %+v", c.name, m.SampleShape(), m.Labels())
		}
		if !slices.Equal(x, []float32{1, 2, 3.5, -4, 5, 60}) || !slices.Equal(y, []int64{0, 2, 1}) {
			t.Errorf("%s: x %v y %v", c.name, x, y)
		}
	}

	// Regression, gzip-compressed, header forced.
	p := writeTemp(t, dir, "reg.csv.gz", gzipBytes(t, []byte("1,2,3\n0.5,1,-2.25\n")))
	m, err := LoadCSV(p, CSVOptions{Header: HeaderYes, LabelColumn: 0, Regression: true})
	if err != nil {
		t.Fatal(err)
	}
	x, _, tg := fillAll(m)
	if m.Len() != 1 || !m.Labels().Regression || m.Labels().Size() != 1 || !slices.Equal(x, []float32{1, -2.25}) || !slices.Equal(tg, []float32{0.5}) {
		t.Fatalf("regression: len %d labels %+v x %v targets %v", m.Len(), m.Labels(), x, tg)
	}
}

func TestCSVErrors(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		text  string
		opt   CSVOptions
		frags []string
	}{
		{"a,b,c\n1,2,0\n3,x,1\n", CSVOptions{LabelColumn: 2}, []string{":3: column 2 (\"b\"): \"x\" is not a finite number"}},
		{"1,2,0\n3,4,NaN\n", CSVOptions{LabelColumn: 2}, []string{":2: column 3: \"NaN\" is not a finite number"}},
		{"1,2,0\n3,4\n", CSVOptions{}, []string{":2: 2 columns, expected 3"}},
		{"1,2,0\n3,4,1.5\n", CSVOptions{LabelColumn: -1}, []string{":2: column 3: class label \"1.5\" is not a non-negative integer"}},
		{"1,2,0\n3,4,-1\n", CSVOptions{LabelColumn: -1}, []string{":2: column 3", "not a non-negative integer"}},
		{"1,2,0\n3,4,3\n", CSVOptions{LabelColumn: -1, NumClasses: 3}, []string{":2: column 3", "outside [0, 3)"}},
		{"1,2,0\n", CSVOptions{LabelColumn: 5}, []string{":1: label column 5 is outside the 3 columns"}},
		{"a,b\n1,2\n", CSVOptions{LabelName: "y"}, []string{":1: no column named \"y\""}},
		{"1,2\n", CSVOptions{LabelName: "y"}, []string{"no header row"}},
		{"a,b\n", CSVOptions{}, []string{"no data rows"}},
		{"1\n", CSVOptions{}, []string{":1: 1 column(s)"}},
		{"1,\"2\n", CSVOptions{}, []string{":1: column"}},
	}
	for i, c := range cases {
		p := writeTemp(t, dir, "bad.csv", []byte(c.text))
		_, err := LoadCSV(p, c.opt)
		if err == nil {
			t.Errorf("case %d: no error", i)
			continue
		}
		wantErr(t, err, append([]string{p}, c.frags...)...)
	}
	_, err := LoadCSV(dir+"/none.csv", CSVOptions{})
	wantErr(t, err, dir+"/none.csv", "does not exist")
}
