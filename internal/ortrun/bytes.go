package ortrun

import (
	"encoding/binary"
	"math"

	"github.com/dlc-go/dlc/ir"
)

func float32frombytes(b []byte) float32 { return math.Float32frombits(binary.LittleEndian.Uint32(b)) }

// inputTypes are the input dtypes Run passes, by onnxruntime-node's name.
var inputTypes = map[ir.DType]string{ir.Float32: "float32", ir.Int64: "int64", ir.Int32: "int32"}
