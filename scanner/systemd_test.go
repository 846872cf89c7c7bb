package scanner

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/upgrade-lint/upgrade-lint/scanner/inventory"
)

func TestParseEnvFile(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string // NAME=VALUE@line
	}{
		{"plain", "A=1\nB=two words  \n", []string{"A=1@1", "B=two words@2"}},
		{"comments and blanks", "# c\n; c\n\n  A=1\n", []string{"A=1@4"}},
		{"double quotes", `A="x \"y\" \$z \\ w"` + "\n", []string{`A=x "y" $z \ w@1`}},
		{"single quotes keep backslashes", `A='a\nb "c"'`, []string{`A=a\nb "c"@1`}},
		{"quoted value spans lines", "A=\"--a\n--b\"\nB=2", []string{"A=--a\n--b@1", "B=2@3"}},
		{"backslash continuation", "A=--a \\\n --b\nB=2", []string{"A=--a  --b@1", "B=2@3"}},
		{"continuation inside double quotes", "A=\"--a \\\n--b\"\n", []string{"A=--a --b@1"}},
		{"concatenated segments", `A=x"y z"'w'`, []string{"A=xy zw@1"}},
		{"blank around key", "  A  =  v\n", []string{"A=v@1"}},
		{"invalid keys skipped", "export A=1\n1A=2\nB-C=3\nD=4\nno equals\n", []string{"D=4@4"}},
		{"empty value", "A=\nB=\"\"\n", []string{"A=@1", "B=@2"}},
		{"crlf", "A=1\r\nB=2\r\n", []string{"A=1@1", "B=2@2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, v := range parseEnvFile(tt.in, "f") {
				got = append(got, v.Name+"="+v.Value+"@"+itoa(v.Source.Line))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseUnit(t *testing.T) {
	unit := `[Unit]
Description=x ; not a comment here

[Service]
# comment
Environment="A=1 2" B=3
ExecStart=/usr/bin/kubelet \
  --a=1 \
# a comment line inside a continuation is skipped
  --b=2
; another comment
Restart=always
`
	var got []string
	for _, e := range parseUnit(unit) {
		got = append(got, e.Section+"."+e.Key+"="+e.Value+"@"+itoa(e.Line))
	}
	want := []string{
		"Unit.Description=x ; not a comment here@2",
		`Service.Environment="A=1 2" B=3@6`,
		"Service.ExecStart=/usr/bin/kubelet    --a=1    --b=2@7",
		"Service.Restart=always@12",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	// Words keep the physical line they were written on.
	for _, e := range parseUnit(unit) {
		if e.Key != "ExecStart" {
			continue
		}
		var lines []string
		for _, w := range splitUnitWords(e.Value, e.Lines) {
			lines = append(lines, w.Text+"@"+itoa(w.Line))
		}
		if diff := cmp.Diff([]string{"/usr/bin/kubelet@7", "--a=1@8", "--b=2@10"}, lines); diff != "" {
			t.Errorf("word lines (-want +got):\n%s", diff)
		}
	}
}

func TestExpandCommand(t *testing.T) {
	env := &environment{}
	env.set(envVar{Name: "ARGS", Value: `--a=1   --b="x y"`})
	env.set(envVar{Name: "ONE", Value: "--c=1 --d=2"})
	env.set(envVar{Name: "EMPTY", Value: ""})
	tests := []struct {
		name, cmd string
		want      []string
	}{
		{"$VAR splits into words, honouring quotes", "/bin/k $ARGS", []string{"/bin/k", "--a=1", "--b=x y"}},
		{"${VAR} as a word stays one word", "/bin/k ${ONE}", []string{"/bin/k", "--c=1 --d=2"}},
		{"${VAR} inside a word", "/bin/k --x=${ONE}!", []string{"/bin/k", "--x=--c=1 --d=2!"}},
		{"empty $VAR gives no word", "/bin/k $EMPTY --z", []string{"/bin/k", "--z"}},
		{"unset $VAR gives no word", "/bin/k $NOPE --z", []string{"/bin/k", "--z"}},
		{"$VAR inside a word is literal", "/bin/k --x=$ONE", []string{"/bin/k", "--x=$ONE"}},
		{"$$ is a literal dollar", "/bin/k --x=$${ONE}", []string{"/bin/k", "--x=${ONE}"}},
		{"quotes and escapes", `/bin/k "--a=b c" '--d=e f' --g=h\ i`, []string{"/bin/k", "--a=b c", "--d=e f", "--g=h i"}},
		{"%% is a literal percent", "/bin/k --p=100%%", []string{"/bin/k", "--p=100%"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, w := range expandCommand(tt.cmd, nil, "u", env) {
				got = append(got, w.Text)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// TestKubeletUnitResolution checks systemd's override order: drop-ins sorted by name
// across directories (/etc wins over /usr/lib for the same name), an empty ExecStart=
// clearing the earlier ones, files overriding Environment=, and "-" making a file optional.
func TestKubeletUnitResolution(t *testing.T) {
	root := extract(t, "testdata/kubelet-units.txtar")
	inv, err := Scan(t.Context(), Options{NodeRoots: []string{root}})
	if err != nil {
		t.Fatal(err)
	}
	c := component(t, inv, "kubelet", "kubelet-unit")
	want := []flagAt{
		{"from-env-file", "file", "etc/sysconfig/kubelet:1"},
		{"v", "4", "etc/systemd/system/kubelet.service.d/20-etc.conf:4"},
	}
	if diff := cmp.Diff(want, flagsAt(c)); diff != "" {
		t.Errorf("flags (-want +got):\n%s", diff)
	}
	if c.Node != baseName(root) {
		t.Errorf("node = %q, want the root's base name", c.Node)
	}
	// The missing, non-optional EnvironmentFile is reported; the optional one is not.
	var msgs []string
	for _, e := range inv.InputErrors {
		msgs = append(msgs, e.Source.String()+": "+e.Message)
	}
	if len(msgs) != 1 || !strings.Contains(msgs[0], "/etc/required.env") || !strings.HasPrefix(msgs[0], "usr/lib/systemd/system/kubelet.service.d/10-lib.conf:4") {
		t.Errorf("input errors = %q", msgs)
	}
}

func baseName(p string) string {
	return p[strings.LastIndexAny(p, `/\`)+1:]
}

// Each word of a value written over several lines keeps the line it was written on,
// whether the value comes from an environment file or an Environment= line of a unit.
func TestEnvValueWordLines(t *testing.T) {
	wordsAt := func(words []word) []string {
		var out []string
		for _, w := range words {
			out = append(out, w.Text+"@"+w.Source.String())
		}
		return out
	}
	t.Run("env file", func(t *testing.T) {
		data := "# head\nARGS=\"--a=1 \\\n--b=2 \\\n  --c='x y'\"\nQ='--d\n--e'\nU=--f \\\n --g\n"
		env := &environment{}
		for _, v := range parseEnvFile(data, "kubelet.env") {
			env.set(v)
		}
		got := wordsAt(expandCommand("/k $ARGS $Q $U", nil, "unit", env))
		want := []string{"/k@unit", "--a=1@kubelet.env:2", "--b=2@kubelet.env:3", "--c=x y@kubelet.env:4",
			"--d@kubelet.env:5", "--e@kubelet.env:6", "--f@kubelet.env:7", "--g@kubelet.env:8"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
	t.Run("unit Environment=", func(t *testing.T) {
		unit := "[Service]\nEnvironment=\"A=--p=1 \\\n  --q=2\" B=--r\nExecStart=/k $A $B\n"
		env := &environment{}
		var exec unitEntry
		for _, e := range parseUnit(unit) {
			switch e.Key {
			case "Environment":
				for _, w := range splitUnitWords(e.Value, e.Lines) {
					name, val, _ := strings.Cut(w.Text, "=")
					env.set(envVar{Name: name, Value: val, Lines: w.Lines[len(name)+1:], Source: inventory.Source{Path: "u", Line: w.Line}})
				}
			case "ExecStart":
				exec = e
			}
		}
		got := wordsAt(expandCommand(exec.Value, exec.Lines, "u", env))
		want := []string{"/k@u:4", "--p=1@u:2", "--q=2@u:3", "--r@u:3"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
}
