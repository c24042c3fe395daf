package servers_test

import (
	"context"
	"net"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/xmppfmuc/fmuc/internal/servers"
)

func TestDNS(t *testing.T) {
	defer goleak.VerifyNone(t)
	d, err := servers.StartDNS()
	require.NoError(t, err)
	defer d.Close()
	d.Add("Wonderland.lit", 15269)
	addr := strings.Replace(d.Addr(), "@", ":", 1)
	r := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var dl net.Dialer
		return dl.DialContext(ctx, "udp", addr)
	}}
	ctx := context.Background()

	_, srvs, err := r.LookupSRV(ctx, "xmpp-server", "tcp", "wonderland.lit")
	require.NoError(t, err)
	require.Len(t, srvs, 1)
	assert.Equal(t, uint16(15269), srvs[0].Port)
	assert.Equal(t, "localhost.", srvs[0].Target)

	ips, err := r.LookupIP(ctx, "ip4", "wonderland.lit")
	require.NoError(t, err)
	assert.Equal(t, "127.0.0.1", ips[0].String())

	_, err = r.LookupIP(ctx, "ip4", "elsewhere.lit")
	var dnsErr *net.DNSError
	require.ErrorAs(t, err, &dnsErr)
	assert.True(t, dnsErr.IsNotFound)

	_, _, err = r.LookupSRV(ctx, "xmpp-server", "tcp", "elsewhere.lit")
	assert.Error(t, err)
}
