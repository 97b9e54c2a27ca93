package main

import (
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestDocumentedAdminCommandsParse reads every `orderhub admin …` command that the
// README and docs/ show, in code blocks and in inline code, and checks that each
// names a real command and that its flags parse (placeholders such as <id> or V
// stand for values). A renamed command or flag then fails here, not for a reader.
func TestDocumentedAdminCommandsParse(t *testing.T) {
	files, err := filepath.Glob("../../docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, "../../README.md")
	checked := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range documentedCommands(string(b)) {
			for _, args := range expandAlternatives(c.args) {
				if err := parseAdminArgs(args); err != nil {
					t.Errorf("%s:%d: `orderhub admin %s`: %v", filepath.Base(f), c.line, strings.Join(args, " "), err)
				}
				checked++
			}
		}
	}
	if checked < 40 {
		t.Fatalf("only %d documented admin commands found: is the extraction broken?", checked)
	}
	t.Logf("%d documented admin commands parse", checked)
}

type docCommand struct {
	line int
	args []string
}

var (
	fenceRe       = regexp.MustCompile("(?s)```[^\n]*\n(.*?)```")
	inlineCodeRe  = regexp.MustCompile("(?s)``(.+?)``|`([^`]+)`")
	placeholderRe = regexp.MustCompile(`<[^<>]*>`)
)

// documentedCommands finds the `orderhub admin` commands of a Markdown text: in
// fenced and indented code blocks (with \ continuations and # comments) and in
// inline code (which may wrap across lines).
func documentedCommands(md string) []docCommand {
	var out []docCommand
	lineOf := func(off int) int { return strings.Count(md[:off], "\n") + 1 }
	add := func(off int, code string) {
		for {
			i := strings.Index(code, "orderhub admin")
			if i < 0 {
				return
			}
			code = code[i+len("orderhub admin"):]
			cmd := code
			if j := strings.Index(cmd, "orderhub admin"); j >= 0 {
				cmd = cmd[:j]
			}
			if args := shellWords(cmd); len(args) > 0 {
				out = append(out, docCommand{line: lineOf(off), args: args})
			}
		}
	}
	// Blank out what is not prose as it is consumed, keeping offsets.
	text := []byte(md)
	for _, m := range fenceRe.FindAllStringSubmatchIndex(md, -1) {
		block := md[m[2]:m[3]]
		for _, l := range codeLines(block) {
			add(m[2], l) // reported at the block's first line
		}
		for k := m[0]; k < m[1]; k++ {
			if text[k] != '\n' {
				text[k] = ' '
			}
		}
	}
	// Indented blocks: lines indented by 4 spaces after a blank line or another such line.
	lines := strings.SplitAfter(string(text), "\n")
	off, prevBlank, inBlock := 0, true, false
	var block []string
	blockStart := 0
	flush := func() {
		for _, l := range codeLines(strings.Join(block, "")) {
			add(blockStart, l)
		}
		block = nil
	}
	for _, l := range lines {
		indented := strings.HasPrefix(l, "    ") || strings.HasPrefix(l, "\t")
		switch {
		case indented && (prevBlank || inBlock) && strings.TrimSpace(l) != "":
			if !inBlock {
				blockStart = off
			}
			inBlock = true
			block = append(block, l)
			for k := off; k < off+len(l); k++ {
				if text[k] != '\n' {
					text[k] = ' '
				}
			}
		case strings.TrimSpace(l) == "" && inBlock:
			block = append(block, l)
		default:
			if inBlock {
				flush()
			}
			inBlock = false
		}
		prevBlank = strings.TrimSpace(l) == ""
		off += len(l)
	}
	if inBlock {
		flush()
	}
	for _, m := range inlineCodeRe.FindAllSubmatchIndex(text, -1) {
		from, to := m[2], m[3]
		if from < 0 {
			from, to = m[4], m[5]
		}
		add(m[0], strings.ReplaceAll(string(text[from:to]), "\n", " "))
	}
	return out
}

// codeLines joins \-continued lines and drops # comments.
func codeLines(block string) []string {
	var out []string
	cur := ""
	for _, l := range strings.Split(block, "\n") {
		l = strings.TrimSpace(l)
		if strings.HasSuffix(l, "\\") {
			cur += strings.TrimSuffix(l, "\\") + " "
			continue
		}
		cur += l
		if i := strings.Index(cur, " #"); i >= 0 {
			cur = cur[:i]
		}
		if strings.TrimSpace(cur) != "" {
			out = append(out, cur)
		}
		cur = ""
	}
	return out
}

// shellWords splits a command line as a shell would (quotes, no expansion), with
// <placeholders> as one word, [optional] brackets dropped, and the command ending
// at a shell operator or an ellipsis.
func shellWords(s string) []string {
	s = placeholderRe.ReplaceAllString(s, "X")
	var words []string
	var cur strings.Builder
	in, quote := false, byte(0)
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case quote != 0 && ch == quote:
			quote = 0
		case quote != 0:
			cur.WriteByte(ch)
		case ch == '\'' || ch == '"':
			quote, in = ch, true
		case ch == ' ' || ch == '\t':
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteByte(ch)
			in = true
		}
	}
	if in {
		words = append(words, cur.String())
	}
	var out []string
	for _, w := range words {
		if (w == "…" || w == "...") && len(out) > 0 && strings.HasPrefix(out[len(out)-1], "-") {
			out = append(out, "…") // an elided value (`--db …`), or more flags after a bool
			continue
		}
		if w == "|" || w == "&&" || w == ";" || w == ">" || w == "2>" || strings.HasPrefix(w, "…") || w == "..." || strings.HasPrefix(w, "$(") {
			break
		}
		w = strings.Trim(w, "[]")
		if w != "" {
			out = append(out, w)
		}
	}
	return out
}

// expandAlternatives turns `products|sources create|list` into every pair.
func expandAlternatives(args []string) [][]string {
	out := [][]string{nil}
	for i, a := range args {
		alts := []string{a}
		if i < 3 && !strings.HasPrefix(a, "-") && strings.Contains(a, "|") {
			alts = strings.Split(a, "|")
		} else if strings.HasPrefix(a, "-") && strings.Contains(a, "|") {
			alts = strings.Split(a, "|")[:1]
		}
		var next [][]string
		for _, o := range out {
			for _, alt := range alts {
				next = append(next, append(append([]string(nil), o...), alt))
			}
		}
		out = next
	}
	return out
}

// parseAdminArgs checks args as runAdmin would, without running the command. Words
// alone (`orderhub admin yespo ignored` in prose) name a command; a group alone
// (`orderhub admin deliveries …`) must exist.
func parseAdminArgs(args []string) error {
	if len(args) == 1 || (len(args) >= 2 && strings.HasPrefix(args[1], "-")) {
		if adminCommands()[args[0]] != nil {
			return nil
		}
	}
	if len(args) == 2 && adminCommands()[args[0]+" "+args[1]] != nil {
		return nil
	}
	if len(args) == 1 && args[0] == "help" {
		return nil
	}
	cmd, args, err := findAdmin(args)
	if err != nil {
		return err
	}
	fs := newFlags("admin", io.Discard)
	dbFlag(fs, func(string) string { return "" })
	fs.Bool("json", false, "")
	cmd.setup(fs)
	// An elided value stands for any value; after a bool flag, "…" means more flags.
	var rest []string
	for i, a := range args[2:] {
		if a == "…" {
			name, _, _ := strings.Cut(strings.TrimLeft(args[2+i-1], "-"), "=")
			prev := fs.Lookup(name)
			if prev == nil {
				continue // the parse below names the unknown flag
			}
			if b, ok := prev.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
				continue
			}
		}
		rest = append(rest, a)
	}
	if err := fs.Parse(rest); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	return nil
}
