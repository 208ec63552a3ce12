package cmd

// -v events as diag writes them: one text line each, or one JSON object
// per line with --log-format json.

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net"
	"strings"
	"time"

	"sockit/pipe"
)

// event prints a -v event; it is the pipe.Observer of every command.
func (d *diag) event(e pipe.Event) {
	if !d.verbose {
		return
	}
	if e.Name == pipe.EventReject {
		e.Err = rejectWhy(e.Err)
	}
	e.Peer = d.peerOf(e)
	if d.json {
		b, err := json.Marshal(jsonEvent(e))
		if err != nil {
			return
		}
		d.mu.Lock()
		defer d.mu.Unlock()
		d.w.Write(append(b, '\n'))
		return
	}
	d.line(d.cyan, eventText(e))
}

// peerOf is what names e's peer beside its address: the credentials
// its connection event brought (a Unix client has no address), kept
// for the later events of the same connection.
func (d *diag) peerOf(e pipe.Event) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	switch {
	case e.ID == 0:
		return e.Peer
	case e.Name == pipe.EventConnection && e.Peer != "":
		if d.peers == nil {
			d.peers = map[int64]string{}
		}
		d.peers[e.ID] = e.Peer
		return e.Peer
	case e.Name == pipe.EventClose:
		p := d.peers[e.ID]
		delete(d.peers, e.ID)
		return cmp.Or(e.Peer, p)
	}
	return cmp.Or(e.Peer, d.peers[e.ID])
}

// observer returns d.event, or nil without -v so that no event is built.
func (d *diag) observer() pipe.Observer {
	if !d.verbose {
		return nil
	}
	return d.event
}

// eventText renders an event as one human line. Connections are named
// #N by their ID, peers by their address, or a Unix client, which has
// none, by its credentials (pid 4242, uid 1000, gid 1000); byte counts
// are in human units.
func eventText(e pipe.Event) string {
	id := ""
	if e.ID > 0 {
		id = fmt.Sprintf(" #%d", e.ID)
	}
	peer := peerText(e.Remote, e.Peer)
	switch e.Name {
	case pipe.EventListening:
		return fmt.Sprintf("listening on %v", addrText(e.Local))
	case pipe.EventLookup:
		return fmt.Sprintf("lookup %s: %s", e.Host, strings.Join(e.Addrs, ", "))
	case pipe.EventConnect:
		if e.Datagrams { // a connected UDP socket: nothing is known of the peer yet
			return fmt.Sprintf("ready%s to %v from %v (udp: no handshake)", id, addrText(e.Remote), addrText(e.Local))
		}
		if unnamed(e.Local) { // our end of a Unix socket
			return fmt.Sprintf("connected%s to %v", id, addrText(e.Remote))
		}
		return fmt.Sprintf("connected%s to %v from %v", id, addrText(e.Remote), addrText(e.Local))
	case pipe.EventProxy:
		at := ""
		if e.Remote != nil && !strings.Contains(e.Host, "://"+addrText(e.Remote)) {
			at = " (" + addrText(e.Remote) + ")"
		}
		return fmt.Sprintf("proxy %s%s: tunnel to %s", e.Host, at, e.Detail)
	case pipe.EventRetry:
		return fmt.Sprintf("attempt %d failed: %v; retrying in %v", e.Attempt, e.Err, e.Duration)
	case pipe.EventReconnect:
		return reconnectText(e)
	case pipe.EventConnection:
		up := ""
		if e.Upstream != nil {
			up = " to " + addrText(e.Upstream)
		}
		return fmt.Sprintf("connection%s from %v on %v%s (%d open)", id, peer, addrText(e.Local), up, e.Open)
	case pipe.EventTLS:
		return fmt.Sprintf("tls with %v: %s", addrText(e.Remote), e.Peer) // Peer: the session
	case pipe.EventReject:
		return fmt.Sprintf("reject %v: %v", peer, e.Err)
	case pipe.EventDrop:
		return fmt.Sprintf("drop%s %v: %v", id, peer, e.Err)
	case pipe.EventEnd:
		return fmt.Sprintf("end%s: %v finished sending", id, peer)
	case pipe.EventTimeout:
		return fmt.Sprintf("timeout%s: no traffic with %v for %v", id, peer, e.Duration)
	case pipe.EventError:
		if e.Remote != nil {
			return fmt.Sprintf("error%s with %v: %v", id, peer, e.Err)
		}
		return fmt.Sprintf("error: %v", e.Err)
	case pipe.EventTransfer:
		return e.Detail
	case pipe.EventRequest:
		return requestText(e, id, peer)
	case pipe.EventClose:
		if e.Datagrams {
			return fmt.Sprintf("close%s %v: %s (%s) in, %s (%s) out, %v", id, peer, datagrams(e.DatagramsIn), size(e.BytesIn), datagrams(e.DatagramsOut), size(e.BytesOut), e.Duration.Round(time.Microsecond))
		}
		return fmt.Sprintf("close%s %v: %s in, %s out, %v", id, peer, size(e.BytesIn), size(e.BytesOut), e.Duration.Round(time.Microsecond))
	}
	return e.Name
}

// datagrams counts datagrams in words: "1 datagram", "3 datagrams".
func datagrams(n int64) string {
	if n == 1 {
		return "1 datagram"
	}
	return fmt.Sprintf("%d datagrams", n)
}

// addrText prints an address; a Unix socket's unnamed end (a client's)
// prints as "unnamed", where nothing better names it.
func addrText(a net.Addr) string {
	if a == nil {
		return "-"
	}
	if unnamed(a) {
		return "unnamed"
	}
	return a.String()
}

// unnamed reports a Unix socket's end that has no name (a client's).
func unnamed(a net.Addr) bool {
	if a == nil {
		return false
	}
	s := a.String()
	return s == "" || s == "<nil>" || s == "@" // "@": an unbound Unix client
}

// peerText names a peer: by its credentials when its address is unnamed
// (a Unix client), else by its address, with the credentials after it
// when there are both.
func peerText(remote net.Addr, cred string) string {
	switch {
	case cred == "":
		return addrText(remote)
	case remote == nil || unnamed(remote):
		return cred
	}
	return fmt.Sprintf("%v [%s]", remote, cred)
}

// eventJSON is the JSON form of an event: time, event and the addresses
// always; the rest when they apply.
type eventJSON struct {
	Time       string   `json:"time"`
	Event      string   `json:"event"`
	ID         int64    `json:"id,omitempty"`
	Local      string   `json:"local,omitempty"`
	Remote     string   `json:"remote,omitempty"`
	Upstream   string   `json:"upstream,omitempty"`
	Host       string   `json:"host,omitempty"`
	Protocol   string   `json:"protocol,omitempty"`
	Target     string   `json:"target,omitempty"`
	Result     string   `json:"result,omitempty"`
	Peer       string   `json:"peer,omitempty"`
	Addrs      []string `json:"addrs,omitempty"`
	Attempt    int      `json:"attempt,omitempty"`
	Open       int      `json:"open,omitempty"`
	BytesIn    *int64   `json:"bytes_in,omitempty"`
	BytesOut   *int64   `json:"bytes_out,omitempty"`
	DgramsIn   *int64   `json:"datagrams_in,omitempty"`
	DgramsOut  *int64   `json:"datagrams_out,omitempty"`
	DurationMS *float64 `json:"duration_ms,omitempty"`
	Detail     string   `json:"detail,omitempty"`
	Unsent     *int64   `json:"unsent,omitempty"`
	Error      string   `json:"error,omitempty"`
}

func jsonEvent(e pipe.Event) eventJSON {
	j := eventJSON{Time: e.Time.Format(time.RFC3339Nano), Event: e.Name, ID: e.ID, Host: e.Host, Peer: e.Peer, Addrs: e.Addrs, Attempt: e.Attempt, Open: e.Open, Detail: e.Detail}
	if e.Local != nil {
		j.Local = e.Local.String()
	}
	if e.Remote != nil {
		j.Remote = e.Remote.String()
	}
	if e.Upstream != nil {
		j.Upstream = addrText(e.Upstream)
	}
	if e.Err != nil {
		j.Error = e.Err.Error()
	}
	if e.Name == pipe.EventClose || e.Name == pipe.EventRequest {
		j.BytesIn, j.BytesOut = &e.BytesIn, &e.BytesOut
		if e.Datagrams {
			j.DgramsIn, j.DgramsOut = &e.DatagramsIn, &e.DatagramsOut
		}
	}
	if e.Name == pipe.EventRequest {
		j.Protocol, j.Target, j.Result, j.Host = e.Proto, e.Host, e.Result, ""
	}
	if e.Name == pipe.EventReconnect {
		j.Unsent = &e.Unsent
	}
	if e.Duration != 0 {
		ms := float64(e.Duration) / float64(time.Millisecond)
		j.DurationMS = &ms
	}
	return j
}

// requestText renders a proxy's request event: who asked for what over
// which protocol, and how it ended.
func requestText(e pipe.Event, id, peer string) string {
	target := e.Host
	if target == "" {
		target = "-"
	}
	if e.Upstream != nil && e.Upstream.String() != e.Host {
		target += " (" + addrText(e.Upstream) + ")"
	}
	proto := e.Proto
	if proto == "" {
		proto = "?"
	}
	s := fmt.Sprintf("request%s from %v: %s %s %s", id, peer, proto, target, e.Result)
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	if e.Result == "ok" {
		s += fmt.Sprintf(", %s up, %s down", size(e.BytesIn), size(e.BytesOut))
	}
	return s + fmt.Sprintf(", %v", e.Duration.Round(time.Microsecond))
}
