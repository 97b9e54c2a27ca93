package netguard

import (
	"net/netip"
)

// blockedPrefixes are address ranges an outbound call must never reach unless
// private targets are allowed, besides what netip's predicates already cover
// (loopback, private, link-local, multicast, unspecified).
var blockedPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // carrier-grade NAT; Alibaba's metadata service 100.100.100.200
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments (Oracle's metadata 192.0.0.192)
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation (TEST-NET-1)
	netip.MustParsePrefix("192.88.99.0/24"),  // 6to4 relay anycast
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"), // documentation (TEST-NET-2)
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation (TEST-NET-3)
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, and the broadcast address
	netip.MustParsePrefix("::/96"),           // IPv4-compatible IPv6 (deprecated; ::7f00:1 is 127.0.0.1 on some stacks)
	netip.MustParsePrefix("fec0::/10"),       // deprecated site-local
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local-use NAT64
	netip.MustParsePrefix("2001::/32"),       // Teredo tunnels (embed an IPv4 address)
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("100::/64"),        // discard-only
	netip.MustParsePrefix("::ffff:0:0:0/96"), // IPv4-translated
}

// nat64 embeds an IPv4 address in its last 32 bits; that address is checked too.
var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// sixToFour (6to4) embeds an IPv4 address in bits 16 to 48; it is checked too.
var sixToFour = netip.MustParsePrefix("2002::/16")

// BlockedReason says why ip must not be connected to, or "" when it may be.
func BlockedReason(ip netip.Addr) string {
	ip = ip.Unmap()
	if nat64.Contains(ip) {
		b := ip.As16()
		if r := BlockedReason(netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})); r != "" {
			return r + " (through NAT64)"
		}
	}
	if sixToFour.Contains(ip) {
		b := ip.As16()
		if r := BlockedReason(netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]})); r != "" {
			return r + " (through 6to4)"
		}
	}
	switch {
	case !ip.IsValid():
		return "an invalid address"
	case ip.IsUnspecified():
		return "an unspecified address"
	case ip.IsLoopback():
		return "a loopback address"
	case ip.IsPrivate():
		return "a private address"
	case ip.IsLinkLocalUnicast():
		return "a link-local address (cloud metadata services live there)"
	case ip.IsLinkLocalMulticast(), ip.IsInterfaceLocalMulticast(), ip.IsMulticast():
		return "a multicast address"
	}
	for _, p := range blockedPrefixes {
		if p.Contains(ip) {
			if p.Bits() == 96 && p.Addr().IsUnspecified() {
				return "an IPv4-compatible IPv6 address"
			}
			return "a reserved or internal address"
		}
	}
	return ""
}
