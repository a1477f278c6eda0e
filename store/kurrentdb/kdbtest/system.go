package kdbtest

import (
	"fmt"

	"github.com/google/uuid"
)

// statsStream is where a node writes its periodic statistics, one of the
// system streams whose events share $all with the application's.
const statsStream = "$stats-127.0.0.1:2113"

// AppendSystemEvent writes one $statsCollected event to the
// $stats-127.0.0.1:2113 stream now, as a node's statistics collector does,
// whatever Options.SystemEvents says.
func (s *Server) AppendSystemEvent() {
	s.writeSystemEvent(statsStream, "$statsCollected")
}

// writeStartupSystemEvents writes what a fresh node writes before any
// client: its settings and its default admin user.
func (s *Server) writeStartupSystemEvents() {
	s.writeSystemEvent("$settings", "$settings")
	s.writeSystemEvent("$user-admin", "$User")
	s.writeSystemEvent("$users", "$UserCreated")
}

// writeSystemEvent appends one JSON system event at the end of stream.
func (s *Server) writeSystemEvent(stream, eventType string) {
	l := s.log
	l.mu.Lock()
	defer l.mu.Unlock()
	current := l.currentVersion(stream)
	data := fmt.Appendf(nil, `{"kdbtest":%q,"revision":%d}`, eventType, current+1)
	l.write(stream, current, []proposed{{
		id:        uuid.New(),
		eventType: eventType,
		isJSON:    true,
		data:      data,
		metadata:  []byte{},
	}})
}
