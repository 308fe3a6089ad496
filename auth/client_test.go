package auth

import (
	"net/http/httptest"
	"testing"
)

func TestClientIP(t *testing.T) {
	proxies, err := ParseProxies("10.0.0.0/8, 192.0.2.7, 2001:db8:1::/48")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, peer string
		xff        []string
		want       string
	}{
		{"no proxy, header ignored", "203.0.113.9:5000",
			[]string{"1.2.3.4"}, "203.0.113.9"},
		{"trusted proxy", "10.1.2.3:5000", []string{"198.51.100.4"},
			"198.51.100.4"},
		{"spoofed left part ignored", "10.1.2.3:5000",
			[]string{"6.6.6.6, 198.51.100.4"}, "198.51.100.4"},
		{"chain of trusted proxies", "10.1.2.3:5000",
			[]string{"198.51.100.4, 192.0.2.7", "10.9.9.9"}, "198.51.100.4"},
		{"all hops trusted", "10.1.2.3:5000", []string{"10.2.2.2"},
			"10.2.2.2"},
		{"malformed hop", "10.1.2.3:5000", []string{"nonsense"},
			"10.1.2.3"},
		{"no header", "10.1.2.3:5000", nil, "10.1.2.3"},
		{"ipv6 proxy", "[2001:db8:1::5]:443", []string{"2001:db8:9::1"},
			"2001:db8:9::1"},
		{"mapped ipv4 peer", "[::ffff:10.1.2.3]:80", []string{"198.51.100.4"},
			"198.51.100.4"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = c.peer
			for _, h := range c.xff {
				r.Header.Add("X-Forwarded-For", h)
			}
			if got := proxies.ClientIP(r); got != c.want {
				t.Errorf("ClientIP = %q, want %q", got, c.want)
			}
		})
	}
	if _, err := ParseProxies("10.0.0.0/33"); err == nil {
		t.Error("bad prefix accepted")
	}
}
