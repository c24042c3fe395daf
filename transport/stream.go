package transport

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"time"
)

// Namespaces of the XEP-0114 stream.
const (
	nsStream    = "http://etherx.jabber.org/streams"
	nsComponent = "jabber:component:accept"
)

const streamClose = "</stream:stream>"

// handshakeDigest is the XEP-0114 §3 handshake value: the lower-case hex
// SHA-1 of the stream id concatenated with the secret.
func handshakeDigest(streamID, secret string) string {
	sum := sha1.Sum([]byte(streamID + secret))
	return hex.EncodeToString(sum[:])
}

// streamHeader is the XEP-0114 §3 stream header the component sends.
func streamHeader(domain string) []byte {
	var b bytes.Buffer
	b.WriteString("<?xml version='1.0'?><stream:stream xmlns='" + nsComponent +
		"' xmlns:stream='" + nsStream + "' to='")
	_ = xml.EscapeText(&b, []byte(domain))
	b.WriteString("'>")
	return b.Bytes()
}

// permanentError marks a handshake failure that must not be retried.
type permanentError struct{ error }

func (e permanentError) Unwrap() error { return e.error }

// dial connects to the server and performs the XEP-0114 handshake, both
// within one ConnectTimeout and abandoned as soon as ctx is done.
func (c *Component) dial(ctx context.Context) (*session, error) {
	cfg := &c.cfg
	// One deadline for the TCP connect and the handshake together: a slow
	// connect leaves the handshake only what remains of ConnectTimeout.
	deadline := time.Now().Add(cfg.ConnectTimeout)
	dctx, cancel := context.WithDeadline(ctx, deadline)
	conn, err := c.dialContext(dctx, "tcp", cfg.Address)
	cancel()
	if err != nil {
		return nil, err
	}
	_ = conn.SetDeadline(deadline)
	// Cancelling ctx unblocks any read or write of the handshake.
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	s := newSession(conn, c)
	id, err := s.handshake(c.domain.String(), cfg.Secret)
	if !stop() || ctx.Err() != nil {
		err = errors.Join(ctx.Err(), err)
	}
	if err != nil {
		_ = conn.Close()
		return nil, err
	}
	_ = conn.SetDeadline(time.Time{})
	s.id = id
	return s, nil
}

// handshake sends the stream header and the handshake and reads the
// server's answers. It returns the stream id.
func (s *session) handshake(domain, secret string) (string, error) {
	if _, err := s.conn.Write(streamHeader(domain)); err != nil {
		return "", err
	}
	head, err := s.nextStart()
	if err != nil {
		return "", fmt.Errorf("reading stream header: %w", err)
	}
	if head.Name.Space != nsStream || head.Name.Local != "stream" {
		return "", fmt.Errorf("%w: got <%s xmlns=%q> instead of a stream header", ErrProtocol, head.Name.Local, head.Name.Space)
	}
	var id string
	for _, a := range head.Attr {
		if a.Name.Space == "" && a.Name.Local == "id" {
			id = a.Value
		}
	}
	// XEP-0114 §3: a server that will not serve the domain answers the
	// header with a stream error; it may already be on its way, so send
	// the handshake regardless and read what comes.
	var werr error
	if id != "" {
		_, werr = s.conn.Write([]byte("<handshake>" + handshakeDigest(id, secret) + "</handshake>"))
	}
	el, err := s.nextStart()
	if err != nil {
		if werr != nil {
			return "", werr
		}
		return "", fmt.Errorf("reading handshake reply: %w", err)
	}
	switch {
	case el.Name.Space == nsStream && el.Name.Local == "error":
		se := s.readStreamError(el)
		if sentinel := refusal(se); sentinel != nil {
			return "", permanentError{fmt.Errorf("%w: %w", sentinel, se)}
		}
		return "", se
	case el.Name.Space == nsComponent && el.Name.Local == "handshake" && id != "":
		if err := s.dec.Skip(); err != nil {
			return "", err
		}
		return id, werr
	case id == "":
		return "", fmt.Errorf("%w: stream header without id", ErrProtocol)
	}
	return "", fmt.Errorf("%w: got <%s xmlns=%q> instead of <handshake/>", ErrProtocol, el.Name.Local, el.Name.Space)
}

// nextStart returns the next start element, skipping anything else; the
// end of the stream is io.EOF.
func (s *session) nextStart() (xml.StartElement, error) {
	for {
		s.startToken()
		tok, err := s.dec.Token()
		if err != nil {
			return xml.StartElement{}, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return t, nil
		case xml.EndElement:
			return xml.StartElement{}, io.EOF
		}
	}
}

// readStreamError decodes the <stream:error/> whose start tag was just read.
func (s *session) readStreamError(start xml.StartElement) *StreamError {
	var raw struct {
		Inner []struct {
			XMLName xml.Name
			Text    string `xml:",chardata"`
		} `xml:",any"`
	}
	se := &StreamError{}
	if err := s.dec.DecodeElement(&raw, &start); err != nil {
		se.Condition = "undefined-condition"
		se.Text = err.Error()
		return se
	}
	for _, in := range raw.Inner {
		switch {
		case in.XMLName.Local == "text":
			se.Text = in.Text
		case se.Condition == "" && in.XMLName.Space == NSStreams:
			se.Condition = in.XMLName.Local
		}
	}
	if se.Condition == "" {
		se.Condition = "undefined-condition"
	}
	return se
}
