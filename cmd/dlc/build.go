package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"strings"

	"github.com/dlc-go/dlc/backend/gogen"
	"github.com/spf13/cobra"
)

func buildCmd() *cobra.Command {
	var f compileFlags
	var out, src string
	var keep bool
	cmd := &cobra.Command{
		Use:   "build MODEL.onnx -o BINARY [--shape name=1x3x224x224 ...]",
		Short: "Compile a model into a standalone static binary",
		Long: `Compile a model (as dlc compile --main) and build it with go build and
CGO_ENABLED=0 into BINARY, a command that runs the model like dlc run:

  BINARY run -i input_0.pb [-i name=x.npy ...] -o OUTDIR
  BINARY bench [--threads N] [--json]

GOOS and GOARCH in the environment cross-compile (pure-Go kernels off
amd64). The build needs the Go toolchain and dlc's source: found from the
current module, else from where this dlc was built, else --dlc-src.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return fmt.Errorf("-o BINARY is required")
			}
			root, err := dlcSource(src)
			if err != nil {
				return err
			}
			res, err := compileModel(args[0], &f, gogen.Options{Main: true}, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			dir, err := os.MkdirTemp("", "dlc-build-")
			if err != nil {
				return err
			}
			if keep {
				fmt.Fprintf(cmd.ErrOrStderr(), "sources kept in %s\n", dir)
			} else {
				defer os.RemoveAll(dir)
			}
			if err := writeBuildModule(dir, root, res); err != nil {
				return err
			}
			abs, err := filepath.Abs(out)
			if err != nil {
				return err
			}
			if err := goBuild(dir, abs); err != nil {
				return err
			}
			st, err := os.Stat(abs)
			if err != nil {
				return err
			}
			printCompiled(cmd.OutOrStdout(), dir, res)
			fmt.Fprintf(cmd.OutOrStdout(), "built %s: %s\n", out, humanBytes(st.Size()))
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "out", "o", "", "the binary to write")
	cmd.Flags().StringVar(&src, "dlc-src", "", "dlc's source folder (default: found automatically)")
	cmd.Flags().BoolVar(&keep, "keep", false, "keep the generated module and print its folder")
	f.register(cmd)
	return cmd
}

// writeBuildModule lays out a module holding the generated command, with
// dlc replaced by its source folder and dlc's go.sum.
func writeBuildModule(dir, root string, res *gogen.Result) error {
	if err := writePackage(dir, res); err != nil {
		return err
	}
	gomod := fmt.Sprintf("module dlcbuild\n\ngo 1.26\n\nrequire github.com/dlc-go/dlc v0.0.0\n\nreplace github.com/dlc-go/dlc => %s\n", root)
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644); err != nil {
		return err
	}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		return fmt.Errorf("dlc source %s: %w", root, err)
	}
	return os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644)
}

// goBuild builds the module in dir into out, statically.
func goBuild(dir, out string) error {
	c := exec.Command("go", "build", "-mod=mod", "-trimpath", "-ldflags=-s -w", "-o", out, ".")
	c.Dir = dir
	c.Env = append(os.Environ(), "CGO_ENABLED=0")
	var stderr bytes.Buffer
	c.Stderr = &stderr
	if err := c.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if len(msg) > 2000 {
			msg = msg[:2000] + "..."
		}
		return fmt.Errorf("go build of the compiled model failed: %v\n%s", err, msg)
	}
	return nil
}

// dlcSource finds dlc's module folder: the flag, else the module the
// current folder is in (when it is dlc or requires it), else the folder
// this binary was built from.
func dlcSource(flag string) (string, error) {
	if flag != "" {
		return checkSource(flag)
	}
	if env := os.Getenv("DLC_SRC"); env != "" {
		return checkSource(env)
	}
	c := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/dlc-go/dlc")
	if b, err := c.Output(); err == nil {
		if dir := strings.TrimSpace(string(b)); dir != "" {
			if root, err := checkSource(dir); err == nil {
				return root, nil
			}
		}
	}
	if _, file, _, ok := goruntime.Caller(0); ok {
		if root, err := checkSource(filepath.Join(filepath.Dir(file), "..", "..")); err == nil {
			return root, nil
		}
	}
	return "", fmt.Errorf("cannot find dlc's source to build against: run inside a module that requires github.com/dlc-go/dlc, or give --dlc-src DIR (or DLC_SRC)")
}

func checkSource(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	b, err := os.ReadFile(filepath.Join(abs, "go.mod"))
	if err != nil || !strings.Contains(string(b), "module github.com/dlc-go/dlc\n") {
		return "", fmt.Errorf("--dlc-src %s: not dlc's source folder (no go.mod of github.com/dlc-go/dlc)", dir)
	}
	return abs, nil
}
