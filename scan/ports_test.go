package scan

import (
	"errors"
	"slices"
	"testing"
)

func TestParsePorts(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want []int
	}{
		{[]string{"22"}, []int{22}},
		{[]string{"80", "22"}, []int{22, 80}},
		{[]string{"22,80", "79-81"}, []int{22, 79, 80, 81}},
		{[]string{"1-3,2"}, []int{1, 2, 3}},
		{[]string{"65535"}, []int{65535}},
		{[]string{"8000-8000"}, []int{8000}},
	} {
		got, err := ParsePorts("tcp", tc.args)
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("ParsePorts(%q) = %v, %v; want %v", tc.args, got, err, tc.want)
		}
	}
	if got, err := ParsePorts("tcp", []string{"1-1000"}); err != nil || len(got) != 1000 {
		t.Errorf("1-1000: %d ports, %v", len(got), err)
	}
}

func TestParsePortsService(t *testing.T) {
	got, err := ParsePorts("tcp", []string{"http,https"})
	if err != nil {
		t.Skipf("no service names here: %v", err)
	}
	if !slices.Equal(got, []int{80, 443}) {
		t.Errorf("http,https = %v", got)
	}
}

func TestParsePortsBad(t *testing.T) {
	for _, arg := range []string{"0", "65536", "90-80", "1-", "-5", "1-2-3", "", "22,", "nosuchservice", "0-10", "80-99999", "1.5"} {
		_, err := ParsePorts("tcp", []string{arg})
		var pe *PortError
		if !errors.As(err, &pe) {
			t.Errorf("ParsePorts(%q) = %v, want a *PortError", arg, err)
		}
	}
}
