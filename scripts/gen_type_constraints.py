#!/usr/bin/python3
"""Generate ir/gen_type_constraints.go: the ONNX input type constraints of
every default-domain op dlc registers, for ir.CheckTypes.

    /usr/bin/python3 scripts/gen_type_constraints.py   (from the repo root)

The op list (registry key, IR form version, input count) comes from
`go run ./internal/cmd/listops`; the types come from the ONNX schemas of
the installed onnx package (1.12: opsets up to 17). For each op the
allowed dtypes of a slot are the union over every schema version from the
one whose form the IR uses up to the newest onnx knows, so a type a later
version added is accepted. Ops or forms newer than the installed onnx are
written by hand below (HAND), and the leniency rules widen sets where
opsets 18-22 added types: the check must never refuse a valid model.

The output is deterministic: running the script again gives the same file.
"""

import os
import subprocess
import sys

import onnx
import onnx.defs as defs

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "ir", "gen_type_constraints.go")

# ONNX type strings to ir.DType names. Types dlc cannot hold (complex,
# float8, int4) are absent and silently dropped.
DTYPES = {
    "tensor(float)": "Float32",
    "tensor(uint8)": "Uint8",
    "tensor(int8)": "Int8",
    "tensor(uint16)": "Uint16",
    "tensor(int16)": "Int16",
    "tensor(int32)": "Int32",
    "tensor(int64)": "Int64",
    "tensor(string)": "String",
    "tensor(bool)": "Bool",
    "tensor(float16)": "Float16",
    "tensor(double)": "Float64",
    "tensor(uint32)": "Uint32",
    "tensor(uint64)": "Uint64",
    "tensor(bfloat16)": "BFloat16",
}
# Order of dtypes in the table and in messages.
ORDER = ["Bool", "Int8", "Int16", "Int32", "Int64", "Uint8", "Uint16",
         "Uint32", "Uint64", "Float16", "BFloat16", "Float32", "Float64",
         "String"]

FLOATS = ["tensor(float16)", "tensor(bfloat16)", "tensor(float)", "tensor(double)"]
SINTS = ["tensor(int8)", "tensor(int16)", "tensor(int32)", "tensor(int64)"]
UINTS = ["tensor(uint8)", "tensor(uint16)", "tensor(uint32)", "tensor(uint64)"]
ALL = FLOATS + SINTS + UINTS + ["tensor(bool)", "tensor(string)"]
IND = ["tensor(int32)", "tensor(int64)"]
I64 = ["tensor(int64)"]
STR = ["tensor(string)"]
HALF = ["tensor(float16)", "tensor(bfloat16)"]

# Ops (or IR forms) newer than opset 17, so not in onnx 1.12, written from
# the ONNX operator docs. Each entry: list of (slot name, type var name),
# {type var: allowed types}, variadic. A var name that is not in the dict is
# a literal type of its own. Ops not here and not in onnx are not checked.
HAND = {
    # opset 18
    "BitwiseAnd": ([("A", "T"), ("B", "T")], {"T": SINTS + UINTS}, False),
    "BitwiseOr": ([("A", "T"), ("B", "T")], {"T": SINTS + UINTS}, False),
    "BitwiseXor": ([("A", "T"), ("B", "T")], {"T": SINTS + UINTS}, False),
    "BitwiseNot": ([("X", "T")], {"T": SINTS + UINTS}, False),
    "CenterCropPad": ([("input_data", "T"), ("shape", "Tind")], {"T": ALL, "Tind": IND}, False),
    "Col2Im": ([("input", "T"), ("image_shape", "I1"), ("block_shape", "I2")],
               {"T": ALL, "I1": I64, "I2": I64}, False),
    "Mish": ([("X", "T")], {"T": FLOATS}, False),
    # GroupNormalization-21: scale and bias are per group-channel, all T.
    "GroupNormalization": ([("X", "T"), ("scale", "T"), ("bias", "T")], {"T": FLOATS}, False),
    # opset 19
    "DeformConv": ([("X", "T"), ("W", "T"), ("offset", "T"), ("B", "T"), ("mask", "T")],
                   {"T": FLOATS}, False),
    # opset 20. GridSample-20 kept 16's inputs, but onnx 1.12's schema
    # binds grid to X's T1 by mistake (the docs say T2, float types).
    "GridSample": ([("X", "T1"), ("grid", "T2")], {"T1": ALL, "T2": FLOATS}, False),
    "AffineGrid": ([("theta", "T1"), ("size", "T2")], {"T1": FLOATS, "T2": I64}, False),
    "Gelu": ([("X", "T")], {"T": FLOATS}, False),
    # DFT-20 moved axis from an attribute to input 2.
    "DFT": ([("input", "T1"), ("dft_length", "T2"), ("axis", "T3")],
            {"T1": FLOATS, "T2": IND, "T3": I64}, False),
    "ImageDecoder": ([("encoded_stream", "T1")], {"T1": ["tensor(uint8)"]}, False),
    "RegexFullMatch": ([("X", "T1")], {"T1": STR}, False),
    "StringConcat": ([("X", "T"), ("Y", "T")], {"T": STR}, False),
    "StringSplit": ([("X", "T1")], {"T1": STR}, False),
}

# Reduce ops took axes as input 1 from opset 18 (13 for ReduceSum); their
# data types are those of the last attribute form, read from onnx.
REDUCE18 = {"ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceMax",
            "ReduceMean", "ReduceMin", "ReduceProd", "ReduceSumSquare"}

# Ops whose IR form is newer than onnx 1.12 but kept the inputs of an older
# version: read that version's schema. Split-18 added an attribute.
SAME_FORM = {"Split": 13}

# Input slots later opsets appended: Pad-18 added axes (Tind: int32, int64).
EXTRA_SLOTS = {"Pad": [("axes", "Tind", IND)]}

# Types later opsets added to existing slots, keyed (op, slot name). Sets
# only ever grow here: this is the leniency rule "if in doubt, allow".
WIDEN = {
    ("Equal", "A"): STR, ("Equal", "B"): STR,  # Equal-19
    ("ReduceMax", "data"): ["tensor(bool)"], ("ReduceMin", "data"): ["tensor(bool)"],  # -20
    ("IsInf", "X"): HALF,  # IsInf-20
    # QuantizeLinear-19/21: float16/bfloat16 input and scale, 16-bit zero points.
    ("QuantizeLinear", "x"): HALF, ("QuantizeLinear", "y_scale"): HALF,
    ("QuantizeLinear", "y_zero_point"): ["tensor(int16)", "tensor(uint16)"],
    # DequantizeLinear-19/21: 16-bit data and zero points, float16/bfloat16 scales.
    ("DequantizeLinear", "x"): ["tensor(int16)", "tensor(uint16)"],
    ("DequantizeLinear", "x_zero_point"): ["tensor(int16)", "tensor(uint16)"],
    ("DequantizeLinear", "x_scale"): HALF,
    # QLinearMatMul-21: scales may be float16/bfloat16.
    ("QLinearMatMul", "a_scale"): HALF, ("QLinearMatMul", "b_scale"): HALF,
    ("QLinearMatMul", "y_scale"): HALF,
}


def list_ops():
    out = subprocess.run(["go", "run", "./internal/cmd/listops"], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout
    ops = []
    for line in out.splitlines():
        key, version, max_in = line.split()
        ops.append((key, int(version), int(max_in)))
    return ops


def schema_versions(op, since):
    """Distinct onnx schemas of op from version since on, oldest first."""
    seen, out = set(), []
    for v in range(since, onnx.defs.onnx_opset_version() + 1):
        try:
            s = defs.get_schema(op, v, "")
        except Exception:
            continue
        if s.since_version < since or s.since_version in seen:
            continue
        seen.add(s.since_version)
        out.append(s)
    return out


def lit(var, slot):
    """Key of a slot's type: its variable, or its literal type made unique
    per slot (literal types like tensor(int64) bind nothing together)."""
    return var if not var.startswith("tensor(") else "%s#%s" % (var, slot)


def from_schemas(schemas):
    """Slots and type vars from onnx schemas: union over versions per slot."""
    slots, types, variadic, hetero = None, {}, False, False
    for s in schemas:
        cons = {c.type_param_str: list(c.allowed_type_strs) for c in s.type_constraints}
        cur = [(p.name, lit(p.typeStr, p.name)) for p in s.inputs]
        if slots is not None and [n for n, _ in slots] != [n for n, _ in cur]:
            continue  # a later version changed the inputs: keep the IR form
        slots = cur
        for p, (_, var) in zip(s.inputs, cur):
            types.setdefault(var, [])
            types[var] += [t for t in cons.get(p.typeStr, [p.typeStr]) if t not in types[var]]
        if s.inputs:
            last = s.inputs[-1]
            variadic = last.option == defs.OpSchema.FormalParameterOption.Variadic
            hetero = variadic and not last.isHomogeneous
    return slots, types, variadic, hetero


def build(key, version):
    """(slots, types, variadic, heterogeneous) of op key, or None."""
    if key in HAND:
        slots, types, variadic = HAND[key]
        slots = [(n, lit(v, n) if v not in types else v) for n, v in slots]
        types = {v: list(types.get(v, [v.split("#")[0]])) for _, v in slots}
        return slots, types, variadic, False
    if key in REDUCE18:
        slots, types, _, _ = from_schemas(schema_versions(key, 13))
        types["tensor(int64)#axes"] = I64
        return slots + [("axes", "tensor(int64)#axes")], types, False, False
    if version > onnx.defs.onnx_opset_version():
        if key not in SAME_FORM:
            return None
        version = SAME_FORM[key]
    schemas = schema_versions(key, version)
    if not schemas:
        return None
    slots, types, variadic, hetero = from_schemas(schemas)
    for name, var, allowed in EXTRA_SLOTS.get(key, []):
        types[var] = list(allowed)
        slots.append((name, var))
    return slots, types, variadic, hetero


def widen(key, slots, types):
    """Apply WIDEN and the float16 => bfloat16 rule to types, in place."""
    for n, v in slots:
        for t in WIDEN.get((key, n), []):
            if t not in types[v]:
                types[v].append(t)
    for allowed in types.values():
        if "tensor(float16)" in allowed and "tensor(bfloat16)" not in allowed:
            allowed.append("tensor(bfloat16)")


def go_var(allowed):
    """Go []DType literal, or None when the var is not a plain tensor type."""
    if any(not t.startswith("tensor(") for t in allowed):
        return None
    names = {DTYPES[t] for t in allowed if t in DTYPES}
    return "[]DType{" + ", ".join(n for n in ORDER if n in names) + "}"


def main():
    entries = []
    for key, version, _max_in in list_ops():
        got = build(key, version)
        if got is None:
            continue
        slots, types, variadic, hetero = got
        widen(key, slots, types)
        var_index, var_lits, slot_lits = {}, [], []
        for name, v in slots:
            golit = go_var(types[v])
            if golit is None:
                slot_lits.append('{"%s", -1}' % name)
                continue
            if v not in var_index:
                var_index[v] = len(var_lits)
                var_lits.append('{"%s", %s}' % (v.split("#")[0], golit))
            slot_lits.append('{"%s", %d}' % (name, var_index[v]))
        if not var_lits:
            continue
        flags = ""
        if variadic:
            flags += ", Variadic: true"
        if hetero:
            flags += ", Heterogeneous: true"
        entries.append('\t\t"%s": {\n\t\t\tInputs: []TypeSlot{%s},\n\t\t\tVars: []TypeVar{\n\t\t\t\t%s,\n\t\t\t}%s},\n'
                       % (key, ", ".join(slot_lits), ",\n\t\t\t\t".join(var_lits), flags))
    with open(OUT, "w") as f:
        f.write("// Code generated by scripts/gen_type_constraints.py; DO NOT EDIT.\n\n")
        f.write("package ir\n\n")
        f.write("// The ONNX input type constraints of %d default-domain ops, from onnx %s\n"
                % (len(entries), onnx.__version__))
        f.write("// schemas (union over the versions since each op's IR form) widened by\n")
        f.write("// the script's hand rules for opsets 18-22.\n")
        f.write("func init() {\n\topTypes = map[string]*OpTypes{\n")
        f.writelines(entries)
        f.write("\t}\n}\n")
    subprocess.run(["gofmt", "-w", OUT], check=True)
    print("wrote %s: %d ops" % (os.path.relpath(OUT, ROOT), len(entries)), file=sys.stderr)


if __name__ == "__main__":
    main()
