package ref

// One time step of the RNN, GRU and LSTM cells (formulas in rnn.go).

// gateInputs returns, for every gate row k, Xt·W[k] + Wb[k] and
// H·R[k] + Rb[k]: GRU needs the two halves apart.
func (r *rnnRun) gateInputs(dir *rnnDir, t, b int, h []float64) (xw, hr []float64) {
	rows := r.kind.gates * r.hidden
	xw, hr = make([]float64, rows), make([]float64, rows)
	for k := 0; k < rows; k++ {
		s := dir.wb[k]
		for i := 0; i < r.input; i++ {
			s += r.xAt(t, b, i) * dir.w[k*r.input+i]
		}
		xw[k] = s
		s = dir.rb[k]
		for i, hv := range h {
			s += hv * dir.r[k*r.hidden+i]
		}
		hr[k] = s
	}
	return xw, hr
}

// step advances state (H, and C for LSTM) by input step t of batch entry b.
func (r *rnnRun) step(op string, dir *rnnDir, t, b int, state [][]float64) {
	h, hs := state[0], r.hidden
	xw, hr := r.gateInputs(dir, t, b, h)
	switch op {
	case "RNN":
		f := dir.acts[0]
		for j := range h {
			h[j] = f(xw[j] + hr[j])
		}
	case "GRU":
		f, g := dir.acts[0], dir.acts[1]
		z, rg := make([]float64, hs), make([]float64, hs)
		for j := 0; j < hs; j++ {
			z[j] = f(xw[j] + hr[j])
			rg[j] = f(xw[hs+j] + hr[hs+j])
		}
		cand := make([]float64, hs)
		for j := 0; j < hs; j++ {
			if r.linearBeforeReset {
				// hr already holds H·Rhᵀ + Rbh.
				cand[j] = g(xw[2*hs+j] + rg[j]*hr[2*hs+j])
				continue
			}
			s := xw[2*hs+j] + dir.rb[2*hs+j]
			for i := 0; i < hs; i++ {
				s += rg[i] * h[i] * dir.r[(2*hs+j)*hs+i]
			}
			cand[j] = g(s)
		}
		for j := 0; j < hs; j++ {
			h[j] = (1-z[j])*cand[j] + z[j]*h[j]
		}
	case "LSTM":
		f, g, hAct := dir.acts[0], dir.acts[1], dir.acts[2]
		c := state[1]
		pi, po, pf := dir.p[:hs], dir.p[hs:2*hs], dir.p[2*hs:]
		for j := 0; j < hs; j++ {
			in := f(xw[j] + hr[j] + pi[j]*c[j])
			forget := f(xw[2*hs+j] + hr[2*hs+j] + pf[j]*c[j])
			if r.inputForget {
				forget = 1 - in
			}
			cell := g(xw[3*hs+j] + hr[3*hs+j])
			c[j] = forget*c[j] + in*cell
			out := f(xw[hs+j] + hr[hs+j] + po[j]*c[j])
			h[j] = out * hAct(c[j])
		}
	}
}
