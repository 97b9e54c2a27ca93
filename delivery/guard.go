package delivery

import (
	"fmt"
	"net/netip"
	"syscall"
)

// blockedPrefixes are address ranges a webhook must never reach unless private
// targets are allowed, besides what netip's predicates already cover (loopback,
// private, link-local, multicast, unspecified).
var blockedPrefixes = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // carrier-grade NAT; Alibaba's metadata service 100.100.100.200
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments (Oracle's metadata 192.0.0.192)
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, and the broadcast address
	netip.MustParsePrefix("fec0::/10"),       // deprecated site-local
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local-use NAT64
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("100::/64"),        // discard-only
	netip.MustParsePrefix("::ffff:0:0:0/96"), // IPv4-translated
}

// nat64 embeds an IPv4 address in its last 32 bits; that address is checked too.
var nat64 = netip.MustParsePrefix("64:ff9b::/96")

// blockedReason says why ip must not be connected to, or "" when it may be.
func blockedReason(ip netip.Addr) string {
	ip = ip.Unmap()
	if nat64.Contains(ip) {
		b := ip.As16()
		if r := blockedReason(netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})); r != "" {
			return r + " (through NAT64)"
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
			return "a reserved or internal address"
		}
	}
	return ""
}

// BlockedAddressError is returned when a connection to an internal address is refused.
type BlockedAddressError struct {
	Addr   string
	Reason string
}

func (e *BlockedAddressError) Error() string {
	return fmt.Sprintf("refused to connect to %s: %s (allow with --allow-private-targets)", e.Addr, e.Reason)
}

// dialControl is a net.Dialer Control function: it runs after name resolution, just
// before each connect, so a hostname that resolves (or re-resolves, DNS rebinding) to
// an internal address is caught whatever the URL said.
func dialControl(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return &BlockedAddressError{Addr: address, Reason: "an address that is not an IP address"}
	}
	if r := blockedReason(ap.Addr()); r != "" {
		return &BlockedAddressError{Addr: ap.Addr().String(), Reason: r}
	}
	return nil
}
