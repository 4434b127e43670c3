package spec

import (
	"errors"
	"reflect"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Set overrides the field at a YAML path (optimizer.lr, data.train.images)
// with value, checked like the same value in a spec file: a number field
// wants a number, a list field takes `[1,2]` or `1,2`, a string field
// takes value verbatim. Paths set here are not resolved against the spec
// folder: they are relative to the current directory, where the command
// was typed. Setting name also moves the default out folder. Call
// [Spec.Validate] after the last Set.
func (s *Spec) Set(path, value string) error {
	v := reflect.ValueOf(s).Elem()
	var done []string
	for _, key := range strings.Split(path, ".") {
		if v.Kind() == reflect.Pointer {
			if v.IsNil() {
				v.Set(reflect.New(v.Type().Elem()))
			}
			v = v.Elem()
		}
		prefix := join(strings.Join(done, "."), key)
		if v.Kind() != reflect.Struct || v.Type() == reflect.TypeFor[Stats]() {
			return &Error{Path: prefix, Text: prefix + ": unknown field (" + strings.Join(done, ".") + " has no fields)"}
		}
		f, ok := field(v, key)
		if !ok {
			return &Error{Path: prefix, Text: prefix + ": unknown field" + suggest(key, keys(v.Type()))}
		}
		v, done = f, append(done, key)
	}
	if v.Kind() == reflect.String {
		v.SetString(value)
	} else if err := setYAML(v, path, value); err != nil {
		return err
	}
	if s.lines == nil {
		s.lines = map[string]int{}
	}
	s.lines[path] = 0
	if path == "name" {
		s.defaultOut()
	}
	return nil
}

// setYAML decodes value, written as YAML, into v.
func setYAML(v reflect.Value, path, value string) error {
	t := strings.TrimSpace(value)
	list := v.Kind() == reflect.Slice || (v.Type() == reflect.TypeFor[Stats]() && strings.Contains(t, ","))
	if list && !strings.HasPrefix(t, "[") {
		t = "[" + t + "]"
	}
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(t), &doc); err != nil {
		return &Error{Path: path, Text: path + ": cannot read " + strconv.Quote(value) + " as YAML"}
	}
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null"}
	if len(doc.Content) > 0 {
		n = doc.Content[0]
	}
	d := decoder{}
	d.value(v, n, path)
	return errors.Join(d.errs...)
}
