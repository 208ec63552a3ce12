package listen

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

func TestParseSpec(t *testing.T) {
	for _, tc := range []struct {
		spec string
		want []string // nil: an ErrBadSpec
	}{
		{"127.0.0.2", []string{"127.0.0.2/32"}},
		{" 10.1.2.3/8 ", []string{"10.0.0.0/8"}},
		{"::1", []string{"::1/128"}},
		{"2001:db8::/32", []string{"2001:db8::/32"}},
		{"::ffff:10.0.0.1", []string{"10.0.0.1/32"}},
		{"::ffff:10.0.0.0/104", []string{"10.0.0.0/8"}},
		{"localhost", nil}, // resolved: checked below
		{"10.0.0.0/33", []string{}},
		{"10.0.0.0/", []string{}},
		{"300.1.1.1", []string{}},
		{"", []string{}},
		{"bad host!", []string{}},
		{"fe80::1%eth0/64", []string{}},
		{"-x.example", []string{}},
	} {
		got, err := ParseSpec(context.Background(), nil, tc.spec)
		switch {
		case tc.want == nil:
			if err != nil || len(got) == 0 {
				t.Errorf("ParseSpec(%q) = %v, %v; want addresses", tc.spec, got, err)
			}
		case len(tc.want) == 0:
			if !errors.Is(err, ErrBadSpec) || !strings.Contains(err.Error(), tc.spec) {
				t.Errorf("ParseSpec(%q) = %v, %v; want ErrBadSpec naming it", tc.spec, got, err)
			}
		default:
			var s []string
			for _, p := range got {
				s = append(s, p.String())
			}
			if err != nil || !reflect.DeepEqual(s, tc.want) {
				t.Errorf("ParseSpec(%q) = %v, %v; want %v", tc.spec, s, err, tc.want)
			}
		}
	}
}

func FuzzParseSpec(f *testing.F) {
	for _, s := range []string{"127.0.0.1", "10.0.0.0/8", "::1", "::/0", "a.b", "1.2.3.4/", "[::1]", "::ffff:1.2.3.4/120"} {
		f.Add(s)
	}
	r := &net.Resolver{PreferGo: true, Dial: func(context.Context, string, string) (net.Conn, error) {
		return nil, errors.New("no DNS in fuzzing")
	}}
	f.Fuzz(func(t *testing.T, s string) {
		ps, err := ParseSpec(context.Background(), r, s)
		if err != nil {
			return
		}
		for _, p := range ps {
			if !p.IsValid() || p != p.Masked() || p.Addr().Is4In6() || p.Addr().Zone() != "" {
				t.Fatalf("ParseSpec(%q) gave %v", s, p)
			}
		}
	})
}

func TestPermits(t *testing.T) {
	pfx := func(ss ...string) []netip.Prefix {
		var ps []netip.Prefix
		for _, s := range ss {
			ps = append(ps, netip.MustParsePrefix(s))
		}
		return ps
	}
	tcp := func(ip string) net.Addr { return &net.TCPAddr{IP: net.ParseIP(ip), Port: 1} }
	for _, tc := range []struct {
		a    Access
		peer net.Addr
		ok   bool
	}{
		{Access{}, tcp("1.2.3.4"), true},
		{Access{Allow: pfx("127.0.0.0/8")}, tcp("127.0.0.2"), true},
		{Access{Allow: pfx("127.0.0.0/8")}, tcp("10.0.0.1"), false},
		{Access{Allow: pfx("127.0.0.0/8"), Deny: pfx("127.0.0.3/32")}, tcp("127.0.0.3"), false},
		{Access{Deny: pfx("127.0.0.3/32")}, tcp("127.0.0.2"), true},
		{Access{Deny: pfx("127.0.0.3/32")}, tcp("::ffff:127.0.0.3"), false},
		{Access{Allow: pfx("::1/128")}, tcp("::1"), true},
		{Access{Allow: pfx("127.0.0.1/32")}, &net.UnixAddr{Name: "@x", Net: "unix"}, true},
		{Access{Deny: pfx("127.0.0.2/32")}, &net.UDPAddr{IP: net.ParseIP("127.0.0.2"), Port: 1}, false},
		{Access{Allow: pfx("127.0.0.0/8")}, &net.UDPAddr{IP: net.ParseIP("127.0.0.2"), Port: 1}, true},
	} {
		if ok, why := tc.a.Permits(tc.peer); ok != tc.ok || (!ok && why == "") {
			t.Errorf("%+v.Permits(%v) = %v, %q; want %v", tc.a, tc.peer, ok, why, tc.ok)
		}
	}
}

func TestReadSpecs(t *testing.T) {
	got, err := ReadSpecs(strings.NewReader("# trusted\n127.0.0.2\n\n  10.0.0.0/8  # lab\n"), "allow")
	if err != nil || !reflect.DeepEqual(got, []string{"127.0.0.2", "10.0.0.0/8"}) {
		t.Errorf("ReadSpecs = %q, %v", got, err)
	}
}
