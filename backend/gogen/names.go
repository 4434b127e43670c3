package gogen

import (
	"go/token"
	"strings"
	"unicode"
)

// goName turns a tensor name ("input.1", "/conv1/Conv_output_0") into an
// exported Go identifier ("Input1", "Conv1ConvOutput0"); lower makes it
// unexported. The result is never empty, a keyword or one of taken.
func goName(s string, lower bool, taken map[string]bool) string {
	var b strings.Builder
	up := true
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			up = true
			continue
		}
		if up {
			r = unicode.ToUpper(r)
			up = false
		}
		b.WriteRune(r)
	}
	name := b.String()
	if name == "" || unicode.IsDigit(rune(name[0])) {
		name = "X" + name
	}
	if lower {
		rs := []rune(name)
		rs[0] = unicode.ToLower(rs[0])
		name = string(rs)
	}
	base := name
	for i := 2; token.IsKeyword(name) || taken[name]; i++ {
		name = base + itoa(i)
	}
	taken[name] = true
	return name
}

func itoa(i int) string {
	var b [20]byte
	n := len(b)
	for {
		n--
		b[n] = byte('0' + i%10)
		if i /= 10; i == 0 {
			break
		}
	}
	return string(b[n:])
}

// packageName checks a Go package name.
func validPackage(s string) bool {
	if s == "" || token.IsKeyword(s) || !token.IsIdentifier(s) {
		return false
	}
	return s == strings.ToLower(s) || s == "main"
}

// comment makes s safe inside a // comment: one line.
func comment(s string) string {
	return strings.NewReplacer("\n", `\n`, "\r", `\r`).Replace(s)
}
