package ir

import "fmt"

// Verify checks the structural invariants of a graph and its subgraphs:
// every node is valid for its declaration, every input is defined before
// use in this graph or an enclosing one, no value is defined twice, and
// every graph output is defined. Passes run it between steps in tests.
func Verify(g *Graph) error {
	return verifyScope(g, map[*Value]bool{})
}

func verifyScope(g *Graph, outer map[*Value]bool) error {
	defined := make(map[*Value]bool, len(outer)+len(g.Nodes))
	for v := range outer {
		defined[v] = true
	}
	names := map[string]bool{}
	define := func(v *Value, what string) error {
		if defined[v] && !outer[v] {
			return fmt.Errorf("graph %q: value %q defined twice (%s)", g.Name, v.Name, what)
		}
		if names[v.Name] {
			return fmt.Errorf("graph %q: name %q used by two values (%s)", g.Name, v.Name, what)
		}
		names[v.Name] = true
		defined[v] = true
		return nil
	}
	for _, v := range g.Inputs {
		if err := define(v, "graph input"); err != nil {
			return err
		}
	}
	for _, v := range g.Inits {
		if v.Init == nil {
			return fmt.Errorf("graph %q: initializer %q has no data", g.Name, v.Name)
		}
		if defined[v] && !outer[v] {
			continue // an input with a default
		}
		if err := define(v, "initializer"); err != nil {
			return err
		}
	}
	for _, n := range g.Nodes {
		if n.Def == nil {
			return fmt.Errorf("graph %q: %s has no op declaration", g.Name, n)
		}
		if err := CheckNode(n); err != nil {
			return fmt.Errorf("graph %q: %s: %w", g.Name, n, err)
		}
		if err := CheckTypes(n); err != nil {
			return fmt.Errorf("graph %q: %s: %w", g.Name, n, err)
		}
		for i, v := range n.Inputs {
			if v != nil && !defined[v] {
				return fmt.Errorf("graph %q: %s input %d (%q) is used before it is defined", g.Name, n, i, v.Name)
			}
		}
		for _, sg := range n.Subgraphs() {
			if sg.Parent != g {
				return fmt.Errorf("graph %q: %s holds subgraph %q with the wrong parent", g.Name, n, sg.Name)
			}
			if err := verifyScope(sg, defined); err != nil {
				return fmt.Errorf("%s: %w", n, err)
			}
		}
		for i, v := range n.Outputs {
			if v == nil {
				continue
			}
			if v.Producer != n || v.Slot != i {
				return fmt.Errorf("graph %q: %s output %d (%q) has a wrong producer link", g.Name, n, i, v.Name)
			}
			if err := define(v, n.String()); err != nil {
				return err
			}
		}
	}
	for i, v := range g.Outputs {
		if v == nil || !defined[v] {
			return fmt.Errorf("graph %q: output %d is not defined", g.Name, i)
		}
	}
	return nil
}
