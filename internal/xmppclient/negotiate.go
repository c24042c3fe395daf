package xmppclient

import (
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Namespaces used during stream negotiation (RFC 6120 §4, §6, §7; RFC 3921 §3).
const (
	nsStream   = "http://etherx.jabber.org/streams"
	nsSASL     = "urn:ietf:params:xml:ns:xmpp-sasl"
	nsBind     = "urn:ietf:params:xml:ns:xmpp-bind"
	nsSession  = "urn:ietf:params:xml:ns:xmpp-session"
	nsRegister = "jabber:iq:register"
)

// features is the subset of <stream:features/> (RFC 6120 §4.3.2) we use.
type features struct {
	Mechanisms []string  `xml:"urn:ietf:params:xml:ns:xmpp-sasl mechanisms>mechanism"`
	Bind       *struct{} `xml:"urn:ietf:params:xml:ns:xmpp-bind bind"`
	Session    *struct {
		Optional *struct{} `xml:"optional"`
	} `xml:"urn:ietf:params:xml:ns:xmpp-session session"`
	Register *struct{} `xml:"http://jabber.org/features/iq-register register"`
}

// openStream writes a stream header (RFC 6120 §4.2) and reads the server's
// header and features. A new xml.Decoder is made over the shared buffered
// reader, as a stream restart requires (RFC 6120 §6.4.6).
func (c *Client) openStream(domain string) (features, error) {
	var f features
	header := fmt.Sprintf("<?xml version='1.0'?><stream:stream to='%s' version='1.0' xmlns='jabber:client' xmlns:stream='%s'>",
		xmlEscape(domain), nsStream)
	if err := c.SendRaw([]byte(header)); err != nil {
		return f, err
	}
	c.dec = xml.NewDecoder(c.br)
	start, err := c.nextStart()
	if err != nil {
		return f, fmt.Errorf("reading stream header: %w", err)
	}
	if start.Name.Space != nsStream || start.Name.Local != "stream" {
		return f, fmt.Errorf("%w: expected stream header, got <%s xmlns=%q>", ErrProtocol, start.Name.Local, start.Name.Space)
	}
	start, err = c.nextStart()
	if err != nil {
		return f, fmt.Errorf("reading stream features: %w", err)
	}
	if err := c.checkStreamError(start); err != nil {
		return f, err
	}
	if start.Name.Space != nsStream || start.Name.Local != "features" {
		return f, fmt.Errorf("%w: expected stream features, got <%s>", ErrProtocol, start.Name.Local)
	}
	if err := c.dec.DecodeElement(&f, &start); err != nil {
		return f, fmt.Errorf("decoding stream features: %w", err)
	}
	return f, nil
}

// nextStart returns the next start element at the current level, skipping
// character data and other tokens.
func (c *Client) nextStart() (xml.StartElement, error) {
	for {
		tok, err := c.dec.Token()
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return xml.StartElement{}, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return t, nil
		case xml.EndElement:
			return xml.StartElement{}, fmt.Errorf("%w: stream closed by the server", ErrClosed)
		}
	}
}

// checkStreamError turns a <stream:error/> (RFC 6120 §4.9) into a Go error.
func (c *Client) checkStreamError(start xml.StartElement) error {
	if start.Name.Space != nsStream || start.Name.Local != "error" {
		return nil
	}
	var v struct {
		Inner []byte `xml:",innerxml"`
	}
	_ = c.dec.DecodeElement(&v, &start)
	return fmt.Errorf("%w: %s", ErrStreamError, strings.TrimSpace(string(v.Inner)))
}

// authenticate runs SASL PLAIN (RFC 4616, RFC 6120 §6).
func (c *Client) authenticate(f features, user, password string) error {
	found := false
	for _, m := range f.Mechanisms {
		if m == "PLAIN" {
			found = true
		}
	}
	if !found {
		return fmt.Errorf("%w: server offers no SASL PLAIN (offers %v)", ErrAuth, f.Mechanisms)
	}
	cred := base64.StdEncoding.EncodeToString([]byte("\x00" + user + "\x00" + password))
	if err := c.SendRaw([]byte("<auth xmlns='" + nsSASL + "' mechanism='PLAIN'>" + cred + "</auth>")); err != nil {
		return err
	}
	start, err := c.nextStart()
	if err != nil {
		return fmt.Errorf("reading SASL outcome: %w", err)
	}
	if err := c.checkStreamError(start); err != nil {
		return err
	}
	var v struct {
		Inner []byte `xml:",innerxml"`
	}
	if err := c.dec.DecodeElement(&v, &start); err != nil {
		return fmt.Errorf("reading SASL outcome: %w", err)
	}
	if start.Name.Space == nsSASL && start.Name.Local == "success" {
		return nil
	}
	return fmt.Errorf("%w: <%s>%s", ErrAuth, start.Name.Local, strings.TrimSpace(string(v.Inner)))
}

// iqResult is an <iq/> read during negotiation, before the reader runs.
type iqResult struct {
	ID    string `xml:"id,attr"`
	Type  string `xml:"type,attr"`
	Inner []byte `xml:",innerxml"`
	Bind  struct {
		JID string `xml:"jid"`
	} `xml:"urn:ietf:params:xml:ns:xmpp-bind bind"`
}

// negotiationIQ sends an IQ set with the given payload and waits for its
// answer, which must be a result.
func (c *Client) negotiationIQ(id, payload string) (iqResult, error) {
	var r iqResult
	if err := c.SendRaw([]byte("<iq type='set' id='" + id + "'>" + payload + "</iq>")); err != nil {
		return r, err
	}
	for {
		start, err := c.nextStart()
		if err != nil {
			return r, err
		}
		if err := c.checkStreamError(start); err != nil {
			return r, err
		}
		if start.Name.Local != "iq" {
			if err := c.dec.Skip(); err != nil {
				return r, err
			}
			continue
		}
		r = iqResult{}
		if err := c.dec.DecodeElement(&r, &start); err != nil {
			return r, err
		}
		if r.ID != id {
			continue
		}
		if r.Type != "result" {
			return r, fmt.Errorf("%w: iq %s answered %s: %s", ErrProtocol, id, r.Type, strings.TrimSpace(string(r.Inner)))
		}
		return r, nil
	}
}

// register creates the account with XEP-0077 in-band registration, on a
// stream that is not yet authenticated.
func (c *Client) register(user, password string) error {
	_, err := c.negotiationIQ("reg1", "<query xmlns='"+nsRegister+"'><username>"+xmlEscape(user)+
		"</username><password>"+xmlEscape(password)+"</password></query>")
	if err != nil {
		if strings.Contains(err.Error(), "conflict") {
			return fmt.Errorf("%w: %w", ErrAccountExists, err)
		}
		return fmt.Errorf("in-band registration: %w", err)
	}
	return nil
}

// bind binds a resource (RFC 6120 §7) and returns the full JID.
func (c *Client) bind(resource string) (string, error) {
	payload := "<bind xmlns='" + nsBind + "'/>"
	if resource != "" {
		payload = "<bind xmlns='" + nsBind + "'><resource>" + xmlEscape(resource) + "</resource></bind>"
	}
	r, err := c.negotiationIQ("bind1", payload)
	if err != nil {
		return "", fmt.Errorf("resource binding: %w", err)
	}
	if r.Bind.JID == "" {
		return "", errors.New("xmppclient: resource binding: no jid in the result")
	}
	return r.Bind.JID, nil
}

func xmlEscape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
