package auth

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Proxies are the reverse proxies whose X-Forwarded-For header is
// believed. Without any, the client is the TCP peer.
type Proxies []netip.Prefix

// ParseProxies reads a comma-separated list of addresses and CIDR
// prefixes, such as "10.0.0.0/8, 192.0.2.7".
func ParseProxies(s string) (Proxies, error) {
	var out Proxies
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if !strings.Contains(part, "/") {
			addr, err := netip.ParseAddr(part)
			if err != nil {
				return nil, fmt.Errorf("%q is not an address or prefix", part)
			}
			out = append(out, netip.PrefixFrom(addr.Unmap(),
				addr.Unmap().BitLen()))
			continue
		}
		p, err := netip.ParsePrefix(part)
		if err != nil {
			return nil, fmt.Errorf("%q is not an address or prefix", part)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

func (ps Proxies) trusts(addr netip.Addr) bool {
	for _, p := range ps {
		if p.Contains(addr.Unmap()) {
			return true
		}
	}
	return false
}

// ClientIP returns the address of the client that sent r. When the TCP
// peer is a trusted proxy, it walks X-Forwarded-For from the right (the
// hop nearest to us) past every trusted proxy; the first address that is
// not one is the client. Addresses further left were written by the
// client itself and prove nothing.
func (ps Proxies) ClientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil || !ps.trusts(peer) {
		return host
	}
	hops := forwardedFor(r)
	for i := len(hops) - 1; i >= 0; i-- {
		addr, err := netip.ParseAddr(hops[i])
		if err != nil {
			// A malformed hop: stop believing the header here.
			return peer.Unmap().String()
		}
		if !ps.trusts(addr) {
			return addr.Unmap().String()
		}
		peer = addr
	}
	return peer.Unmap().String()
}

// forwardedFor lists the X-Forwarded-For hops of r, left to right, over
// every header line.
func forwardedFor(r *http.Request) []string {
	var hops []string
	for _, line := range r.Header.Values("X-Forwarded-For") {
		for _, h := range strings.Split(line, ",") {
			if h = strings.TrimSpace(h); h != "" {
				hops = append(hops, h)
			}
		}
	}
	return hops
}
