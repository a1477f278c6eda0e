package kdbtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"testing"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/EventStore/EventStore-Client-Go/v4/protos/shared"
	"github.com/EventStore/EventStore-Client-Go/v4/protos/streams"
	"github.com/google/uuid"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// rawStreams is a bare gRPC Streams client, for what client v4.2.0 never
// sends.
func rawStreams(t *testing.T, s *Server) streams.StreamsClient {
	t.Helper()
	u, err := url.Parse(s.URI())
	if err != nil {
		t.Fatal(err)
	}
	conn, err := grpc.NewClient(u.Host, grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallSendMsgSize(maxMessageSize)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return streams.NewStreamsClient(conn)
}

// appendOptions is the first message of an append; expect sets its
// expected revision (Any when nil).
func appendOptions(stream string, expect func(*streams.AppendReq_Options)) *streams.AppendReq {
	options := &streams.AppendReq_Options{StreamIdentifier: &shared.StreamIdentifier{StreamName: []byte(stream)}}
	options.ExpectedStreamRevision = &streams.AppendReq_Options_Any{Any: &shared.Empty{}}
	if expect != nil {
		expect(options)
	}
	return &streams.AppendReq{Content: &streams.AppendReq_Options_{Options: options}}
}

func proposedMessage(meta map[string]string, data []byte) *streams.AppendReq {
	return &streams.AppendReq{Content: &streams.AppendReq_ProposedMessage_{ProposedMessage: &streams.AppendReq_ProposedMessage{
		Id:       protoUUID(uuid.New()),
		Metadata: meta,
		Data:     data,
	}}}
}

// rawAppend sends msgs as one append and returns the answer, the error
// and the trailer.
func rawAppend(t *testing.T, client streams.StreamsClient, msgs ...*streams.AppendReq) (*streams.AppendResp, error, metadata.MD) {
	t.Helper()
	var trailer metadata.MD
	call, err := client.Append(ctxFor(t), grpc.Trailer(&trailer))
	if err != nil {
		t.Fatalf("Append: %v", err)
	}
	for _, m := range msgs {
		if err := call.Send(m); err != nil && !errors.Is(err, io.EOF) {
			t.Fatalf("Send: %v", err)
		}
	}
	resp, err := call.CloseAndRecv()
	return resp, err, trailer
}

func TestAppendRefusals(t *testing.T) {
	s := startServer(t, Options{})
	client := rawStreams(t, s)
	json := map[string]string{metadataType: "T", metadataContentType: contentTypeJSON}
	tests := []struct {
		name      string
		msgs      []*streams.AppendReq
		wantCode  codes.Code
		wantTrail string
	}{
		{"no type", []*streams.AppendReq{appendOptions("s", nil), proposedMessage(map[string]string{metadataContentType: contentTypeJSON}, nil)},
			codes.InvalidArgument, "missing-required-metadata-property"},
		{"no content type", []*streams.AppendReq{appendOptions("s", nil), proposedMessage(map[string]string{metadataType: "T"}, nil)},
			codes.InvalidArgument, "missing-required-metadata-property"},
		{"event first", []*streams.AppendReq{proposedMessage(json, nil)}, codes.InvalidArgument, ""},
		{"options twice", []*streams.AppendReq{appendOptions("s", nil), appendOptions("s", nil)}, codes.InvalidArgument, ""},
		{"no expectation", []*streams.AppendReq{{Content: &streams.AppendReq_Options_{Options: &streams.AppendReq_Options{
			StreamIdentifier: &shared.StreamIdentifier{StreamName: []byte("s")}}}}}, codes.InvalidArgument, ""},
		{"event over 16 MiB", []*streams.AppendReq{appendOptions("s", nil), proposedMessage(json, make([]byte, maxAppendEventSize-2+1))},
			codes.InvalidArgument, "maximum-append-event-size-exceeded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err, trailer := rawAppend(t, client, tt.msgs...)
			if status.Code(err) != tt.wantCode {
				t.Fatalf("error = %v, want %v", err, tt.wantCode)
			}
			if got := trailer.Get(errorKey); tt.wantTrail != "" && (len(got) != 1 || got[0] != tt.wantTrail) {
				t.Errorf("exception trailer = %v, want %q", got, tt.wantTrail)
			}
		})
	}
	s.log.mu.Lock()
	n := len(s.log.records)
	s.log.mu.Unlock()
	if n != 0 {
		t.Errorf("log has %d records after refused appends, want 0", n)
	}
	// At the bound: 16 MiB exactly (data + 2 × len("T")) is accepted.
	if _, err, _ := rawAppend(t, client, appendOptions("s", nil), proposedMessage(json, make([]byte, maxAppendEventSize-2))); err != nil {
		t.Errorf("event of exactly 16 MiB: %v, want success", err)
	}
}

// TestWrongExpectedVersionWire checks the answer field by field, the
// deprecated 20.6.0 fields included, as Streams.Append.cs fills them.
func TestWrongExpectedVersionWire(t *testing.T) {
	s := startServer(t, Options{})
	client := rawStreams(t, s)
	json := map[string]string{metadataType: "T", metadataContentType: contentTypeJSON}
	if _, err, _ := rawAppend(t, client, appendOptions("s", nil), proposedMessage(json, nil)); err != nil {
		t.Fatal(err)
	}
	resp, err, _ := rawAppend(t, client, appendOptions("s", func(o *streams.AppendReq_Options) {
		o.ExpectedStreamRevision = &streams.AppendReq_Options_NoStream{NoStream: &shared.Empty{}}
	}), proposedMessage(json, nil))
	if err != nil {
		t.Fatal(err)
	}
	wrong := resp.GetWrongExpectedVersion()
	if wrong == nil || wrong.GetExpectedNoStream() == nil || wrong.GetExpectedRevision_20_6_0() != math.MaxUint64 ||
		wrong.GetCurrentRevision() != 0 || wrong.GetCurrentRevision_20_6_0() != 0 || wrong.GetCurrentNoStream() != nil {
		t.Errorf("wrong expected version = %v, want expected no stream (20.6.0: max uint64), current 0", wrong)
	}
	resp, err, _ = rawAppend(t, client, appendOptions("new", func(o *streams.AppendReq_Options) {
		o.ExpectedStreamRevision = &streams.AppendReq_Options_Revision{Revision: 4}
	}), proposedMessage(json, nil))
	if err != nil {
		t.Fatal(err)
	}
	wrong = resp.GetWrongExpectedVersion()
	if wrong.GetExpectedRevision() != 4 || wrong.GetExpectedRevision_20_6_0() != 4 || wrong.GetCurrentNoStream() == nil || wrong.GetNoStream_20_6_0() == nil {
		t.Errorf("wrong expected version = %v, want expected 4, current no stream", wrong)
	}
}

func TestReadRefusals(t *testing.T) {
	s := startServer(t, Options{})
	client := rawStreams(t, s)
	structured := &streams.ReadReq_Options_UUIDOption{Content: &streams.ReadReq_Options_UUIDOption_Structured{Structured: &shared.Empty{}}}
	allStart := &streams.ReadReq_Options_All{All: &streams.ReadReq_Options_AllOptions{AllOption: &streams.ReadReq_Options_AllOptions_Start{Start: &shared.Empty{}}}}
	subscription := &streams.ReadReq_Options_Subscription{Subscription: &streams.ReadReq_Options_SubscriptionOptions{}}
	filter := func(multiplier uint32, regex string) *streams.ReadReq_Options_Filter {
		return &streams.ReadReq_Options_Filter{Filter: &streams.ReadReq_Options_FilterOptions{
			Filter: &streams.ReadReq_Options_FilterOptions_StreamIdentifier{StreamIdentifier: &streams.ReadReq_Options_FilterOptions_Expression{Regex: regex}},
			Window: &streams.ReadReq_Options_FilterOptions_Max{Max: 32}, CheckpointIntervalMultiplier: multiplier,
		}}
	}
	tests := []struct {
		name    string
		options *streams.ReadReq_Options
	}{
		{"no uuid option", &streams.ReadReq_Options{StreamOption: allStart, CountOption: &streams.ReadReq_Options_Count{Count: 1}}},
		{"neither stream nor $all", &streams.ReadReq_Options{UuidOption: structured, CountOption: &streams.ReadReq_Options_Count{Count: 1}}},
		{"checkpoint multiplier 0", &streams.ReadReq_Options{UuidOption: structured, StreamOption: allStart, CountOption: subscription, FilterOption: filter(0, "^a")}},
		{"bad regex", &streams.ReadReq_Options{UuidOption: structured, StreamOption: allStart, CountOption: subscription, FilterOption: filter(1, "(")}},
		{"backwards subscription", &streams.ReadReq_Options{UuidOption: structured, StreamOption: allStart, CountOption: subscription, ReadDirection: streams.ReadReq_Options_Backwards}},
		{"stream without start", &streams.ReadReq_Options{UuidOption: structured, CountOption: &streams.ReadReq_Options_Count{Count: 1},
			StreamOption: &streams.ReadReq_Options_Stream{Stream: &streams.ReadReq_Options_StreamOptions{StreamIdentifier: &shared.StreamIdentifier{StreamName: []byte("s")}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(ctxFor(t))
			defer cancel()
			call, err := client.Read(ctx, &streams.ReadReq{Options: tt.options})
			if err == nil {
				_, err = call.Recv()
			}
			if status.Code(err) != codes.InvalidArgument {
				t.Errorf("error = %v, want InvalidArgument", err)
			}
		})
	}
}

func TestUnimplementedCalls(t *testing.T) {
	s := startServer(t, Options{})
	client := rawStreams(t, s)
	if _, err := client.Delete(ctxFor(t), &streams.DeleteReq{}); status.Code(err) != codes.Unimplemented {
		t.Errorf("Delete: %v, want Unimplemented", err)
	}
	if _, err := client.Tombstone(ctxFor(t), &streams.TombstoneReq{}); status.Code(err) != codes.Unimplemented {
		t.Errorf("Tombstone: %v, want Unimplemented", err)
	}
}

func TestServerVersion(t *testing.T) {
	s := startServer(t, Options{})
	client := newClient(t, s.URI())
	version, err := client.GetServerVersion()
	if err != nil {
		t.Fatalf("GetServerVersion: %v", err)
	}
	if got := (esdb.ServerVersion{Major: 24, Minor: 10, Patch: 0}); *version != got {
		t.Errorf("GetServerVersion = %+v, want %+v", *version, got)
	}
}

// TestFilteredReadAll: KurrentDB also filters count-limited $all reads
// (ReadAllForwardsFiltered); client v4.2.0 never asks, other clients do.
func TestFilteredReadAll(t *testing.T) {
	s := startServer(t, Options{SystemEvents: true})
	client := newClient(t, s.URI())
	evs := events(4, "DonationReceived")
	for i, e := range evs {
		appendOK(t, client, fmt.Sprintf("fund-%d", i), esdb.NoStream{}, e)
		appendOK(t, client, fmt.Sprintf("other-%d", i), esdb.NoStream{}, events(1, "Other")...)
	}
	raw := rawStreams(t, s)
	tests := []struct {
		name      string
		direction streams.ReadReq_Options_ReadDirection
		count     uint64
		want      []uuid.UUID
	}{
		{"forwards", streams.ReadReq_Options_Forwards, 3, idsOf(evs[:3])},
		{"backwards", streams.ReadReq_Options_Backwards, 2, reversed(idsOf(evs))[:2]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := &streams.ReadReq_Options_AllOptions{AllOption: &streams.ReadReq_Options_AllOptions_Start{Start: &shared.Empty{}}}
			if tt.direction == streams.ReadReq_Options_Backwards {
				start.AllOption = &streams.ReadReq_Options_AllOptions_End{End: &shared.Empty{}}
			}
			call, err := raw.Read(ctxFor(t), &streams.ReadReq{Options: &streams.ReadReq_Options{
				StreamOption:  &streams.ReadReq_Options_All{All: start},
				ReadDirection: tt.direction,
				CountOption:   &streams.ReadReq_Options_Count{Count: tt.count},
				UuidOption:    &streams.ReadReq_Options_UUIDOption{Content: &streams.ReadReq_Options_UUIDOption_Structured{Structured: &shared.Empty{}}},
				FilterOption: &streams.ReadReq_Options_Filter{Filter: &streams.ReadReq_Options_FilterOptions{
					Filter: &streams.ReadReq_Options_FilterOptions_StreamIdentifier{StreamIdentifier: &streams.ReadReq_Options_FilterOptions_Expression{Prefix: []string{"fund-"}}},
					Window: &streams.ReadReq_Options_FilterOptions_Count{Count: &shared.Empty{}},
				}},
			}})
			if err != nil {
				t.Fatal(err)
			}
			var got []uuid.UUID
			for {
				resp, err := call.Recv()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				id, err := uuidOf(resp.GetEvent().GetEvent().GetId())
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, id)
			}
			if !equalIDs(got, tt.want) {
				t.Errorf("filtered read = %v, want %v", got, tt.want)
			}
		})
	}
}
