package sdk

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/go-plugin"
	"github.com/periscope-hq/periscope/sdk/internal/fromproto"
	"github.com/periscope-hq/periscope/sdk/internal/toproto"
	pb "github.com/periscope-hq/periscope/sdk/proto/notifier/v1"
	"google.golang.org/grpc"
)

// GRPCPlugin connects a Notifier to go-plugin's gRPC transport. On the
// plugin side Impl is served; on the host side GRPCClient returns a
// Notifier that calls the plugin. Serve and VersionedPlugins build it; a
// plugin author never needs it directly.
type GRPCPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	Impl Notifier
}

// GRPCServer registers Impl's gRPC service.
func (p *GRPCPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	if p.Impl == nil {
		return errors.New("sdk: GRPCPlugin has no Notifier to serve")
	}
	pb.RegisterNotifierServer(s, &grpcServer{impl: p.Impl})
	return nil
}

// GRPCClient returns a Notifier backed by the plugin behind conn.
func (p *GRPCPlugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, conn *grpc.ClientConn) (any, error) {
	return &grpcClient{c: pb.NewNotifierClient(conn)}, nil
}

// TransportError is returned by the host side of the protocol when the
// plugin could not be reached or did not answer (it crashed, exited, or the
// call was cut). The delivery may or may not have happened; it is
// retryable, and the host restarts the plugin before the next attempt.
type TransportError struct{ Err error }

// Error implements error.
func (e *TransportError) Error() string { return "plugin unreachable: " + e.Err.Error() }

// Unwrap returns the gRPC error.
func (e *TransportError) Unwrap() error { return e.Err }

// IsTransportError reports whether err is (or wraps) a *TransportError.
func IsTransportError(err error) bool {
	var te *TransportError
	return errors.As(err, &te)
}

// grpcServer serves a Notifier; a panic in the plugin's code becomes a
// retryable error instead of killing the process.
type grpcServer struct {
	pb.UnimplementedNotifierServer
	impl Notifier
}

func recovered(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("plugin panicked: %v", r)
	}
}

func (s *grpcServer) GetInfo(ctx context.Context, _ *pb.GetInfoRequest) (*pb.GetInfoResponse, error) {
	var info Info
	var err error
	func() {
		defer recovered(&err)
		info, err = s.impl.Info(ctx)
	}()
	if err != nil {
		return &pb.GetInfoResponse{Error: toproto.Error(err)}, nil
	}
	return &pb.GetInfoResponse{Info: toproto.Info(info)}, nil
}

func (s *grpcServer) ValidateConfig(ctx context.Context, req *pb.ValidateConfigRequest) (*pb.ValidateConfigResponse, error) {
	var err error
	func() {
		defer recovered(&err)
		var c Config
		if c, err = fromproto.Config(req.GetConfigJson()); err == nil {
			err = s.impl.Validate(ctx, c)
		}
	}()
	return &pb.ValidateConfigResponse{Error: toproto.Error(err)}, nil
}

func (s *grpcServer) Configure(ctx context.Context, req *pb.ConfigureRequest) (*pb.ConfigureResponse, error) {
	var err error
	func() {
		defer recovered(&err)
		var c Config
		if c, err = fromproto.Config(req.GetConfigJson()); err == nil {
			err = s.impl.Configure(ctx, c)
		}
	}()
	return &pb.ConfigureResponse{Error: toproto.Error(err)}, nil
}

func (s *grpcServer) Notify(ctx context.Context, req *pb.NotifyRequest) (*pb.NotifyResponse, error) {
	var err error
	func() {
		defer recovered(&err)
		err = s.impl.Notify(ctx, fromproto.Notification(req.GetNotification()))
	}()
	return &pb.NotifyResponse{Error: toproto.Error(err)}, nil
}

// grpcClient is the host's view of a plugin.
type grpcClient struct{ c pb.NotifierClient }

func (c *grpcClient) Info(ctx context.Context) (Info, error) {
	resp, err := c.c.GetInfo(ctx, &pb.GetInfoRequest{})
	if err != nil {
		return Info{}, &TransportError{Err: err}
	} else if err := fromproto.Error(resp.GetError()); err != nil {
		return Info{}, err
	}
	return fromproto.Info(resp.GetInfo()), nil
}

func (c *grpcClient) Validate(ctx context.Context, config Config) error {
	data, err := toproto.Config(config)
	if err != nil {
		return &ConfigError{Message: "config cannot be encoded as JSON: " + err.Error()}
	}
	resp, err := c.c.ValidateConfig(ctx, &pb.ValidateConfigRequest{ConfigJson: data})
	if err != nil {
		return &TransportError{Err: err}
	}
	return fromproto.Error(resp.GetError())
}

func (c *grpcClient) Configure(ctx context.Context, config Config) error {
	data, err := toproto.Config(config)
	if err != nil {
		return &ConfigError{Message: "config cannot be encoded as JSON: " + err.Error()}
	}
	resp, err := c.c.Configure(ctx, &pb.ConfigureRequest{ConfigJson: data})
	if err != nil {
		return &TransportError{Err: err}
	}
	return fromproto.Error(resp.GetError())
}

func (c *grpcClient) Notify(ctx context.Context, n Notification) error {
	resp, err := c.c.Notify(ctx, &pb.NotifyRequest{Notification: toproto.Notification(n)})
	if err != nil {
		return &TransportError{Err: err}
	}
	return fromproto.Error(resp.GetError())
}
