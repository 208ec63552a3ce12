package cmd

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// TestJSONDiagLines: with --log-format json, an error with its hints, a
// warning and a notice are each one JSON object on one line, their texts
// escaped as on text lines.
func TestJSONDiagLines(t *testing.T) {
	var w strings.Builder
	d := newDiag(&w, "always", false, true)
	d.errorLine(&hinted{err: errors.New("name \"a<b\"\nsockit: forged\x1b[2J"), hints: []string{"try \u202eagain"}})
	d.warnf("careful: %s", "x\ny")
	d.notef("tls certificate SHA-256 %s", "AB:CD")
	lines := strings.Split(strings.TrimSuffix(w.String(), "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("want 3 lines, got %q", w.String())
	}
	want := []map[string]any{
		{"event": "error", "error": `name "a<b"\nsockit: forged\x1b[2J`, "hints": []any{`try \u202eagain`}},
		{"event": "warning", "message": `careful: x\ny`},
		{"event": "notice", "message": "tls certificate SHA-256 AB:CD"},
	}
	for i, line := range lines {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("line %d %q: %v", i, line, err)
		}
		if _, ok := m["time"].(string); !ok {
			t.Errorf("line %d has no time: %q", i, line)
		}
		for k, v := range want[i] {
			if got, _ := json.Marshal(m[k]); string(got) != mustJSON(t, v) {
				t.Errorf("line %d: %s = %s, want %s", i, k, got, mustJSON(t, v))
			}
		}
		if strings.Contains(line, `\u001b`) || strings.Contains(line, "\x1b") || strings.Contains(line, `\u003c`) {
			t.Errorf("line %d: raw or JSON-escaped control or HTML escape: %q", i, line)
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
