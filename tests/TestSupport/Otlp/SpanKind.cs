namespace GpuSharing.TestSupport.Otlp;

/// <summary>OTLP's <c>Span.SpanKind</c>, numbered as in the protocol.</summary>
public enum SpanKind
{
    Unspecified = 0,
    Internal = 1,
    Server = 2,
    Client = 3,
    Producer = 4,
    Consumer = 5,
}
