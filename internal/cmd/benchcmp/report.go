package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"strings"
)

// report prints rows as they are measured, as a table or as JSON lines.
type report struct {
	w    io.Writer
	json bool
}

func newReport(w io.Writer, asJSON bool) *report { return &report{w: w, json: asJSON} }

// setup describes the machine and the engines, the first line of a run.
type setup struct {
	Kind string `json:"kind"` // "setup"
	CPU  string `json:"cpu"`
	CPUs int    `json:"cpus"`
	// LoadAvg is /proc/loadavg's 1, 5 and 15 minute averages at the
	// start: other work on the machine shows up in both engines' timings.
	LoadAvg   string `json:"loadavg"`
	DLC       string `json:"dlc"`
	ORT       string `json:"ort"`
	Rounds    int    `json:"rounds"`
	RoundTime string `json:"round_time"`
}

func describeSetup(c config) setup {
	s := setup{Kind: "setup", CPU: cpuName(), CPUs: goruntime.NumCPU(), Rounds: c.rounds, RoundTime: c.roundTime.String()}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		s.LoadAvg = strings.Join(strings.Fields(string(b))[:3], " ")
	}
	if out, err := exec.Command(c.dlc, "version").Output(); err == nil {
		s.DLC = strings.TrimSpace(strings.SplitN(string(out), "\n", 2)[0])
	} else {
		s.DLC = fmt.Sprintf("(%s: %v)", c.dlc, err)
	}
	var pkg struct{ Version string }
	if b, err := os.ReadFile(filepath.Join(c.modules, "onnxruntime-node", "package.json")); err == nil && json.Unmarshal(b, &pkg) == nil {
		s.ORT = "onnxruntime-node " + pkg.Version
	} else {
		s.ORT = "(onnxruntime-node not found)"
	}
	return s
}

// cpuName is the first "model name" of /proc/cpuinfo, or GOARCH.
func cpuName() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return goruntime.GOARCH
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return goruntime.GOARCH
}

func (r *report) emit(v any) {
	b, _ := json.Marshal(v)
	fmt.Fprintf(r.w, "%s\n", b)
}

func (r *report) header(s setup) {
	if r.json {
		r.emit(s)
		return
	}
	fmt.Fprintf(r.w, "CPU: %s (%d logical CPUs, load average %s)\ndlc: %s\nORT: %s, default graph optimizations, interOpNumThreads 1\n",
		s.CPU, s.CPUs, s.LoadAvg, s.DLC, s.ORT)
	fmt.Fprintf(r.w, "batch 1; median over %d alternating rounds (each %s of runs) of the round median; p10-p90 likewise; dlc/ORT > 1: dlc slower\n", s.Rounds, s.RoundTime)
	fmt.Fprintf(r.w, "memory: dlc = peak_bytes from dlc bench; ORT = process peak RSS (VmHWM), with the part above node+ORT's baseline in ()\n")
}

const modelFormat = "%-13s %3s %26s %26s %8s %10s %22s  %s\n"

func (r *report) modelHeader() {
	if !r.json {
		fmt.Fprintln(r.w)
		fmt.Fprintf(r.w, modelFormat, "model", "thr", "dlc ms (p10-p90)", "ORT ms (p10-p90)", "dlc/ORT", "dlc peak", "ORT peak RSS", "check (max rel err)")
	}
}

func (r *report) model(row *modelRow) {
	if r.json {
		r.emit(row)
		return
	}
	ratio := "-"
	if row.Ratio > 0 {
		ratio = fmt.Sprintf("%.2fx", row.Ratio)
	}
	dlcMem, ortMem := "-", "-"
	if row.DLC != nil && row.DLC.PeakBytes > 0 {
		dlcMem = mib(row.DLC.PeakBytes)
	}
	if row.ORT != nil && row.ORT.PeakBytes > 0 {
		ortMem = fmt.Sprintf("%s (+%s)", mib(row.ORT.PeakBytes), mib(row.ORT.PeakBytes-row.ORT.BaseRSSBytes))
	}
	check := row.Check
	if row.Check != "n/a" {
		check = fmt.Sprintf("%s (%.1e)", row.Check, row.MaxRelErr)
	}
	fmt.Fprintf(r.w, modelFormat, row.Model, fmt.Sprint(row.Threads), timing(row.DLC), timing(row.ORT), ratio, dlcMem, ortMem, check)
	if row.Compiled != nil {
		vsORT := "-"
		if row.ORT != nil {
			vsORT = fmt.Sprintf("%.2fx", row.Compiled.MedianMS/row.ORT.MedianMS)
		}
		fmt.Fprintf(r.w, "  compiled %3s %26s  %.2fx dlc  %s ORT  start %s ms  binary %s (weights %s)  %s (%.1e vs dlc)\n",
			fmt.Sprint(row.Threads), timing(row.Compiled), row.CompiledRatio, vsORT, ms(row.StartMS),
			mib(row.BinaryBytes), mib(row.WeightBytes), row.CompiledCheck, row.CompiledVsDLC)
	}
	for _, e := range row.Errors {
		fmt.Fprintf(r.w, "    ! %s\n", e)
	}
}

func (r *report) sgemm(rows []*sgemmRow, peak float64, level string) {
	if r.json {
		for _, row := range rows {
			r.emit(row)
		}
		return
	}
	fmt.Fprintf(r.w, "\nSGEMM C=A·B, N×N, 1 thread; FMA peak %.1f GFLOP/s (one core, level %s)\n", peak, level)
	fmt.Fprintf(r.w, "%6s %12s %7s %12s %7s %8s\n", "N", "dlc GFLOP/s", "%peak", "ORT GFLOP/s", "%peak", "dlc/ORT")
	for _, row := range rows {
		ratio := "-"
		if row.ORTGFlops > 0 {
			ratio = fmt.Sprintf("%.2fx", row.DLCGFlops/row.ORTGFlops)
		}
		ortRate, ortFrac := "-", "-"
		if row.ORTGFlops > 0 {
			ortRate, ortFrac = fmt.Sprintf("%.1f", row.ORTGFlops), fmt.Sprintf("%.0f%%", 100*row.ORTFrac)
		}
		fmt.Fprintf(r.w, "%6d %12.1f %6.0f%% %12s %7s %8s\n", row.Size, row.DLCGFlops, 100*row.DLCFrac, ortRate, ortFrac, ratio)
		if row.Error != "" {
			fmt.Fprintf(r.w, "    ! %s\n", row.Error)
		}
	}
}

// timing is "median (p10-p90)" in milliseconds.
func timing(r *Result) string {
	if r == nil {
		return "-"
	}
	return fmt.Sprintf("%s (%s-%s)", ms(r.MedianMS), ms(r.P10MS), ms(r.P90MS))
}

// ms prints a duration in milliseconds with about four significant digits.
func ms(x float64) string {
	switch {
	case x < 1:
		return fmt.Sprintf("%.3f", x)
	case x < 100:
		return fmt.Sprintf("%.2f", x)
	}
	return fmt.Sprintf("%.0f", x)
}

// mib prints a byte count in MiB, or in KiB below one MiB.
func mib(b int64) string {
	if b < 1<<20 {
		return fmt.Sprintf("%.0fK", float64(b)/(1<<10))
	}
	return fmt.Sprintf("%.1fM", float64(b)/(1<<20))
}
