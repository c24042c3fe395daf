package fmuc

import (
	"errors"
	"strconv"
	"strings"

	"github.com/xmppfmuc/fmuc/stanza"
)

// The room configuration form's federation fields (not standard: XEP-0289
// leaves the configuration out of scope and suggests the room
// configuration form). Their vars carry the x- prefix XEP-0068 §3.4 asks
// of fields nobody registered.
const (
	// FieldUpstream is a jid-single: the room this room joins ("" for
	// none).
	FieldUpstream = "x-fmuc#upstream"
	// FieldMode is a list-single: master-master or master-slave.
	FieldMode = "x-fmuc#mode"
	// FieldHistory is a text-single: how many messages of history to ask
	// the joined room for ("" for its default).
	FieldHistory = "x-fmuc#history"
)

// FederationConfigured: an owner set the room's federation through the
// configuration form; it applies from the next federation join.
type FederationConfigured struct {
	RoomJID    stanza.JID
	Federation Federation
}

// Room implements Event.
func (e FederationConfigured) Room() stanza.JID { return e.RoomJID }

// form is the muc.ConfigExtension of a Service.
type form struct{ s *Service }

// Fields returns the federation fields with room's current settings.
func (f form) Fields(room stanza.JID) []stanza.Field {
	fed := f.s.federationOf(room)
	up := []string{}
	if !fed.Upstream.IsZero() {
		up = []string{fed.Upstream.String()}
	}
	hist := []string{}
	if fed.History != nil {
		hist = []string{strconv.Itoa(*fed.History)}
	}
	return []stanza.Field{
		{Var: FieldUpstream, Type: "jid-single", Label: "Federate with this room (XEP-0289)", Values: up},
		{Var: FieldMode, Type: "list-single", Label: "Federation mode", Values: []string{fed.mode().String()},
			Options: []stanza.Option{{Label: "Master-master", Value: MasterMaster.String()}, {Label: "Master-slave", Value: MasterSlave.String()}}},
		{Var: FieldHistory, Type: "text-single", Label: "Messages of history to fetch when federating", Values: hist},
	}
}

// parse applies the submitted values to room's current federation.
func (f form) parse(room stanza.JID, values map[string][]string) (Federation, error) {
	fed := f.s.federationOf(room)
	one := func(v []string) string {
		if len(v) == 0 {
			return ""
		}
		return strings.TrimSpace(v[0])
	}
	if v, ok := values[FieldUpstream]; ok {
		fed.Upstream = stanza.JID{}
		if s := one(v); s != "" {
			j, err := stanza.Parse(s)
			if err != nil {
				return fed, errors.New("bad JID in " + FieldUpstream)
			}
			fed.Upstream = j
		}
	}
	if v, ok := values[FieldMode]; ok && one(v) != "" {
		m, err := ParseMode(one(v))
		if err != nil {
			return fed, errors.New("bad value for " + FieldMode + ": want master-master or master-slave")
		}
		fed.Mode = m
	}
	if v, ok := values[FieldHistory]; ok {
		fed.History = nil
		if s := one(v); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < 0 {
				return fed, errors.New("bad value for " + FieldHistory + ": want a number of messages")
			}
			fed.History = &n
		}
	}
	if err := fed.validate(room); err != nil {
		return fed, errors.New(strings.TrimPrefix(err.Error(), ErrConfig.Error()+": "))
	}
	return fed, nil
}

// Check validates the submitted federation fields.
func (f form) Check(room stanza.JID, values map[string][]string) error {
	_, err := f.parse(room, values)
	return err
}

// Apply sets the room's federation.
func (f form) Apply(room stanza.JID, values map[string][]string) {
	fed, err := f.parse(room, values)
	if err != nil {
		return
	}
	room = room.Bare()
	f.s.overrides[room] = fed
	if n, ok := f.s.nodes[room]; ok {
		n.fed = fed
	}
	f.s.configured = append(f.s.configured, FederationConfigured{RoomJID: room, Federation: fed})
}
