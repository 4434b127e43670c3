package ir

// Elementwise math, comparison, logic and bitwise ops. Binary and variadic
// ops use numpy broadcasting (the opset 7+ rule; older forms are rewritten
// by the importer).

func init() {
	// since and version are OpDef.Since and OpDef.Version.
	unary := func(name string, since, version int, doc string) *OpDef {
		return &OpDef{Name: name, Since: since, Version: version, MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
			Infer: InferSameAs(0), Doc: doc}
	}
	binary := func(name string, since, version int, doc string) *OpDef {
		return &OpDef{Name: name, Since: since, Version: version, MinInputs: 2, MaxInputs: 2, MinOutputs: 1, MaxOutputs: 1,
			Infer: InferBroadcast(Undefined), Doc: doc}
	}
	// predicate is a binary op with a bool result: no gradient flows.
	predicate := func(name string, since, version int, doc string) *OpDef {
		return &OpDef{Name: name, Since: since, Version: version, MinInputs: 2, MaxInputs: 2, MinOutputs: 1, MaxOutputs: 1,
			Infer: InferBroadcast(Bool), Doc: doc, NotDifferentiable: true}
	}
	variadic := func(name string, version int, doc string) *OpDef {
		return &OpDef{Name: name, Since: 1, Version: version, MinInputs: 1, MaxInputs: -1, MinOutputs: 1, MaxOutputs: 1,
			Infer: InferBroadcast(Undefined), Doc: doc}
	}
	notDiff := func(d *OpDef) *OpDef { d.NotDifferentiable = true; return d }

	Register(
		// Unary math on floats (Abs, Neg and Sign also on integers).
		withGrad(unary("Abs", 1, 6, "Y = |X|"), gradAbs),
		withGrad(unary("Neg", 1, 6, "Y = -X"), gradNeg),
		notDiff(unary("Sign", 9, 9, "Y = -1, 0 or 1 by the sign of X (NaN stays NaN)")),
		notDiff(unary("Ceil", 1, 6, "Y = smallest integer >= X")),
		notDiff(unary("Floor", 1, 6, "Y = largest integer <= X")),
		notDiff(unary("Round", 11, 11, "Y = X rounded to the nearest integer, halves to even")),
		withGrad(unary("Reciprocal", 1, 6, "Y = 1 / X"), gradReciprocal),
		withGrad(unary("Sqrt", 1, 6, "Y = sqrt(X)"), gradSqrt),
		withGrad(unary("Exp", 1, 6, "Y = e^X"), gradExp),
		withGrad(unary("Log", 1, 6, "Y = ln(X)"), gradLog),
		withGrad(unary("Erf", 9, 9, "Y = erf(X), the Gauss error function"), gradErf),
		withGrad(unary("Sin", 7, 7, "Y = sin(X)"), gradSin),
		withGrad(unary("Cos", 7, 7, "Y = cos(X)"), gradCos),
		unary("Tan", 7, 7, "Y = tan(X)"),
		unary("Asin", 7, 7, "Y = arcsin(X)"),
		unary("Acos", 7, 7, "Y = arccos(X)"),
		unary("Atan", 7, 7, "Y = arctan(X)"),
		unary("Sinh", 9, 9, "Y = sinh(X)"),
		unary("Cosh", 9, 9, "Y = cosh(X)"),
		withGrad(unary("Tanh", 1, 6, "Y = tanh(X)"), gradTanh),
		unary("Asinh", 9, 9, "Y = arcsinh(X)"),
		unary("Acosh", 9, 9, "Y = arccosh(X)"),
		unary("Atanh", 9, 9, "Y = arctanh(X)"),
		&OpDef{Name: "IsNaN", Since: 9, Version: 9, MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
			Infer: inferMapTo(Bool), Doc: "Y = whether X is NaN", NotDifferentiable: true},
		&OpDef{Name: "IsInf", Since: 10, Version: 10, MinInputs: 1, MaxInputs: 1, MinOutputs: 1, MaxOutputs: 1,
			Attrs:             []AttrDef{OptInt("detect_negative", 1), OptInt("detect_positive", 1)},
			Infer:             inferMapTo(Bool),
			Doc:               "Y = whether X is an infinity of a detected sign",
			NotDifferentiable: true},

		// Binary arithmetic. The output has the dtype of input 0.
		withGrad(binary("Add", 1, 7, "C = A + B"), gradAdd),
		withGrad(binary("Sub", 1, 7, "C = A - B"), gradSub),
		withGrad(binary("Mul", 1, 7, "C = A * B"), gradMul),
		withGrad(binary("Div", 1, 7, "C = A / B (integers truncate toward zero)"), gradDiv),
		withGrad(binary("Pow", 1, 7, "Z = X ^ Y in X's dtype (Y may have another numeric dtype)"), gradPow),
		withAttrs(binary("Mod", 10, 10, "C = A mod B: sign of B (fmod=0, integers) or of A (fmod=1, C fmod)"),
			OptInt("fmod", 0)),
		notDiff(withAttrs(binary("BitShift", 11, 11, "Z = X << Y or X >> Y on unsigned integers"),
			ReqAttr("direction", AttrString))),

		// Comparisons and logic: bool results.
		predicate("Equal", 1, 7, "C = (A == B)"),
		predicate("Greater", 1, 7, "C = (A > B)"),
		predicate("GreaterOrEqual", 12, 12, "C = (A >= B)"),
		predicate("Less", 1, 7, "C = (A < B)"),
		predicate("LessOrEqual", 12, 12, "C = (A <= B)"),
		predicate("And", 1, 7, "C = A and B on bools"),
		predicate("Or", 1, 7, "C = A or B on bools"),
		predicate("Xor", 1, 7, "C = A xor B on bools"),
		notDiff(unary("Not", 1, 1, "Y = not X on bools")),

		// Bitwise ops on integers.
		notDiff(binary("BitwiseAnd", 18, 18, "C = A & B on integers")),
		notDiff(binary("BitwiseOr", 18, 18, "C = A | B on integers")),
		notDiff(binary("BitwiseXor", 18, 18, "C = A ^ B on integers")),
		notDiff(unary("BitwiseNot", 18, 18, "Y = ^X on integers")),

		// Variadic folds over broadcast inputs.
		withGrad(variadic("Sum", 8, "Y = X0 + X1 + ..."), gradSum),
		withGrad(variadic("Max", 8, "Y = elementwise max of all inputs (NaN propagates)"), gradMaxMin),
		withGrad(variadic("Min", 8, "Y = elementwise min of all inputs (NaN propagates)"), gradMaxMin),
		withGrad(variadic("Mean", 8, "Y = (X0 + X1 + ...) / count"), gradSum),

		withGrad(&OpDef{Name: "Where", Since: 9, Version: 9, MinInputs: 3, MaxInputs: 3, MinOutputs: 1, MaxOutputs: 1,
			Infer: inferWhere, Doc: "Y = Condition ? X : Y, broadcast"}, gradWhere),
	)
}

// withAttrs sets the attribute schema of d and returns it.
func withAttrs(d *OpDef, attrs ...AttrDef) *OpDef {
	d.Attrs = attrs
	return d
}

// inferMapTo returns an Infer for unary ops whose output keeps input 0's
// shape but has dtype dt.
func inferMapTo(dt DType) func(*Node) error {
	return func(n *Node) error {
		n.SetOut(0, TensorType(dt, n.InType(0).Shape))
		return nil
	}
}

// inferWhere broadcasts all three inputs and takes the dtype of X (input 1);
// input 0 is the bool condition.
func inferWhere(n *Node) error {
	s, err := BroadcastShapes(n.InType(0).Shape, n.InType(1).Shape, n.InType(2).Shape)
	if err != nil {
		return err
	}
	dt := n.InType(1).DType
	if dt == Undefined {
		dt = n.InType(2).DType
	}
	n.SetOut(0, TensorType(dt, s))
	return nil
}
