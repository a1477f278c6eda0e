package kdbtest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"strings"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/protos/streams"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// caFileName is the PEM file, in the server's temporary directory, that
// the URI's tlsCAFile names.
const caFileName = "ca.pem"

// serverFeaturesPrefix is the gRPC service KurrentDB lets anonymous callers
// reach (the client asks it for the server's version before any call).
const serverFeaturesPrefix = "/event_store.client.server_features.ServerFeatures/"

// errorKey is the trailer in which KurrentDB names its exception; the
// client reads it (RpcExceptions.cs, Constants.Exceptions.ExceptionKey).
const errorKey = "exception"

// authenticate applies KurrentDB's authentication middleware and its
// default policy: credentials that do not match fail every call with
// Unauthenticated (no exception trailer); a call without credentials is
// anonymous, which may reach ServerFeatures but is refused stream access
// with PermissionDenied and exception "access-denied".
func (s *Server) authenticate(ctx context.Context, method string) error {
	if s.opts.Username == "" {
		return nil
	}
	md, _ := metadata.FromIncomingContext(ctx)
	values := md.Get("authorization")
	if len(values) == 0 {
		if strings.HasPrefix(method, serverFeaturesPrefix) {
			return nil
		}
		_ = grpc.SetTrailer(ctx, metadata.Pairs(errorKey, "access-denied"))
		return status.Error(codes.PermissionDenied, "Access Denied")
	}
	if !s.validCredentials(values[0]) {
		return status.Error(codes.Unauthenticated, "Unauthenticated")
	}
	return nil
}

// validCredentials checks a "Basic base64(user:password)" header in
// constant time.
func (s *Server) validCredentials(header string) bool {
	encoded, ok := strings.CutPrefix(header, "Basic ")
	if !ok {
		return false
	}
	decoded, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil {
		return false
	}
	want := s.opts.Username + ":" + s.opts.Password
	return subtle.ConstantTimeCompare(decoded, []byte(want)) == 1
}

func (s *Server) authUnary(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	if err := s.authenticate(ctx, info.FullMethod); err != nil {
		return nil, err
	}
	return handler(ctx, req)
}

// authStream authenticates streaming calls. A refused client-streaming
// call (Append) is read to its end first, so that the client's sends all
// succeed and it receives the refusal from CloseAndRecv. KurrentDB answers
// before reading the request, so against a real node the client's Send can
// see io.EOF first and report esdb.ErrorCodeUnknown "EOF" instead: a race
// this server does not reproduce, to keep tests deterministic.
func (s *Server) authStream(srv any, stream grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	if err := s.authenticate(stream.Context(), info.FullMethod); err != nil {
		if info.IsClientStream {
			for stream.RecvMsg(new(streams.AppendReq)) == nil {
			}
		}
		return err
	}
	return handler(srv, stream)
}

// selfSignedTLS makes a certificate for 127.0.0.1 that is its own CA,
// writes it as PEM to caFile and returns the server's TLS configuration.
func selfSignedTLS(caFile string) (*tls.Config, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	template := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "kdbtest"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	if err := os.WriteFile(caFile, certPEM, 0o600); err != nil {
		return nil, err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, err
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, err
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}
