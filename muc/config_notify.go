package muc

import (
	"github.com/xmppfmuc/fmuc/stanza"
)

// configNotify tells every occupant that the configuration changed
// (XEP-0045 §10.2.1): one groupchat message from the room with a muc#user
// <x/> holding only status codes: 170/171 when logging was switched on/off,
// 172/173 when the room became non-anonymous/semi-anonymous, and 104 for
// any other change (§10.2.1 SHOULD; also sent alongside 170-173 when other
// fields changed too). 174 (fully anonymous) never applies: this package
// has no fully-anonymous rooms.
//
// The initial configuration of a locked room is announced like any later
// change, against the defaults the room was created with: the owner in
// the room is an occupant whose privacy the change affects (e.g. 172 for
// muc#roomconfig_whois=anyone).
func (r *Room) configNotify(tx *request, old Config) {
	c := r.config
	var codes []stanza.StatusCode
	rest := old
	rest.EnableLogging, rest.Whois = c.EnableLogging, c.Whois
	if rest != c {
		codes = append(codes, stanza.StatusConfigChanged)
	}
	if c.EnableLogging != old.EnableLogging {
		codes = append(codes, pickCode(c.EnableLogging, stanza.StatusLoggingEnabled, stanza.StatusLoggingDisabled))
	}
	if c.Whois != old.Whois {
		codes = append(codes, pickCode(c.NonAnonymous(), stanza.StatusNowNonAnonymous, stanza.StatusNowSemiAnonymous))
	}
	if len(codes) == 0 || len(r.occupants) == 0 {
		return
	}
	id := r.opts.NewID()
	payload := []stanza.Element{userX(nil, nil, codes...)}
	r.broadcast(tx, nil, r.jid, func(to stanza.JID, _ bool) stanza.Stanza {
		return &stanza.Message{Header: stanza.Header{From: r.jid, To: to, ID: id, Type: stanza.MessageGroupchat}, Children: payload}
	})
}

func pickCode(b bool, yes, no stanza.StatusCode) stanza.StatusCode {
	if b {
		return yes
	}
	return no
}
