package kdbtest

import (
	"strconv"

	"github.com/EventStore/EventStore-Client-Go/v4/protos/shared"
	"github.com/EventStore/EventStore-Client-Go/v4/protos/streams"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// readBatchSize is how many records a read or a subscription copies out of
// the log per lock, so that a long read does not hold up appends.
const readBatchSize = 256

// errInvalidPosition is KurrentDB's answer to a $all read from an offset
// that is not the start of a record (RpcExceptions.InvalidPositionException).
var errInvalidPosition = status.Error(codes.InvalidArgument, "Trying to read from an invalid position.")

// Read serves every read and subscription shape of Streams.Read.cs.
func (svc *streamsService) Read(req *streams.ReadReq, call streams.Streams_ReadServer) error {
	options := req.GetOptions()
	if options.GetUuidOption() == nil {
		return status.Error(codes.InvalidArgument, "'uuidOption' is a required argument")
	}
	filter, err := filterOf(options)
	if err != nil {
		return err
	}
	forwards := options.GetReadDirection() == streams.ReadReq_Options_Forwards
	_, subscribing := options.GetCountOption().(*streams.ReadReq_Options_Subscription)
	all := options.GetAll()
	stream := options.GetStream()

	switch {
	case stream != nil && filter != nil:
		return status.Error(codes.InvalidArgument, "a filter applies to $all only")
	case subscribing && !forwards:
		return status.Error(codes.InvalidArgument, "a subscription reads forwards only")
	case subscribing && stream != nil:
		return svc.subscribeToStream(stream, call)
	case subscribing && all != nil:
		return svc.subscribeToAll(all, filter, call)
	case stream != nil:
		return svc.readStream(stream, forwards, options.GetCount(), call)
	case all != nil:
		return svc.readAll(all, forwards, options.GetCount(), filter, call)
	default:
		return status.Error(codes.InvalidArgument, "a read names a stream or $all")
	}
}

// readStream answers a count-limited stream read: StreamNotFound for a
// stream without events, otherwise its events from the start revision in
// the read's direction (the start revision included; none past the end).
func (svc *streamsService) readStream(options *streams.ReadReq_Options_StreamOptions, forwards bool, count uint64, call streams.Streams_ReadServer) error {
	name := string(options.GetStreamIdentifier().GetStreamName())
	if options.GetRevisionOption() == nil {
		return status.Error(codes.InvalidArgument, "a stream read names its start revision")
	}
	l := svc.server.log

	l.mu.Lock()
	last := l.currentVersion(name)
	l.mu.Unlock()
	if last == noStream {
		return call.Send(&streams.ReadResp{Content: &streams.ReadResp_StreamNotFound_{StreamNotFound: &streams.ReadResp_StreamNotFound{
			StreamIdentifier: &shared.StreamIdentifier{StreamName: []byte(name)},
		}}})
	}

	// next is the revision to send next; it moves one way and stops
	// outside [0, last].
	var next int64
	switch option := options.GetRevisionOption().(type) {
	case *streams.ReadReq_Options_StreamOptions_Start:
		// Start is revision 0, so backwards from it is event 0 alone.
		next = 0
	case *streams.ReadReq_Options_StreamOptions_End:
		// End is revision -1: the last event backwards. Forwards, a real
		// node fails the read (IndexReader refuses a negative revision);
		// here it is empty.
		next = last
		if forwards {
			return nil
		}
	case *streams.ReadReq_Options_StreamOptions_Revision:
		next = int64(min(option.Revision, uint64(last)+1))
		if !forwards && option.Revision > uint64(last) {
			next = last
		}
	default:
		return status.Error(codes.InvalidArgument, "a stream read names its start revision")
	}

	for sent := uint64(0); sent < count; {
		batch := svc.streamBatch(name, next, forwards, min(count-sent, readBatchSize))
		if len(batch) == 0 {
			return nil
		}
		for _, r := range batch {
			if err := call.Send(eventResponse(r)); err != nil {
				return err
			}
		}
		sent += uint64(len(batch))
		if forwards {
			next += int64(len(batch))
		} else {
			next -= int64(len(batch))
		}
	}
	return nil
}

// streamBatch copies up to n records of stream from revision next on.
func (svc *streamsService) streamBatch(name string, next int64, forwards bool, n uint64) []*record {
	l := svc.server.log
	l.mu.Lock()
	defer l.mu.Unlock()
	records := l.streams[name]
	var batch []*record
	for next >= 0 && next < int64(len(records)) && uint64(len(batch)) < n {
		batch = append(batch, records[next])
		if forwards {
			next++
		} else {
			next--
		}
	}
	return batch
}

// readAll answers a count-limited $all read. Forwards from a position
// includes the event at that position; backwards from a position starts
// with the event before it (AllReader.cs).
func (svc *streamsService) readAll(options *streams.ReadReq_Options_AllOptions, forwards bool, count uint64, filter *eventFilter, call streams.Streams_ReadServer) error {
	l := svc.server.log
	l.mu.Lock()
	var next int // index of the next record to consider
	switch option := options.GetAllOption().(type) {
	case *streams.ReadReq_Options_AllOptions_Start:
		next = 0
		if !forwards {
			next = -1
		}
	case *streams.ReadReq_Options_AllOptions_End:
		next = len(l.records)
		if !forwards {
			next = len(l.records) - 1
		}
	case *streams.ReadReq_Options_AllOptions_Position:
		commit := option.Position.GetCommitPosition()
		if !l.allPositionValid(commit) {
			l.mu.Unlock()
			return errInvalidPosition
		}
		next = l.firstAtOrAfter(commit)
		if !forwards {
			next--
		}
	default:
		l.mu.Unlock()
		return status.Error(codes.InvalidArgument, "a $all read names its start position")
	}
	l.mu.Unlock()

	for sent := uint64(0); sent < count; {
		batch, scanned := svc.allBatch(next, forwards, filter, min(count-sent, readBatchSize))
		if scanned == 0 {
			return nil
		}
		for _, r := range batch {
			if err := call.Send(eventResponse(r)); err != nil {
				return err
			}
		}
		sent += uint64(len(batch))
		if forwards {
			next += scanned
		} else {
			next -= scanned
		}
	}
	return nil
}

// allBatch copies up to n records that pass filter, scanning from index
// next; scanned is how many records it looked at.
func (svc *streamsService) allBatch(next int, forwards bool, filter *eventFilter, n uint64) (batch []*record, scanned int) {
	l := svc.server.log
	l.mu.Lock()
	defer l.mu.Unlock()
	for next >= 0 && next < len(l.records) && uint64(len(batch)) < n && scanned < readBatchSize {
		r := l.records[next]
		scanned++
		if filter.allows(r) {
			batch = append(batch, r)
		}
		if forwards {
			next++
		} else {
			next--
		}
	}
	return batch, scanned
}

// eventResponse is one event as KurrentDB sends it: its system metadata
// ("type", "created" in .NET ticks, "content-type" from the isJson flag),
// commit = prepare = its log position, and that position as the original
// event's commit position.
func eventResponse(r *record) *streams.ReadResp {
	return &streams.ReadResp{Content: &streams.ReadResp_Event{Event: &streams.ReadResp_ReadEvent{
		Event: &streams.ReadResp_ReadEvent_RecordedEvent{
			Id:               protoUUID(r.id),
			StreamIdentifier: &shared.StreamIdentifier{StreamName: []byte(r.stream)},
			StreamRevision:   r.revision,
			PreparePosition:  r.position,
			CommitPosition:   r.position,
			Metadata: map[string]string{
				metadataType:        r.eventType,
				metadataCreated:     strconv.FormatInt(r.created, 10),
				metadataContentType: contentType(r.isJSON),
			},
			CustomMetadata: r.metadata,
			Data:           r.data,
		},
		Position: &streams.ReadResp_ReadEvent_CommitPosition{CommitPosition: r.position},
	}}}
}

func contentType(isJSON bool) string {
	if isJSON {
		return contentTypeJSON
	}
	return contentTypeOctets
}
