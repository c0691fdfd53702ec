// The part of opentelemetry-proto that an OTLP/HTTP traces receiver needs
// (collector/trace/v1, trace/v1, common/v1, resource/v1, plus google.rpc.Status
// for error bodies), written out as .proto text and compiled by protobufjs at
// start-up. No npm package ships these files, and @opentelemetry/otlp-transformer
// only encodes. Field numbers follow opentelemetry-proto v1.x; fields this
// receiver does not read (links, entity refs, ...) are skipped by the decoder
// as unknown fields, which protobuf allows.
import protobuf from 'protobufjs';

const PROTO = `
syntax = "proto3";
package tracelens.otlp;

message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message ExportTraceServiceResponse { ExportTracePartialSuccess partial_success = 1; }
message ExportTracePartialSuccess { int64 rejected_spans = 1; string error_message = 2; }

message ResourceSpans {
  Resource resource = 1;
  repeated ScopeSpans scope_spans = 2;
  string schema_url = 3;
}
message ScopeSpans {
  InstrumentationScope scope = 1;
  repeated Span spans = 2;
  string schema_url = 3;
}
message Span {
  bytes trace_id = 1;
  bytes span_id = 2;
  string trace_state = 3;
  bytes parent_span_id = 4;
  fixed32 flags = 16;
  string name = 5;
  int32 kind = 6;
  fixed64 start_time_unix_nano = 7;
  fixed64 end_time_unix_nano = 8;
  repeated KeyValue attributes = 9;
  uint32 dropped_attributes_count = 10;
  repeated Event events = 11;
  uint32 dropped_events_count = 12;
  uint32 dropped_links_count = 14;
  Status status = 15;
  message Event {
    fixed64 time_unix_nano = 1;
    string name = 2;
    repeated KeyValue attributes = 3;
    uint32 dropped_attributes_count = 4;
  }
}
message Status {
  string message = 2;
  int32 code = 3;
}

message Resource { repeated KeyValue attributes = 1; uint32 dropped_attributes_count = 2; }
message InstrumentationScope {
  string name = 1;
  string version = 2;
  repeated KeyValue attributes = 3;
  uint32 dropped_attributes_count = 4;
}
message AnyValue {
  oneof value {
    string string_value = 1;
    bool bool_value = 2;
    int64 int_value = 3;
    double double_value = 4;
    ArrayValue array_value = 5;
    KeyValueList kvlist_value = 6;
    bytes bytes_value = 7;
  }
}
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message KeyValue { string key = 1; AnyValue value = 2; }

// google.rpc.Status: the body of a failed OTLP/HTTP protobuf request.
message RpcStatus { int32 code = 1; string message = 2; }
`;

// Enums are plain int32 fields above: OTLP/JSON sends them as integers and a
// value this schema does not know must not fail the decode.
const root = protobuf.parse(PROTO, { keepCase: false }).root;

export const ExportTraceServiceRequest = root.lookupType('tracelens.otlp.ExportTraceServiceRequest');
export const ExportTraceServiceResponse = root.lookupType('tracelens.otlp.ExportTraceServiceResponse');
export const RpcStatus = root.lookupType('tracelens.otlp.RpcStatus');

/** OTLP Span.SpanKind. */
export const SPAN_KINDS = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'] as const;
/** OTLP Status.StatusCode. */
export const STATUS_CODE = { UNSET: 0, OK: 1, ERROR: 2 } as const;
