// Command listops prints every registered op of dlc's default domain, one
// per line: registry key, the ONNX version whose form the IR uses, and the
// most inputs the op takes (-1: variadic). scripts/gen_type_constraints.py
// reads it to know which ONNX schemas to turn into type constraints.
//
//	go run ./internal/cmd/listops
package main

import (
	"fmt"

	"github.com/dlc-go/dlc/ir"
)

func main() {
	for _, d := range ir.Ops() {
		if d.Domain != ir.DefaultDomain {
			continue
		}
		v := d.Version
		if v == 0 {
			v = d.Since
		}
		fmt.Printf("%s %d %d\n", d.Key(), v, d.MaxInputs)
	}
}
