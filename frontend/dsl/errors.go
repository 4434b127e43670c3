package dsl

import (
	"errors"
	"fmt"
)

// LayerError is a fault in a model definition found while its graph is
// built: a shape that does not fit, a bad setting, a name used twice.
// Layer is the layer at fault ("" for faults outside any layer).
type LayerError struct {
	Layer string
	Err   error
}

func (e *LayerError) Error() string {
	if e.Layer == "" {
		return e.Err.Error()
	}
	return fmt.Sprintf("layer %q: %v", e.Layer, e.Err)
}

func (e *LayerError) Unwrap() error { return e.Err }

// fail panics with a *LayerError for layer; Build boundaries recover it.
func fail(layer string, format string, args ...any) {
	panic(&LayerError{Layer: layer, Err: fmt.Errorf(format, args...)})
}

// catch turns a *LayerError panic into *err; other panics are bugs and go
// on unwinding.
func catch(err *error) {
	if r := recover(); r != nil {
		var le *LayerError
		if e, ok := r.(error); ok && errors.As(e, &le) {
			*err = le
			return
		}
		panic(r)
	}
}
