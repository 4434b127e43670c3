package autodiff

import (
	"bufio"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/dlc-go/dlc/ir"
)

// noRuleFile lists the differentiable ops that have no gradient rule yet,
// one op key per line, so that a new op cannot go without one unnoticed
// and a new rule must take its op off the list.
const noRuleFile = "testdata/no_gradient_rule.txt"

// TestEveryOpHasARuleOrIsListed holds the op registry to the list: an op
// with neither a gradient rule nor a NotDifferentiable mark must be
// listed, and a listed op must have neither.
func TestEveryOpHasARuleOrIsListed(t *testing.T) {
	listed := map[string]bool{}
	f, err := os.Open(noRuleFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" && !strings.HasPrefix(line, "#") {
			listed[line] = true
		}
	}
	var missing []string
	for _, d := range ir.Ops() {
		key := d.Key()
		has := d.Grad != nil || d.NotDifferentiable
		switch {
		case !has && !listed[key]:
			missing = append(missing, key)
		case has && listed[key]:
			t.Errorf("%s is listed in %s but has a gradient rule or a not-differentiable mark: take it off the list", key, noRuleFile)
		}
		delete(listed, key)
	}
	slices.Sort(missing)
	for _, key := range missing {
		t.Errorf("op %s has no gradient rule and no NotDifferentiable mark (add one, or list it in %s)", key, noRuleFile)
	}
	for key := range listed {
		t.Errorf("%s lists %s, which is not an op", noRuleFile, key)
	}
}
