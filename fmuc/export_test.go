package fmuc

import "github.com/xmppfmuc/fmuc/stanza"

// ReadPeerForTest exposes readPeer to the fuzz target.
func ReadPeerForTest(in stanza.Stanza) error {
	_, err := readPeer(in)
	return err
}
