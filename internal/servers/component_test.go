package servers_test

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xmppfmuc/fmuc/internal/servers"
)

// componentHandshake runs the XEP-0114 §3 handshake against the harness's
// component listener and reports the server's answer element.
func componentHandshake(t *testing.T, s *servers.Server, secret string) string {
	t.Helper()
	c, err := net.DialTimeout("tcp", s.ComponentAddr(), 5*time.Second)
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.SetDeadline(time.Now().Add(20*time.Second)))
	_, err = fmt.Fprintf(c, "<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' to='%s'>", s.ComponentDomain)
	require.NoError(t, err)
	d := xml.NewDecoder(c)
	var id string
	for id == "" {
		tok, err := d.Token()
		require.NoError(t, err)
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "stream" {
			for _, a := range se.Attr {
				if a.Name.Local == "id" {
					id = a.Value
				}
			}
			require.NotEmpty(t, id, "stream header without id")
		}
	}
	sum := sha1.Sum([]byte(id + secret))
	_, err = fmt.Fprintf(c, "<handshake>%s</handshake>", hex.EncodeToString(sum[:]))
	require.NoError(t, err)
	for {
		tok, err := d.Token()
		if err != nil {
			return "closed: " + err.Error()
		}
		if se, ok := tok.(xml.StartElement); ok {
			if se.Name.Local == "error" {
				var v struct {
					Inner string `xml:",innerxml"`
				}
				_ = d.DecodeElement(&v, &se)
				return "error: " + v.Inner
			}
			return se.Name.Local
		}
	}
}

func TestComponentListener(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		start func(t *testing.T) *servers.Server
	}{
		{"prosody", func(t *testing.T) *servers.Server { return servers.StartProsody(t, servers.ProsodyOptions{}) }},
		{"ejabberd", func(t *testing.T) *servers.Server { return servers.StartEjabberd(t, servers.EjabberdOptions{}) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := tc.start(t)
			assert.Equal(t, "handshake", componentHandshake(t, s, s.ComponentSecret), "XEP-0114: right secret accepted")
			assert.NotEqual(t, "handshake", componentHandshake(t, s, "wrong"), "XEP-0114: wrong secret refused")
		})
	}
}
