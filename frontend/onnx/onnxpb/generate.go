// Package onnxpb holds the Go types of the ONNX protobuf schema (onnx.proto
// beside this file). Only frontend/onnx uses them: ONNX types never leave it.
package onnxpb

//go:generate protoc --go_out=. --go_opt=paths=source_relative onnx.proto
