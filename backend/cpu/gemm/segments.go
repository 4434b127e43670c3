package gemm

import "math/bits"

// Segment is one masked run of a packed row: lane l of the row, for each
// bit l set in Mask, is src[base+Off+l], where base is the start of the
// row's plane. Segments let a packer build the columns of an implicit
// operand (im2col of a convolution) straight into packed panels: each run
// of lanes whose sources are consecutive in memory is one segment.
type Segment struct {
	Off  int32
	Mask uint32
}

// SegmentTable describes every row of a family of packed rows: row r of a
// block starting at tap t0 uses tap t = (t0+r) mod Taps, whose NSeg
// segments are Segs[t·NSeg : (t+1)·NSeg], on plane (t0+r)/Taps. Unused
// segments have Mask 0. Lo and Hi bound the plane-relative source indices
// any set lane reads (Hi exclusive).
type SegmentTable struct {
	Segs       []Segment
	Taps, NSeg int
	Lo, Hi     int
}

// NewSegmentTable returns the table of taps × nseg segments segs, with
// its bounds computed.
func NewSegmentTable(segs []Segment, taps, nseg int) SegmentTable {
	if len(segs) != taps*nseg {
		panic("gemm: segment table size mismatch")
	}
	st := SegmentTable{Segs: segs, Taps: taps, NSeg: nseg, Lo: 1 << 62, Hi: -1 << 62}
	for _, s := range segs {
		if s.Mask == 0 {
			continue
		}
		first, last := lowBit(s.Mask), highBit(s.Mask)
		st.Lo = min(st.Lo, int(s.Off)+first)
		st.Hi = max(st.Hi, int(s.Off)+last+1)
	}
	if st.Hi < st.Lo {
		st.Lo, st.Hi = 0, 0
	}
	return st
}

// PackSegmentRows writes rows packed rows of nr floats (nr ≤ 32) to dst,
// row r from tap (t0+r) mod Taps of plane (t0+r)/Taps of src, planes
// planeLen elements apart; lanes no segment covers are 0. It panics when
// a set lane would read outside src or dst is too short.
func PackSegmentRows(dst []float32, nr int, src []float32, planeLen int, st *SegmentTable, t0, rows int) {
	if rows == 0 {
		return
	}
	if nr > 32 || len(dst) < rows*nr || t0 < 0 || t0 >= st.Taps {
		panic("gemm: bad packed segment rows")
	}
	planes := (t0 + rows - 1) / st.Taps
	if st.Hi > st.Lo && (st.Lo < 0 || planes*planeLen+st.Hi > len(src)) {
		panic("gemm: segment table reads outside src")
	}
	if packSegs != nil && nr > 0 {
		var sp *float32
		if len(src) > 0 {
			sp = &src[0]
		}
		packSegs(rows, sp, planeLen, &st.Segs[0].Off, st.Taps, st.NSeg, t0, &dst[0], nr)
		return
	}
	packSegmentsGeneric(dst, nr, src, planeLen, st, t0, rows)
}

// packSegs is the assembly form of packSegmentsGeneric (rows of w ≤ 32
// lanes), nil where the CPU has no AVX-512.
var packSegs func(rows int, src *float32, plane int, segs *int32, taps, nseg, t0 int, dst *float32, w int)

// packSegmentsGeneric is the meaning of PackSegmentRows.
func packSegmentsGeneric(dst []float32, nr int, src []float32, planeLen int, st *SegmentTable, t0, rows int) {
	t, base := t0, 0
	for r := 0; r < rows; r++ {
		row := dst[r*nr : (r+1)*nr]
		clear(row)
		for _, s := range st.Segs[t*st.NSeg : (t+1)*st.NSeg] {
			for m := s.Mask & (1<<nr - 1); m != 0; m &= m - 1 {
				l := lowBit(m)
				row[l] = src[base+int(s.Off)+l]
			}
		}
		if t++; t == st.Taps {
			t, base = 0, base+planeLen
		}
	}
}

func lowBit(m uint32) int  { return bits.TrailingZeros32(m) }
func highBit(m uint32) int { return bits.Len32(m) - 1 }

// FastSegments reports whether PackSegmentRows has a SIMD form for
// panels nr wide on this machine (otherwise it runs the scalar loop).
func FastSegments(nr int) bool { return nr <= 32 && packSegs != nil }

// Transpose writes dst[j·ldd+i] = src[i·lds+j] for i < rows, j < cols.
// Blocks of TransposeRows() rows go through the level's SIMD gather
// packer into tmp (length ≥ TransposeRows()·cols) and are copied out a
// row at a time; the rest is a scalar loop.
func Transpose(dst []float32, ldd int, src []float32, lds int, rows, cols int, tmp []float32) {
	if rows == 0 || cols == 0 {
		return
	}
	checkMat("transpose source", rows, cols, src, lds)
	checkMat("transpose destination", cols, rows, dst, ldd)
	ks := active
	w := ks.nr
	i := 0
	if ks.gatherB != nil && gatherOK(lds, w) && len(tmp) >= w*cols {
		for ; i+w <= rows; i += w {
			ks.gatherB(cols, &src[i*lds], lds, &tmp[0])
			for j := 0; j < cols; j++ {
				copy(dst[j*ldd+i:j*ldd+i+w], tmp[j*w:j*w+w])
			}
		}
	}
	for ; i < rows; i++ {
		for j, v := range src[i*lds : i*lds+cols] {
			dst[j*ldd+i] = v
		}
	}
}

// TransposeRows is the row block of Transpose.
func TransposeRows() int { return active.nr }
