package spec

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Load reads and parses the spec file at path; see [Parse].
func Load(path string) (*Spec, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(data, path)
}

// Parse decodes a spec onto [Default]. file names the spec in errors; it
// also gives the default name (its base name without extension) and the
// folder that relative data paths and model.onnx resolve against. Every
// unknown key, wrong type and YAML syntax error is reported with its line
// and field path (all of them, joined). Parse checks types only: call
// [Spec.Validate] once overrides are applied.
func Parse(data []byte, file string) (*Spec, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, syntaxError(file, err)
	}
	s := Default()
	s.file = file
	if len(doc.Content) > 0 {
		d := decoder{file: file, lines: s.lines}
		d.value(reflect.ValueOf(s).Elem(), doc.Content[0], "")
		if err := errors.Join(d.errs...); err != nil {
			return nil, err
		}
	}
	if s.Name == "" {
		base := filepath.Base(file)
		s.Name = strings.TrimSuffix(base, filepath.Ext(base))
	}
	s.defaultOut()
	s.resolve(filepath.Dir(file))
	return s, nil
}

// defaultOut sets Out to runs/<name> unless out was given.
func (s *Spec) defaultOut() {
	if _, given := s.lines["out"]; !given {
		s.Out = filepath.Join("runs", s.Name)
	}
}

// resolve makes the spec's relative input paths relative to dir.
func (s *Spec) resolve(dir string) {
	for _, p := range []*string{
		&s.Model.ONNX, &s.Model.InitFrom,
		&s.Data.Train.Images, &s.Data.Train.Labels, &s.Data.Train.File,
		&s.Data.Test.Images, &s.Data.Test.Labels, &s.Data.Test.File,
	} {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
	}
}

// nodeDecoder is implemented by types that decode a YAML node themselves;
// decodeNode returns "" or what is wrong.
type nodeDecoder interface {
	decodeNode(n *yaml.Node) string
}

// decoder walks a YAML node tree against a Go value, collecting errors
// and the line of every field it sets.
type decoder struct {
	file  string
	lines map[string]int // nil: do not record
	errs  []error
}

// fail records a type error at node n for the field at path.
func (d *decoder) fail(n *yaml.Node, path, msg string) {
	e := &Error{File: d.file, Path: path, Text: msg}
	if path != "" {
		e.Text = path + ": " + msg
	}
	if d.file != "" {
		e.Line = n.Line
	}
	d.errs = append(d.errs, e)
}

// value decodes n into v, the field at path.
func (d *decoder) value(v reflect.Value, n *yaml.Node, path string) {
	n = resolveAlias(n)
	if nd, ok := v.Addr().Interface().(nodeDecoder); ok {
		if msg := nd.decodeNode(n); msg != "" {
			d.fail(n, path, msg)
		}
		return
	}
	null := n.Kind == yaml.ScalarNode && n.Tag == "!!null"
	switch v.Kind() {
	case reflect.Pointer:
		if null {
			v.SetZero()
			return
		}
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		d.value(v.Elem(), n, path)
	case reflect.Struct:
		if null {
			v.SetZero()
			return
		}
		if n.Kind != yaml.MappingNode {
			d.fail(n, path, "want a mapping, got "+describe(n))
			return
		}
		d.fields(v, n, path)
	case reflect.Slice:
		if null {
			v.SetZero()
			return
		}
		if n.Kind != yaml.SequenceNode {
			d.fail(n, path, "want a list, got "+describe(n))
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, c := range n.Content {
			d.value(s.Index(i), c, path+"["+strconv.Itoa(i)+"]")
		}
		v.Set(s)
	default:
		d.scalar(v, n, path)
	}
}

// fields decodes mapping n into struct v, whose fields are keyed by their
// yaml tags.
func (d *decoder) fields(v reflect.Value, n *yaml.Node, path string) {
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		sub := join(path, k.Value)
		f, ok := field(v, k.Value)
		switch {
		case k.Kind != yaml.ScalarNode:
			d.fail(k, path, "want a field name, got "+describe(k))
		case !ok:
			d.fail(k, sub, "unknown field"+suggest(k.Value, keys(v.Type())))
		case seen[k.Value]:
			d.fail(k, sub, "given twice")
		default:
			seen[k.Value] = true
			if d.lines != nil {
				d.lines[sub] = val.Line
			}
			d.value(f, val, sub)
		}
	}
}

// scalar decodes scalar n into a string, bool, integer or float v.
func (d *decoder) scalar(v reflect.Value, n *yaml.Node, path string) {
	if n.Kind != yaml.ScalarNode {
		d.fail(n, path, "want "+kindWord(v.Kind())+", got "+describe(n))
		return
	}
	null := n.Tag == "!!null"
	switch v.Kind() {
	case reflect.String:
		if null {
			v.SetString("")
		} else {
			v.SetString(n.Value)
		}
		return
	case reflect.Bool:
		if b, err := strconv.ParseBool(n.Value); err == nil && n.Tag == "!!bool" {
			v.SetBool(b)
			return
		}
	case reflect.Int, reflect.Int64:
		if i, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 64); err == nil && n.Tag == "!!int" {
			v.SetInt(i)
			return
		}
	case reflect.Float64:
		if f, ok := number(n); ok {
			v.SetFloat(f)
			return
		}
	}
	d.fail(n, path, "want "+kindWord(v.Kind())+", got "+describe(n))
}

// number returns the value of an integer or float scalar.
func number(n *yaml.Node) (float64, bool) {
	if n.Kind != yaml.ScalarNode || (n.Tag != "!!int" && n.Tag != "!!float") {
		return 0, false
	}
	s := strings.ReplaceAll(n.Value, "_", "")
	if n.Tag == "!!int" {
		i, err := strconv.ParseInt(s, 0, 64)
		return float64(i), err == nil
	}
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil
}

// kindWord names what a Go kind wants in a YAML file.
func kindWord(k reflect.Kind) string {
	switch k {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int64:
		return "an integer"
	case reflect.Float64:
		return "a number"
	}
	return "a " + k.String()
}

// describe shows a node in an error: a scalar's text (quoted when it is a
// string), or what kind of collection it is.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	}
	switch n.Tag {
	case "!!str":
		return strconv.Quote(n.Value)
	case "!!null":
		return "nothing"
	}
	return n.Value
}

// resolveAlias follows a YAML alias (*name) to the node it names.
func resolveAlias(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

// join appends key to a YAML path.
func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// field returns struct v's field whose yaml tag is key.
func field(v reflect.Value, key string) (reflect.Value, bool) {
	t := v.Type()
	for i := range t.NumField() {
		if tagName(t.Field(i)) == key {
			return v.Field(i), true
		}
	}
	return reflect.Value{}, false
}

// keys lists the yaml keys of struct type t.
func keys(t reflect.Type) []string {
	var ks []string
	for i := range t.NumField() {
		if k := tagName(t.Field(i)); k != "" {
			ks = append(ks, k)
		}
	}
	return ks
}

// tagName is the YAML key of a struct field, "" for untagged fields.
func tagName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if name == "-" {
		return ""
	}
	return name
}
