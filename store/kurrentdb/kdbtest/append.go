package kdbtest

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"math"

	"github.com/EventStore/EventStore-Client-Go/v4/protos/shared"
	"github.com/EventStore/EventStore-Client-Go/v4/protos/streams"
	"github.com/google/uuid"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// Metadata keys and content types of KurrentDB's gRPC events
// (Constants.Metadata).
const (
	metadataType        = "type"
	metadataContentType = "content-type"
	metadataCreated     = "created"
	contentTypeJSON     = "application/json"
	contentTypeOctets   = "application/octet-stream"
)

// maxAppendEventSize is KurrentDB's default MaxAppendEventSize (its largest
// log record, 16 MiB), measured as Event.SizeOnDisk does.
const maxAppendEventSize = 16 * 1024 * 1024

// streamsService implements the Streams gRPC service.
type streamsService struct {
	streams.UnimplementedStreamsServer
	server *Server
}

// Append follows Streams.Append.cs: an options message, then the proposed
// events, then one answer. A wrong expected version is an answer, not a
// gRPC error.
func (svc *streamsService) Append(call streams.Streams_AppendServer) error {
	ctx := call.Context()
	first, err := call.Recv()
	if err != nil {
		return err
	}
	options := first.GetOptions()
	if options == nil {
		return status.Error(codes.InvalidArgument, "the first append message must carry the options")
	}
	stream := string(options.GetStreamIdentifier().GetStreamName())
	expected, err := expectationOf(options)
	if err != nil {
		return err
	}
	var events []proposed
	for {
		msg, err := call.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		message := msg.GetProposedMessage()
		if message == nil {
			return status.Error(codes.InvalidArgument, "append messages after the first must be proposed events")
		}
		event, err := proposedOf(ctx, message)
		if err != nil {
			return err
		}
		events = append(events, event)
	}

	s := svc.server
	fault := s.nextFault()
	switch fault {
	case FailBeforeWrite:
		return s.dropCallConnection(ctx)
	case FailHang:
		<-ctx.Done()
		return status.FromContextError(ctx.Err()).Err()
	}
	outcome := s.log.append(stream, expected, events)
	if !outcome.wrongVersion && outcome.hasPosition && s.opts.SystemEvents {
		s.AppendSystemEvent()
	}
	if fault == FailAfterWrite {
		return s.dropCallConnection(ctx)
	}
	return call.SendAndClose(appendResponse(options, outcome))
}

// expectationOf reads the expected stream revision of an append.
func expectationOf(options *streams.AppendReq_Options) (expectation, error) {
	switch option := options.GetExpectedStreamRevision().(type) {
	case *streams.AppendReq_Options_Revision:
		if option.Revision > math.MaxInt64 {
			return expectation{}, status.Errorf(codes.InvalidArgument, "expected revision %d is out of range", option.Revision)
		}
		return expectation{kind: expectRevision, revision: option.Revision}, nil
	case *streams.AppendReq_Options_NoStream:
		return expectation{kind: expectNoStream}, nil
	case *streams.AppendReq_Options_Any:
		return expectation{kind: expectAny}, nil
	case *streams.AppendReq_Options_StreamExists:
		return expectation{kind: expectStreamExists}, nil
	default:
		return expectation{}, status.Error(codes.InvalidArgument, "the append options carry no expected stream revision")
	}
}

// proposedOf reads one proposed event; like MetadataHelpers.ParseGrpcMetadata
// it refuses an event without "type" or "content-type".
func proposedOf(ctx context.Context, message *streams.AppendReq_ProposedMessage) (proposed, error) {
	for _, key := range []string{metadataType, metadataContentType} {
		if _, ok := message.GetMetadata()[key]; !ok {
			_ = grpc.SetTrailer(ctx, metadata.Pairs(errorKey, "missing-required-metadata-property"))
			return proposed{}, status.Errorf(codes.InvalidArgument, "Required Metadata Property '%s' is missing", key)
		}
	}
	id, err := uuidOf(message.GetId())
	if err != nil {
		return proposed{}, err
	}
	event := proposed{
		id:        id,
		eventType: message.GetMetadata()[metadataType],
		isJSON:    message.GetMetadata()[metadataContentType] == contentTypeJSON,
		data:      nonNil(message.GetData()),
		metadata:  nonNil(message.GetCustomMetadata()),
	}
	size := len(event.data) + len(event.metadata) + 2*len(event.eventType)
	if size > maxAppendEventSize {
		_ = grpc.SetTrailer(ctx, metadata.Pairs(errorKey, "maximum-append-event-size-exceeded"))
		return proposed{}, status.Errorf(codes.InvalidArgument,
			"Event with Id: %s, Size: %d, exceeds Maximum Append Event Size of %d.", id, size, maxAppendEventSize)
	}
	return event, nil
}

// nonNil keeps an empty byte field distinct from nil for reads.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// uuidOf decodes an event id in either of its wire forms.
func uuidOf(id *shared.UUID) (uuid.UUID, error) {
	if structured := id.GetStructured(); structured != nil {
		var b [16]byte
		binary.BigEndian.PutUint64(b[:8], uint64(structured.GetMostSignificantBits()))
		binary.BigEndian.PutUint64(b[8:], uint64(structured.GetLeastSignificantBits()))
		return uuid.UUID(b), nil
	}
	if text := id.GetString_(); text != "" {
		parsed, err := uuid.Parse(text)
		if err != nil {
			return uuid.Nil, status.Errorf(codes.InvalidArgument, "event id %q is not a UUID", text)
		}
		return parsed, nil
	}
	return uuid.Nil, status.Error(codes.InvalidArgument, "a proposed event has no id")
}

// protoUUID encodes an id in the structured form the client asks for.
func protoUUID(id uuid.UUID) *shared.UUID {
	return &shared.UUID{Value: &shared.UUID_Structured_{Structured: &shared.UUID_Structured{
		MostSignificantBits:  int64(binary.BigEndian.Uint64(id[:8])),
		LeastSignificantBits: int64(binary.BigEndian.Uint64(id[8:])),
	}}}
}

// appendResponse builds the answer exactly as Streams.Append.cs does,
// including the deprecated *_20_6_0 fields of a wrong expected version.
func appendResponse(options *streams.AppendReq_Options, outcome appendOutcome) *streams.AppendResp {
	if outcome.wrongVersion {
		wrong := &streams.AppendResp_WrongExpectedVersion{}
		switch option := options.GetExpectedStreamRevision().(type) {
		case *streams.AppendReq_Options_Any:
			wrong.ExpectedRevisionOption = &streams.AppendResp_WrongExpectedVersion_ExpectedAny{ExpectedAny: &shared.Empty{}}
			wrong.ExpectedRevisionOption_20_6_0 = &streams.AppendResp_WrongExpectedVersion_Any_20_6_0{Any_20_6_0: &shared.Empty{}}
		case *streams.AppendReq_Options_StreamExists:
			wrong.ExpectedRevisionOption = &streams.AppendResp_WrongExpectedVersion_ExpectedStreamExists{ExpectedStreamExists: &shared.Empty{}}
			wrong.ExpectedRevisionOption_20_6_0 = &streams.AppendResp_WrongExpectedVersion_StreamExists_20_6_0{StreamExists_20_6_0: &shared.Empty{}}
		case *streams.AppendReq_Options_NoStream:
			wrong.ExpectedRevisionOption = &streams.AppendResp_WrongExpectedVersion_ExpectedNoStream{ExpectedNoStream: &shared.Empty{}}
			wrong.ExpectedRevisionOption_20_6_0 = &streams.AppendResp_WrongExpectedVersion_ExpectedRevision_20_6_0{ExpectedRevision_20_6_0: math.MaxUint64}
		case *streams.AppendReq_Options_Revision:
			wrong.ExpectedRevisionOption = &streams.AppendResp_WrongExpectedVersion_ExpectedRevision{ExpectedRevision: option.Revision}
			wrong.ExpectedRevisionOption_20_6_0 = &streams.AppendResp_WrongExpectedVersion_ExpectedRevision_20_6_0{ExpectedRevision_20_6_0: option.Revision}
		}
		if outcome.current == noStream {
			wrong.CurrentRevisionOption = &streams.AppendResp_WrongExpectedVersion_CurrentNoStream{CurrentNoStream: &shared.Empty{}}
			wrong.CurrentRevisionOption_20_6_0 = &streams.AppendResp_WrongExpectedVersion_NoStream_20_6_0{NoStream_20_6_0: &shared.Empty{}}
		} else {
			wrong.CurrentRevisionOption = &streams.AppendResp_WrongExpectedVersion_CurrentRevision{CurrentRevision: uint64(outcome.current)}
			wrong.CurrentRevisionOption_20_6_0 = &streams.AppendResp_WrongExpectedVersion_CurrentRevision_20_6_0{CurrentRevision_20_6_0: uint64(outcome.current)}
		}
		return &streams.AppendResp{Result: &streams.AppendResp_WrongExpectedVersion_{WrongExpectedVersion: wrong}}
	}

	success := &streams.AppendResp_Success{}
	if outcome.lastRevision == noStream {
		success.CurrentRevisionOption = &streams.AppendResp_Success_NoStream{NoStream: &shared.Empty{}}
	} else {
		success.CurrentRevisionOption = &streams.AppendResp_Success_CurrentRevision{CurrentRevision: uint64(outcome.lastRevision)}
	}
	if outcome.hasPosition {
		success.PositionOption = &streams.AppendResp_Success_Position{Position: &streams.AppendResp_Position{
			CommitPosition:  outcome.position,
			PreparePosition: outcome.position,
		}}
	} else {
		success.PositionOption = &streams.AppendResp_Success_NoPosition{NoPosition: &shared.Empty{}}
	}
	return &streams.AppendResp{Result: &streams.AppendResp_Success_{Success: success}}
}
