package cmd

import (
	"reflect"
	"strings"
	"testing"
)

func TestHoistFlags(t *testing.T) {
	app := newApp(&env{stdin: strings.NewReader(""), stdout: &strings.Builder{}, stderr: &strings.Builder{}})
	for _, tc := range []struct {
		in, want string
	}{
		{"sockit connect host 80 -v", "sockit connect -v -- host 80"},
		{"sockit connect -v host 80", "sockit connect -v -- host 80"},
		{"sockit connect host --idle-timeout 5s 80", "sockit connect --idle-timeout 5s -- host 80"},
		{"sockit connect host 80 --idle-timeout=5s", "sockit connect --idle-timeout=5s -- host 80"},
		{"sockit connect host 80 -- -v", "sockit connect -- host 80 -v"},
		{"sockit connect - 80", "sockit connect -- - 80"},
		{"sockit connect host 80 --bogus", "sockit connect --bogus -- host 80"},
		{"sockit -V", "sockit -V"},
		{"sockit nosuch -v x", "sockit nosuch -v x"},
		{"sockit listen --addr-file f 0", "sockit listen --addr-file f -- 0"},
		{"sockit listen", "sockit listen"},
	} {
		got, err := hoistFlags(app, strings.Fields(tc.in))
		if err != nil || !reflect.DeepEqual(got, strings.Fields(tc.want)) {
			t.Errorf("hoistFlags(%s) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	if _, err := hoistFlags(app, strings.Fields("sockit connect host 80 --retry")); err == nil || !strings.Contains(err.Error(), "flag needs an argument: --retry") {
		t.Errorf("missing value: %v", err)
	}
}

func TestHoistFlagsSubcommand(t *testing.T) {
	app := newApp(&env{stdin: strings.NewReader(""), stdout: &strings.Builder{}, stderr: &strings.Builder{}})
	got, err := hoistFlags(app, strings.Fields("sockit ipc listen /tmp/s -k --mode 0660"))
	want := strings.Fields("sockit ipc listen -k --mode 0660 -- /tmp/s")
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("hoistFlags = %q, %v; want %q", got, err, want)
	}
}
