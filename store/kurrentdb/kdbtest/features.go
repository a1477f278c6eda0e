package kdbtest

import (
	"context"

	"github.com/EventStore/EventStore-Client-Go/v4/protos/serverfeatures"
	"github.com/EventStore/EventStore-Client-Go/v4/protos/shared"
)

// ServerVersion is the KurrentDB version the server reports; the client
// reads it through GetServerVersion.
const ServerVersion = "24.10.0"

// featuresService answers the client's first call on a new connection.
// It lists only what this server implements: streams read and append (no
// batchappend, so the client never tries it; no persistent subscriptions).
type featuresService struct {
	serverfeatures.UnimplementedServerFeaturesServer
}

func (featuresService) GetSupportedMethods(context.Context, *shared.Empty) (*serverfeatures.SupportedMethods, error) {
	const service = "event_store.client.streams.streams"
	return &serverfeatures.SupportedMethods{
		EventStoreServerVersion: ServerVersion,
		Methods: []*serverfeatures.SupportedMethod{
			{ServiceName: service, MethodName: "read"},
			{ServiceName: service, MethodName: "append"},
		},
	}, nil
}
