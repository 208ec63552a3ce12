package cmd

import (
	"strings"
	"testing"
	"time"

	"github.com/mattn/go-runewidth"
)

// TestFitLine: the percent, rate and ETA always fit; the bar goes
// first, then the counts, and the name is shortened in its middle.
func TestFitLine(t *testing.T) {
	long := "a-file-whose-name-is-long-enough-to-push-the-numbers-off.bin"
	tail := " 37.5%  3.7 MiB/s ETA 0.3s  "
	for _, tc := range []struct {
		width int
		name  string
		want  string
	}{
		{79, "b.bin", "[1/2] b.bin 0.8 / 2.0 MiB [=======>              ]  37.5%  3.7 MiB/s ETA 0.3s  "},
		{79, long, "[1/2] a-file-wh…s-off.bin 0.8 / 2.0 MiB [==>     ]  37.5%  3.7 MiB/s ETA 0.3s  "},
		{49, "b.bin", "[1/2] b.bin  37.5%  3.7 MiB/s ETA 0.3s  "},
		{49, long, "[1/2] a-file…off.bin  37.5%  3.7 MiB/s ETA 0.3s  "},
		{30, long, "[1/2]  37.5%  3.7 MiB/s ETA 0."},
	} {
		got := fitLine(tc.width, "[1/2] ", tc.name, "0.8 / 2.0 MiB", 0.375, tail)
		if got != tc.want {
			t.Errorf("fitLine(%d, %q):\n got %q\nwant %q", tc.width, tc.name, got, tc.want)
		}
		if w := runewidth.StringWidth(got); w > tc.width {
			t.Errorf("fitLine(%d, %q) is %d cells wide", tc.width, tc.name, w)
		}
	}
}

func TestEllipsize(t *testing.T) {
	for _, tc := range []struct {
		s    string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"abcdefghij", 5, "ab…ij"},
		{"abcdefghij", 6, "ab…hij"},
		{"日本語のファイル名", 7, "日…ル名"},
		{"abc", 1, "a"},
	} {
		if got := ellipsize(tc.s, tc.n); got != tc.want || runewidth.StringWidth(got) > tc.n {
			t.Errorf("ellipsize(%q, %d) = %q, want %q", tc.s, tc.n, got, tc.want)
		}
	}
}

// TestFileBarRate: a bar's rate is the bytes this phase moved over its
// own time: the bytes a resume kept do not count.
func TestFileBarRate(t *testing.T) {
	start := time.Now()
	f := &fileBar{name: "big", base: 4 << 20, total: 12 << 20, start: start}
	f.done.Store(8 << 20) // 4 MiB moved in 1s, 4 MiB kept
	line := f.render(start.Add(time.Second))
	if !strings.Contains(line, " 4.0 MiB/s ETA 1.0s") {
		t.Errorf("render = %q, want 4.0 MiB/s and ETA 1.0s", line)
	}
	f.stop(endInterrupted)
	if line := strings.TrimRight(f.render(time.Now()), " "); !strings.HasSuffix(line, " interrupted") {
		t.Errorf("render = %q, want it to end with interrupted", line)
	}
}
